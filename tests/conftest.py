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


@pytest.fixture(autouse=True)
def _no_cached_edition():
    """A test's edition and people go with the test's transaction: they must not stay cached as the next
    test's current edition or signed-in person (festival/edition_cache.py, festival/user_cache.py)."""
    from festival import cached, edition_cache, reference_cache, user_cache
    from judging import setup_cache
    from submissions import region_cache

    caches = (edition_cache, user_cache, reference_cache, region_cache, setup_cache)
    cached._down_until[0] = 0.0  # a test that took the cache down must not leave the next one without it
    cached._request.versions = None  # a response never closed (a file not read) leaves its request's versions
    for kept in caches:
        kept.forget()
    yield
    for kept in caches:
        kept.forget()


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
