import os

from celery import Celery

# Like wsgi.py: a worker started without DJANGO_SETTINGS_MODULE must not run with development settings
# (console e-mail, DEBUG). scripts/run sets the development settings explicitly.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings.production")

app = Celery("festival")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
