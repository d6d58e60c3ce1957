"""Production: everything comes from the environment; a missing or malformed value stops the start.

Required: SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, EMAIL_URL, DEFAULT_FROM_EMAIL.
Optional: MEDIA_STORAGE (file | s3) with the S3_* variables, CSRF_TRUSTED_ORIGINS, SECURE_HSTS_SECONDS.
"""

from urllib.parse import unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from festival.env import env_bool, env_int, env_list, env_str, env_url

from .base import *  # noqa: F403
from .broker import redis_cache

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters with at least 5 distinct ones.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"https://{host}" for host in ALLOWED_HOSTS])

DATABASES = {
    "default": dj_database_url.parse(
        env_url("DATABASE_URL", schemes={"postgres", "postgresql", "pgsql"}),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}

REDIS_URL = env_url("REDIS_URL", schemes={"redis", "rediss"})
CELERY_BROKER_URL = REDIS_URL
CACHES = redis_cache(REDIS_URL)
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


def _email_settings(url):
    """EMAIL_URL: smtp://user:password@host:587 (STARTTLS), smtps://…:465 (TLS), or console:// for a dry run."""
    parsed = urlparse(url)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    try:
        port = parsed.port
    except ValueError:
        raise ImproperlyConfigured(f"EMAIL_URL has a malformed port: {url!r}.") from None
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname,
        "EMAIL_PORT": port or (465 if parsed.scheme == "smtps" else 587),
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_SSL": parsed.scheme == "smtps",
        "EMAIL_USE_TLS": parsed.scheme == "smtp",
        "EMAIL_TIMEOUT": 30,
    }


globals().update(_email_settings(env_url("EMAIL_URL", schemes={"smtp", "smtps", "console"})))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL")
SITE_URL = env_url("SITE_URL", schemes={"https"})
SERVER_EMAIL = DEFAULT_FROM_EMAIL

UPLOAD_TEMP_ROOT = env_str("UPLOAD_TEMP_ROOT")
PRIVATE_MEDIA_ACCEL_PREFIX = env_str("PRIVATE_MEDIA_ACCEL_PREFIX", "/protected/")
# Files the portal stores: readable by its group (nginx's user is a member, to send private files), by no one
# else; folders follow the services' umask (0027).
FILE_UPLOAD_PERMISSIONS = 0o640

MEDIA_STORAGE = env_str("MEDIA_STORAGE", "file")
if MEDIA_STORAGE == "file":
    MEDIA_ROOT = env_str("MEDIA_ROOT")
    PRIVATE_MEDIA_ROOT = env_str("PRIVATE_MEDIA_ROOT")
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif MEDIA_STORAGE == "s3":
    # One bucket: films, pictures, documents and archives under private/ (no public ACL, served through
    # short-lived signed links after the portal's permission check), Django's own media under media/.
    _s3 = {
        "bucket_name": env_str("S3_BUCKET"),
        "endpoint_url": env_url("S3_ENDPOINT_URL", schemes={"http", "https"}),
        "access_key": env_str("S3_ACCESS_KEY"),
        "secret_key": env_str("S3_SECRET_KEY"),
        "region_name": env_str("S3_REGION", None),
        "addressing_style": env_str("S3_ADDRESSING_STYLE", "path"),
        "default_acl": None,
        "querystring_auth": True,
    }
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": "media", "file_overwrite": False},
    }
    PRIVATE_STORAGE_S3 = {
        **_s3,
        "location": "private",
        # The portal picks every name itself and rewrites a file under the same name (a retried render).
        "file_overwrite": True,
        "querystring_expire": env_int("S3_LINK_SECONDS", 600, minimum=60),
    }
    # Films, posters and documents are sent from the object storage (a redirect to a signed link): the
    # Content-Security-Policy must let pictures and films come from there.
    _s3_origin = "{0.scheme}://{0.netloc}".format(urlparse(_s3["endpoint_url"]))
    for _directive in ("img-src", "media-src"):
        CONTENT_SECURITY_POLICY["DIRECTIVES"][_directive].append(_s3_origin)  # noqa: F405
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'file' or 's3'; got {MEDIA_STORAGE!r}.")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Login throttling and the rate limits count per client address. Behind nginx, REMOTE_ADDR is nginx's own
# address: the client's is the last entry of X-Forwarded-For, the one nginx appended (festival/net.py); with
# a load balancer in front of nginx that appends too, 2.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1, minimum=0)

# The load balancer's probe comes over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# HTTPS everywhere behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
