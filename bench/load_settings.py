"""Production settings plus two bench-only pages, the floors (see bench/load_urls.py)."""

from festival.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
for _engine in TEMPLATES:  # noqa: F405
    _engine["DIRS"] = [*_engine["DIRS"], BASE_DIR / "bench" / "templates"]  # noqa: F405

# The 200 simulated people all come from one loopback address, which no school's network gathers: the limits
# per address would measure the limiter, not the pages. The limits per account stay as in production.
RATE_LIMITS = {
    name: [(key, rate) for key, rate in limits if key != "ip"]
    for name, limits in RATE_LIMITS.items()  # noqa: F405
}
