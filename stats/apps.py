from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    # The package is not called "statistics": that name would hide Python's own statistics module.
    name = "stats"
    label = "statistics"
    verbose_name = _("Statistics")
