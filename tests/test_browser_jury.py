"""In headless Chromium: a juror watches a film, scores it, uses "submit and next" and finishes the panel;
the organizer confirms the places and locks the results; the public page shows the winners."""

import shutil

import pytest

from judging import services as jury
from judging.models import Panel, PanelMember
from submissions import services as entry_services
from submissions import tasks
from submissions.models import Entry
from submissions.storage import upload_path
from tests import factories, videos
from tests.browser import ru, shot, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def finalist_with_film(title, source):
    entry = factories.entry(title=title)
    upload = entry_services.upload_create(
        entry=entry, user=entry.created_by, length=source.stat().st_size, filename=source.name
    )
    shutil.copyfile(source, upload_path(upload.pk))
    film = entry_services.upload_complete(upload=upload)
    tasks.check_film(film.pk)
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.REPUBLICAN_PARTICIPANT)
    return entry


def test_juror_scores_panel_then_organizer_locks_and_publishes(browser, live_server, tmp_path):
    edition = factories.open_edition()
    source = videos.mp4(tmp_path, "film.mp4", seconds=2)
    first = finalist_with_film("Әжемнің ертегісі", source)
    second = finalist_with_film("Далада", videos.mp4(tmp_path, "other.mp4", seconds=3))
    juror = factories.juror()
    from django.utils import timezone

    jury.criteria_default_create(edition=edition)
    panel = Panel.objects.create(
        edition=edition,
        stage=Panel.Stage.REPUBLICAN,
        name_ru="Жюри: сюжеты",
        deadline=timezone.now() + timezone.timedelta(days=3),
    )
    panel.nominations.add(first.nomination)
    factories.republican_judging_open(edition)
    PanelMember.objects.create(panel=panel, juror=juror)
    jury.assignments_build(panel=panel)

    page = signed_in_page(browser, live_server, juror, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/ru/jury/panels/{panel.pk}/")
    page.get_by_test_id("start").click()
    page.get_by_test_id("jury-player").wait_for()
    # The film plays: the browser reads its length from the preview.
    duration = page.eval_on_selector(
        "[data-testid=jury-player]",
        "v => new Promise(r => v.readyState >= 1 ? "
        "r(v.duration) : v.addEventListener('loadedmetadata', () => r(v.duration)))",
    )
    assert duration > 1
    for points in (9, 6):
        for field in page.locator("input[type=number]").all():
            field.fill(str(points))
        shot(page, f"20-jury-scoring-{points}")
        page.get_by_test_id("save-next").click()
    page.get_by_test_id("panel-done").wait_for()
    assert "2 " in page.get_by_test_id("progress").inner_text()

    organizer = signed_in_page(browser, live_server, factories.organizer(), viewport={"width": 1280, "height": 900})
    organizer.goto(f"{live_server.url}/ru/jury/organizer/results/")
    for entry, value in ((first, "place:1"), (second, "place:2")):
        form = organizer.get_by_test_id(f"award-{entry.pk}")
        form.locator("select").select_option(value)
        form.get_by_role("button").click()
        organizer.wait_for_load_state()
    organizer.once("dialog", lambda dialog: dialog.accept())
    organizer.get_by_test_id("lock").click()
    organizer.get_by_test_id("locked").wait_for()

    public = browser.new_context(locale="ru-RU").new_page()
    public.goto(f"{live_server.url}/ru/results/")
    winners = public.get_by_test_id("winner")
    assert winners.count() == 2
    assert (
        "Әжемнің ертегісі" in winners.nth(0).inner_text() and ru("Place %(place)s") % {"place": 1} in public.content()
    )
    shot(public, "21-public-results")
