"""Tests: the same stack as production where it matters (PostgreSQL, Redis when their URLs are set)."""

import uuid

from festival.env import env_str

from .base import *  # noqa: F403
from .base import SILENCED_SYSTEM_CHECKS, VAR_DIR
from .broker import redis_cache, redis_url_or_none

DEBUG = False
SECRET_KEY = "test-only-key-not-secret-5b0d8e2a9c7f4e1d"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

_redis = redis_url_or_none()
CELERY_BROKER_URL = _redis or "memory://"
CACHES = redis_cache(_redis) if _redis else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if not _redis:
    # One test process: its threads (a live server's too) share the cache the rate limits count in.
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "django_ratelimit.E003"]
if _redis:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # as in production
# Most tests run tasks inline; tests/test_worker.py runs a real worker against the broker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env_str("TEST_MEDIA_ROOT", str(VAR_DIR / "test-media"))
AXES_FAILURE_LIMIT = 5
# A queue of this test run's own: a worker started by a test (tests/test_documents_worker.py) takes only
# its messages, whatever else uses the same Redis.
DOCUMENT_QUEUE = env_str("DOCUMENT_QUEUE", f"documents-test-{uuid.uuid4().hex[:10]}")
CELERY_TASK_ROUTES = {
    "certificates.tasks.chunk_run": {"queue": DOCUMENT_QUEUE},
    "certificates.tasks.job_finish": {"queue": DOCUMENT_QUEUE},
    "certificates.tasks.archive_run": {"queue": DOCUMENT_QUEUE},
}
