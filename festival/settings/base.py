"""Settings shared by every environment. Environment-specific modules import * from here."""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from festival.env import env_bool, env_int, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Runtime data of the embedded default (SQLite file, media, the filesystem broker) lives here.
VAR_DIR = Path(env_str("FESTIVAL_VAR_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "festival.apps.LoginAttemptsConfig",
    # The rate limits (festival/throttle.py); installed for its system checks of the cache.
    "django_ratelimit",
    "festival",
    "submissions",
    "judging",
    "certificates",
    "stats",
    "people",
    "organizing",
]

MIDDLEWARE = [
    # First: it adds the tus version to every answer on /tus/, the other middleware's and the error pages too.
    "submissions.middleware.TusResumableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below) on every page.
    "csp.middleware.CSPMiddleware",
    # Serves the collected static files (hashed names, compressed, cached for a year) from each web process.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "festival.middleware.ConsentRequiredMiddleware",
    # Last, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy, in every environment (development and the tests too, so that the browser tests run
# under it), never report-only. Scripts and styles come only from the site's own static files: no inline
# <script>, no on…= handlers, no style="…" attributes (widths and heights known only on the server are set by
# static/js through element.style, which a policy does not restrict). htmx is told not to evaluate code and
# not to add a <style> of its own (the htmx-config meta tag in templates/base.html). Pictures also come as
# data: (the designer's preview) and blob:. Production adds the object storage's origin
# (festival/settings/production.py) for films and pictures served through its signed links.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

ROOT_URLCONF = "festival.urls"
WSGI_APPLICATION = "festival.wsgi.application"
ASGI_APPLICATION = "festival.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        # No "loaders": Django then wraps these two in its cached loader, and each template is read and compiled
        # once per process (in development runserver empties it when a template changes).
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "festival.context_processors.festival",
            ],
        },
    },
]

