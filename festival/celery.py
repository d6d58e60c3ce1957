import os

from celery import Celery, signals

# Like wsgi.py: a worker started without DJANGO_SETTINGS_MODULE must not run with development settings
# (console e-mail, DEBUG). scripts/run sets the development settings explicitly.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings.production")

app = Celery("festival")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _portal_logging(**kwargs):
    """Workers and beat log through the portal's LOGGING (UTC time stamps, festival/logs.py) instead of
    Celery's own format, which stamps the local time of TIME_ZONE without its offset."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
