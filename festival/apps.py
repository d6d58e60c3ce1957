from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FestivalConfig(AppConfig):
    default = True  # this module also holds the config of django-axes below
    name = "festival"
    verbose_name = _("Festival")

    def ready(self):
        from . import cached, edition_cache, reference_cache, services, user_cache
        from .models import AgeGroup, Edition, Nomination, Phase

        cached.connect()
        services.connect()
        edition_cache.connect(Edition, Phase, Nomination, AgeGroup)
        user_cache.connect()
        reference_cache.connect()


class LoginAttemptsConfig(AxesAppConfig):
    """django-axes under a name organizers understand, in their language."""

    verbose_name = _("Login attempts")
