from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

from . import sqlite_like


class FestivalConfig(AppConfig):
    default = True  # this module also holds the config of django-axes below
    name = "festival"
    verbose_name = _("Festival")

    def ready(self):
        # Searches in Kazakh and Russian fold the case on SQLite too (its own LIKE folds only A-Z).
        connection_created.connect(sqlite_like.install, dispatch_uid="festival.sqlite_like")


class LoginAttemptsConfig(AxesAppConfig):
    """django-axes under a name organizers understand, in their language."""

    verbose_name = _("Login attempts")
