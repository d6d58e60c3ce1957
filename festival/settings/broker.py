"""Broker and cache: Redis when REDIS_URL is set, otherwise embedded defaults that need no server."""

from festival.env import env_url


def redis_url_or_none():
    return env_url("REDIS_URL", None, schemes={"redis", "rediss"})


def filesystem_broker(var_dir):
    """kombu's filesystem transport: messages are files in a folder, so a worker runs without Redis."""
    folder = var_dir / "broker"
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return "filesystem://", {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
        # Broadcast (control) messages: without this kombu writes them to ./control of the working directory.
        "control_folder": str(folder / "control"),
    }


def redis_cache(url):
    # A Redis that hangs costs a page seconds, not the minutes of redis-py's default timeouts.
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
