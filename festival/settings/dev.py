"""Development and the embedded demo: SQLite and a filesystem broker unless DATABASE_URL / REDIS_URL say otherwise."""

from festival.env import env_bool, env_list, env_str

from .base import *  # noqa: F403
from .base import SILENCED_SYSTEM_CHECKS, VAR_DIR
from .broker import filesystem_broker, redis_cache, redis_url_or_none

DEBUG = True
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-never-used-in-production-3f9a1c")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
# The embedded demo: a phase can be opened now from the organizer's edition page (DEMO_MODE=0 turns it off).
DEMO_MODE = env_bool("DEMO_MODE", True)

VAR_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)

_redis = redis_url_or_none()
if _redis:
    CELERY_BROKER_URL = _redis
    CACHES = redis_cache(_redis)
else:
    CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker(VAR_DIR)
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Without Redis the portal runs in one process (scripts/run: runserver), whose threads share this cache:
    # the rate limits count right there. Any set-up with more processes sets REDIS_URL.
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "django_ratelimit.E003"]

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
