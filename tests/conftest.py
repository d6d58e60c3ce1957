import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def edition(db):
    return factories.open_edition()


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [f"database: {engine}", f"celery broker: {settings.CELERY_BROKER_URL.split('://')[0]}"]


@pytest.fixture(autouse=True)
def _english_by_default():
    """Requests leave their language active in the thread; each test starts from English and says otherwise."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()
