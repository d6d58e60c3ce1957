"""In headless Chromium, an edition from start to finish on the organizers' own pages (no admin, no shell):
the organizer opens the edition and sets its calendar; invites a coordinator and two jurors, who accept from
their letters; creates the republican panels (the seven default criteria came with the edition), seats the
jurors and builds the assignments; the jurors score; the organizer gives places, locks the results and runs a
documents job. Only the students' films are made in code (their own journey has tests of its own)."""

import datetime
import io
import re
import shutil

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from certificates.models import Document
from festival.models import Edition, Phase, Region, RoleGrant
from judging.models import Assignment, Award, Panel, PanelMember, Score
from submissions import services as entry_services
from submissions import tasks
from submissions.models import Entry
from submissions.storage import upload_path
from tests import factories, videos
from tests.browser import shot, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ru_url(live_server, name, *args):
    with translation.override("ru"):
        return live_server.url + reverse(name, args=args)


def finalist_with_film(edition, title, region_code, source):
    entry = factories.entry(title=title, region_code=region_code, nomination_code="tv-story")
    assert entry.edition_id == edition.pk
    upload = entry_services.upload_create(
        entry=entry, user=entry.created_by, length=source.stat().st_size, filename=source.name
    )
    shutil.copyfile(source, upload_path(upload.pk))
    tasks.check_film(entry_services.upload_complete(upload=upload).pk)
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.REPUBLICAN_PARTICIPANT)
    return entry


def invite(page, live_server, *, email, role, region=None, panel=None, chair=False, language="ru"):
    page.goto(ru_url(live_server, "people:invite"))
    page.fill("input[name=email]", email)
    page.select_option("select[name=role]", role)
    if region:
        page.select_option("select[name=region]", str(region.pk))
    if panel:
        page.select_option("select[name=panel]", str(panel.pk))
    if chair:
        page.check("input[name=as_chair]")
    page.select_option("select[name=language]", language)
    page.get_by_role("button", name="Отправить приглашение").click()
    page.wait_for_url(re.compile(r"/organizer/people/$"))


def link_in_letter(email):
    [letter] = [m for m in mail.outbox if email in m.to]
    return re.search(r"https?://\S+/invite/\S+/", letter.body).group(0)


def accept_as_new_person(browser, link, last_name, first_name):
    page = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844}).new_page()
    page.goto(link)
    page.fill("input[name=last_name]", last_name)
    page.fill("input[name=first_name]", first_name)
    page.fill("input[name=password1]", "Kino-festival-2031!")
    page.fill("input[name=password2]", "Kino-festival-2031!")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return page


def score_everything(page, live_server, panel, points):
    page.goto(ru_url(live_server, "judging:panel", panel.pk))
    page.get_by_test_id("start").click()
    while True:
        page.get_by_test_id("jury-player").wait_for()
        for field in page.locator("input[type=number]").all():
            field.fill(str(points))
        page.get_by_test_id("save-next").click()
        page.wait_for_load_state()
        if page.get_by_test_id("panel-done").count():
            return


