from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FestivalConfig(AppConfig):
    default = True  # this module also holds the config of django-axes below
    name = "festival"
    verbose_name = _("Festival")


class LoginAttemptsConfig(AxesAppConfig):
    """django-axes under a name organizers understand, in their language."""

    verbose_name = _("Login attempts")
