"""In headless Chromium: a student uploads a real film, sees the progress and the thumbnail; the region's
coordinator accepts it and makes it a finalist; the coordinator of another region cannot see it."""

import datetime
import re

import pytest
from django.utils import timezone

from festival.models import Phase
from submissions.models import Entry
from tests import factories, videos
from tests.browser import ru, shot, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_review_and_finalist(browser, live_server, tmp_path):
    edition = factories.open_edition()
    now = timezone.now()
    # Submission and regional judging both open, so that one test walks the whole regional stage.
    edition.phases.filter(kind=Phase.Kind.REGIONAL_JUDGING).update(
        starts_at=now - datetime.timedelta(days=1), ends_at=now + datetime.timedelta(days=1)
    )
    entry = factories.entry(title="Менің ауылым")
    film = videos.mp4(tmp_path, seconds=3, size="640x360")

    page = signed_in_page(browser, live_server, entry.created_by, viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/ru/entries/{entry.pk}/")
    page.set_input_files("#film-file", str(film))
    page.get_by_test_id("upload-progress").wait_for()
    page.wait_for_function("document.querySelector('[data-testid=upload-progress]').textContent === '100%'")
    player = page.get_by_test_id("own-player")
    player.wait_for(timeout=60000)
    # The student watches their own film: the preview the worker made plays in the page.
    page.wait_for_function("document.querySelector('[data-testid=own-player]').readyState >= 1", timeout=30000)
    assert player.evaluate("video => video.currentSrc").endswith(f"/ru/entries/{entry.pk}/preview/")
    shot(page, "10-uploaded")
    page.get_by_test_id("submit-entry").click()
    page.wait_for_selector(f"text={ru('The film is sent to the regional coordinator.')}")
    entry.refresh_from_db()
    assert entry.state == Entry.State.SUBMITTED and entry.film.status == "ok"
    assert entry.film.sha256 and entry.film.duration == pytest.approx(3, abs=0.2)

    coordinator = signed_in_page(
        browser, live_server, factories.coordinator("astana"), viewport={"width": 1280, "height": 900}
    )
    coordinator.goto(f"{live_server.url}/ru/region/astana/entries/")
    coordinator.get_by_test_id("region-entry").filter(has_text="Менің ауылым").click()
    coordinator.get_by_test_id("player").wait_for()
    coordinator.get_by_test_id("accept").click()
    coordinator.get_by_test_id("finalist").click()
    coordinator.wait_for_selector(f"[data-testid=entry-state]:has-text('{ru('Regional finalist')}')")
    shot(coordinator, "11-coordinator-finalist")
    entry.refresh_from_db()
    assert entry.state == Entry.State.REGIONAL_FINALIST

    stranger = signed_in_page(browser, live_server, factories.coordinator("shymkent"))
    response = stranger.goto(f"{live_server.url}/ru/region/astana/entries/")
    assert response.status == 403
    response = stranger.goto(f"{live_server.url}/ru/region/shymkent/entries/{entry.pk}/")
    assert response.status == 404
    stranger.goto(f"{live_server.url}/ru/region/shymkent/entries/")
    assert not re.search("Менің ауылым", stranger.content())