def set_calendar(page, *, open_phase):
    """The six phases' starts, a month apart, in Astana time, so that `open_phase` is open now."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    shift = Phase.ORDER.index(open_phase)
    starts = [now + datetime.timedelta(days=30 * (index - shift), hours=-1) for index in range(6)]
    for kind, moment in zip(Phase.ORDER, starts, strict=True):
        page.fill(f"input[name={kind}]", moment.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=ends_at]", (starts[-1] + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("save-phases").click()
    page.locator(f"tr[data-open='1'][data-phase='{open_phase}']").wait_for()


def test_organizer_runs_an_edition_from_the_portal_pages(browser, live_server, tmp_path, settings):
    settings.DOCUMENT_CHUNK_SIZE = 25
    organizer = factories.organizer()
    page = signed_in_page(browser, live_server, organizer, viewport={"width": 1366, "height": 900})

    # The edition, and its calendar in Astana time.
    year = timezone.localdate().year + 1
    page.goto(ru_url(live_server, "organizing:edition_new"))
    page.fill("input[name=year]", str(year))
    page.check("input[name=make_current]")
    page.get_by_test_id("open-edition").click()
    page.get_by_test_id("phases-form").wait_for()
    edition = Edition.objects.get(year=year)
    assert edition.is_current and edition.criteria.count() == 7

    # Films were sent while the submission was open, and two reached the republican stage (the students' part).
    set_calendar(page, open_phase="regional_submission")
    first = finalist_with_film(edition, "Әжемнің ертегісі", "astana", videos.mp4(tmp_path, "a.mp4", seconds=2))
    second = finalist_with_film(edition, "Далада", "shymkent", videos.mp4(tmp_path, "b.mp4", seconds=3))
    set_calendar(page, open_phase="republican_judging")

    # The jury: republican panels per nomination, in one click.
    page.goto(ru_url(live_server, "judging:organizer_panels"))
    page.get_by_test_id("panels-republican").click()
    page.wait_for_load_state()
    panel = Panel.objects.get(edition=edition, stage=Panel.Stage.REPUBLICAN, nominations__code="tv-story")
    assert Panel.objects.filter(edition=edition, stage=Panel.Stage.REPUBLICAN).count() == 8
    page.get_by_test_id(f"panel-{panel.pk}").get_by_test_id("warn-members").wait_for()

    # People: a coordinator for Astana, two jurors for the panel (one in Kazakh, the first as chair).
    astana = Region.objects.get(code="astana")
    invite(page, live_server, email="coordinator@astana.kz", role="coordinator", region=astana)
    invite(page, live_server, email="aigerim@kino.kz", role="juror", panel=panel, chair=True)
    invite(page, live_server, email="bolat@kino.kz", role="juror", panel=panel, language="kk")
    shot(page, "edition-30-people")
    assert "Қазылар алқасы" in mail.outbox[-1].subject and "/kk/invite/" in mail.outbox[-1].body  # in Kazakh

    coordinator = accept_as_new_person(browser, link_in_letter("coordinator@astana.kz"), "Омарова", "Дина")
    coordinator.wait_for_url(re.compile(r"/region/astana/"))
    jurors = [
        accept_as_new_person(browser, link_in_letter("aigerim@kino.kz"), "Сапарова", "Айгерім"),
        accept_as_new_person(browser, link_in_letter("bolat@kino.kz"), "Ахметов", "Болат"),
    ]
    shot(jurors[0], "edition-31-juror-accepted")
    assert RoleGrant.objects.filter(role=RoleGrant.Role.COORDINATOR, region=astana, user__email="coordinator@astana.kz")
    assert PanelMember.objects.filter(panel=panel, active=True).count() == 2
    panel.refresh_from_db()
    assert panel.chair.email == "aigerim@kino.kz"

    # The assignments: everyone scores every film of the panel.
    page.goto(ru_url(live_server, "judging:setup_panel", panel.pk))
    page.get_by_test_id("build").click()
    page.wait_for_load_state()
    shot(page, "edition-32-assignments")
    assert Assignment.objects.filter(panel=panel, active=True).count() == 4

    for juror, points in zip(jurors, (9, 7), strict=True):
        score_everything(juror, live_server, panel, points)
    assert Score.objects.filter(assignment__panel=panel, status=Score.Status.SUBMITTED).count() == 4

    # The organizer's decisions: places, confirmed one by one, then the lock.
    page.goto(ru_url(live_server, "judging:organizer_results"))
    for entry, value, said in ((first, "place:1", "I место"), (second, "place:2", "II место")):
        form = page.get_by_test_id(f"award-{entry.pk}")
        form.locator("select").select_option(value)
        form.get_by_role("button").click()
        page.wait_for_load_state()
        assert page.get_by_role("alert").filter(has_text=entry.title).count() == 1
        assert said in page.get_by_role("alert").inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("lock").click()
    page.get_by_test_id("locked").wait_for()
    assert set(Award.objects.values_list("entry_id", "place")) == {(first.pk, 1), (second.pk, 2)}

    # The documents: diplomas and certificates for everyone owed one.
    page.goto(ru_url(live_server, "certificates:organizer"))
    page.get_by_test_id("job-form").get_by_test_id("start-job").click()
    page.wait_for_load_state()
    shot(page, "edition-33-documents")
    author = first.authors.select_related("participant").first().participant
    diploma = Document.objects.get(edition=edition, participant=author, kind="diploma")
    client = Client()
    client.force_login(organizer)
    response = client.get(reverse("certificates:download", args=[diploma.pk]))
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    pdf = PdfReader(io.BytesIO(body))
    assert len(pdf.pages) == 1 and author.last_name in pdf.pages[0].extract_text()
