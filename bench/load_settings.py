"""Production settings plus one bench-only page, the framework's floor (see bench/load_urls.py)."""

from festival.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
