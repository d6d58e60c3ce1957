from collections import Counter

import pytest

from tests import factories

# `browser` (headless Chromium) for the browser tests; `document_worker_env` for real worker processes.
pytest_plugins = ["tests.browser", "tests.workers"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.UPLOAD_TEMP_ROOT = tmp_path / "uploads"


@pytest.fixture
def edition(db):
    return factories.open_edition()


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [f"database: {engine}", f"celery broker: {settings.CELERY_BROKER_URL.split('://')[0]}"]


# The servers the README's default runs without. A test that needs one is marked with its name; without the
# server it is skipped, and the skips are counted at the end of the run.
SERVERS = {"postgres": "PostgreSQL (DATABASE_URL)", "redis": "Redis (REDIS_URL)"}
NEEDS = "needs "


def _servers_absent():
    from django.conf import settings
    from django.db import connection

    absent = set()
    if connection.vendor != "postgresql":
        absent.add("postgres")
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        absent.add("redis")
    return absent


def pytest_collection_modifyitems(config, items):
    absent = _servers_absent()
    for item in items:
        missing = [SERVERS[name] for name in SERVERS if name in absent and item.get_closest_marker(name)]
        if missing:
            item.add_marker(pytest.mark.skip(reason=NEEDS + " and ".join(missing)))


def pytest_terminal_summary(terminalreporter):
    skipped = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        needs = [label for label in SERVERS.values() if NEEDS in reason and label in reason]
        skipped.update(needs)
        skipped["all"] += bool(needs)
    each = ", ".join(f"{skipped[label]} need {label}" for label in SERVERS.values())
    terminalreporter.write_line(f"Skipped for want of a server: {skipped['all']} tests ({each}).")


@pytest.fixture(autouse=True)
def _rate_limits_of_its_own(settings):
    """Each test counts its rate limits (festival/throttle.py) afresh, in a cache maybe shared with other test
    processes (Redis), where every test client has the same address."""
    import uuid

    settings.RATELIMIT_CACHE_PREFIX = f"rl:{uuid.uuid4().hex}:"


@pytest.fixture(autouse=True)
def _english_by_default():
    """Requests leave their language active in the thread; each test starts from English and says otherwise."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _regions_after_flush(request):
    """Transactional tests end by emptying every table, the regions of the data migration included: put
    them back for the next test (the migration's own function, so the data is the same)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    if not (transactional or "live_server" in request.fixturenames):
        return
    import importlib

    from django.apps import apps

    from festival.models import Region

    if not Region.objects.exists():
        importlib.import_module("festival.migrations.0002_regions").add_regions(apps, None)