# The embedded default is a SQLite file; DATABASE_URL switches to PostgreSQL with the same code.
DATABASES = {
    "default": dj_database_url.parse(
        env_url(
            "DATABASE_URL",
            f"sqlite:///{VAR_DIR / 'festival.sqlite3'}",
            schemes={"sqlite", "postgres", "postgresql", "pgsql"},
        ),
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker's processes share the file. WAL: readers never wait for the writer.
    # IMMEDIATE: a transaction takes the write lock when it begins, so a second writer waits for it (up to
    # the timeout, in seconds) instead of failing at once with "database is locked" when its read turns
    # into a write.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "festival.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out client before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "festival.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "festival.views.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "account:home"
LOGOUT_REDIRECT_URL = "landing"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
# How long the link in the "confirm your e-mail" letter stays valid.
EMAIL_CONFIRMATION_MAX_AGE = 60 * 60 * 24 * 3

# Login throttling: after 5 failures for one e-mail from one address, that pair waits an hour.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The client's address (festival/net.py): REMOTE_ADDR, or behind proxies that append to X-Forwarded-For the
# entry TRUSTED_PROXY_COUNT places from the right. Counted the same way for login throttling and rate limits.
TRUSTED_PROXY_COUNT = 0
AXES_CLIENT_IP_CALLABLE = "festival.net.client_ip"
RATELIMIT_IP_META_KEY = "festival.net.client_ip"
# The rate limits count in the default cache: Redis with REDIS_URL, which every process shares and which counts
# with INCR (atomic). django-ratelimit knows Redis only as django-redis by name and warns about Django's own
# RedisCache (W001); its other objections (a cache not shared, E003) are settled per environment.
RATELIMIT_USE_CACHE = "default"
# festival/throttle.py: (key, rate) pairs per group; key "user" (the account) or "ip" (the client's address),
# rate "<count>/<period>" with period s, m, h or d. Generous for honest use: a supervisor adds a team, a school
# behind one address has several teachers; a stranger trying IINs or document codes one by one is stopped.
RATE_LIMITS = {
    # Form posts that check an IIN against the database (team adding, one's own consent).
    "iin-check": [("user", "20/h"), ("ip", "60/h")],
    "team-add": [("user", "60/h"), ("ip", "200/h")],
    # Looking up a document's verification code (the public page).
    "verify": [("ip", "30/m"), ("ip", "300/h")],
    # Starting a film upload (POST /tus/).
    "upload-create": [("user", "60/h"), ("ip", "300/h")],
}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

LANGUAGE_CODE = "ru"
LANGUAGES = [
    ("kk", _("Kazakh")),
    ("ru", _("Russian")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Kazakhstan is on UTC+5 nationwide since 1 March 2024; Asia/Almaty follows that.
TIME_ZONE = "Asia/Almaty"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Third-party assets come from npm (package.json); only their built files are exposed.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/tus", BASE_DIR / "node_modules" / "tus-js-client" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
# Films, posters and previews: never under MEDIA_URL; served only after a permission check.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
# Options of django-storages' S3Storage to keep the private files in object storage instead (see
# submissions/storage.py); production sets them with MEDIA_STORAGE=s3.
PRIVATE_STORAGE_S3 = None
# Partial tus uploads, appended to in place: a local (or shared) disk, not object storage.
UPLOAD_TEMP_ROOT = Path(env_str("UPLOAD_TEMP_ROOT", str(VAR_DIR / "uploads")))
# A partial upload not finished within this time is removed (tus expiration extension).
TUS_UPLOAD_EXPIRY_HOURS = 48
# Large uploads come through the tus endpoint; ordinary forms stay small.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# In production nginx serves private files after Django's permission check (X-Accel-Redirect to this prefix).
PRIVATE_MEDIA_ACCEL_PREFIX = None

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Links in letters sent by the worker, which has no request to take the address from.
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes={"http", "https"})
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Балалар кино фестивалі · Фестиваль детского кино <noreply@festival.localhost>"
)

# Celery: tasks are queued after the transaction commits and take ids, never objects.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A film check (its preview is re-encoded) can take long for a long film; Redis must not hand the task to a
# second worker meanwhile. Longer than the longest check.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 60 * 60}
CELERY_BEAT_SCHEDULE = {
    "remove-expired-uploads": {"task": "submissions.tasks.uploads_expire", "schedule": 60 * 60},
    # Every 15 s (certificates.services.WATCHDOG_EVERY): a chunk whose worker was killed is sent again within
    # about a minute of the kill.
    "resume-stalled-document-jobs": {"task": "certificates.tasks.jobs_watchdog", "schedule": 15},
    "resend-lost-film-checks": {"task": "submissions.tasks.films_check_watchdog", "schedule": 5 * 60},
    "send-document-letters": {"task": "certificates.tasks.letters_send", "schedule": 60},
    # Participant lists (children's personal data) left behind by an import that was lost or stopped.
    "remove-import-files": {"task": "submissions.tasks.import_files_expire", "schedule": 10 * 60},
}
# "Your document is ready" letters: at most this many per minute, whatever the number of workers (the mail
# provider's limit); 96,000 letters take under three hours at 600 a minute.
# Documents per chunk of an issuing job: a worker's unit of work (and of a print-ready batch PDF).
# Issuing jobs have a queue of their own: 96,000 certificates must not hold up film checks and letters.
# Workers listen to both (celery -Q celery,documents) or are dedicated to one.
DOCUMENT_QUEUE = env_str("DOCUMENT_QUEUE", "documents")
CELERY_TASK_ROUTES = {
    "certificates.tasks.chunk_run": {"queue": DOCUMENT_QUEUE},
    "certificates.tasks.job_finish": {"queue": DOCUMENT_QUEUE},
    "certificates.tasks.archive_run": {"queue": DOCUMENT_QUEUE},
    # Participant lists are office batch work too: a worker kept for film checks (-Q celery) never takes one.
    "submissions.tasks.import_participants": {"queue": DOCUMENT_QUEUE},
}
DOCUMENT_CHUNK_SIZE = env_int("DOCUMENT_CHUNK_SIZE", 250, minimum=1)
DOCUMENT_LETTERS_PER_RUN = env_int("DOCUMENT_LETTERS_PER_MINUTE", 600, minimum=1)

# Demonstrations: the organizers' edition page (and manage.py demo_phase) can open any phase now by moving the
# whole calendar. Never in production, where the dates are the festival's rules.
DEMO_MODE = env_bool("DEMO_MODE", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Stamped in UTC with the offset (festival/logs.py), like gunicorn's and nginx's lines (deploy/).
    "formatters": {
        "plain": {"class": "festival.logs.UTCFormatter", "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"axes": {"level": "WARNING"}},
}
