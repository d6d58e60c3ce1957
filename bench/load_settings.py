"""Production settings plus two bench-only pages, the floors (see bench/load_urls.py)."""

from festival.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
for _engine in TEMPLATES:  # noqa: F405
    _engine["DIRS"] = [*_engine["DIRS"], BASE_DIR / "bench" / "templates"]  # noqa: F405
