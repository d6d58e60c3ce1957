"""The statistics page: exact figures for a small edition, on the page and in the .xlsx; one region's page for
its coordinator; a fixed number of queries whatever the data; the charts drawn in a browser."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from certificates import services as documents
from certificates.models import Kind
from festival.models import Region
from judging.models import Assignment, Panel, Score
from submissions.models import Entry, Film, RegionalParticipant
from tests import factories
from tests.browser import shot, signed_in_page

State = Entry.State


def _state(entry, state, **fields):
    Entry.objects.filter(pk=entry.pk).update(state=state, **fields)
    entry.refresh_from_db()
    return entry


def _film(entry, status):
    return Film.objects.create(entry=entry, file=f"films/{entry.pk}/f.mp4", size=10, status=status)


def _panel(edition, name, region=None):
    stage = Panel.Stage.REGIONAL if region else Panel.Stage.REPUBLICAN
    return Panel.objects.create(
        edition=edition, stage=stage, region=region, name_ru=name, deadline=timezone.now() + timedelta(days=9)
    )


def _assign(panel, entry, score=None, active=True):
    assignment = Assignment.objects.create(panel=panel, juror=factories.juror(), entry=entry, active=active)
    if score:
        Score.objects.create(assignment=assignment, status=score)
    return assignment


def _certificate(edition, participant, basis):
    [document] = documents._issue(
        edition,
        Kind.CERTIFICATE,
        [{"kind": Kind.CERTIFICATE, "basis": basis, "participant": participant.pk, "region": participant.region_id}],
    )
    return document


@pytest.fixture
def festival(edition):
    """Astana: A (accepted, checked film, on the imported list too), B (a supervisor's team member; awarded,
    only a rejected film), C (a draft, film being checked), D (withdrawn), E (only on the imported list).
    Shymkent: F (not awarded at the republican stage, checked film), G (submitted, a video link)."""
    astana, shymkent = Region.objects.get(code="astana"), Region.objects.get(code="shymkent")
    a = _state(factories.entry(title="A"), State.ACCEPTED, age_group=edition.age_groups.order_by("min_age").first())
    _film(a, Film.Status.OK)
    supervisor = factories.SupervisorFactory()
    b = _state(factories.entry(supervisor=supervisor, nomination_code="feature", title="B"), State.AWARDED)
    _film(b, Film.Status.REJECTED)
    c = factories.entry(title="C")
    _film(c, Film.Status.CHECKING)
    d = _state(factories.entry(title="D"), State.WITHDRAWN)
    _film(d, Film.Status.OK)
    e = factories.participant(supervisor=supervisor, region_code="astana")
    f = _state(factories.entry(region_code="shymkent", title="F"), State.NOT_AWARDED)
    _film(f, Film.Status.OK)
    g = _state(factories.entry(region_code="shymkent", title="G"), State.SUBMITTED, external_url="https://v.kz/1")
    a_author = a.authors.get().participant
    for person in (a_author, e):
        RegionalParticipant.objects.create(edition=edition, participant=person)

    regional = _panel(edition, "Астана жюриі", region=astana)
    _assign(regional, a, Score.Status.SUBMITTED)
    _assign(regional, a, Score.Status.DRAFT)
    _assign(regional, a)
    republican = _panel(edition, "=Республикалық жюри")  # a name that a spreadsheet would take for a formula
    _assign(republican, b, Score.Status.SUBMITTED)
    _assign(republican, f)
    _assign(republican, g, Score.Status.SUBMITTED, active=False)  # reassigned: does not count

    _certificate(edition, a_author, "participant:a")
    revoked = _certificate(edition, f.authors.get().participant, "participant:f")
    documents.document_revoke(document=revoked, reason="typo", by=factories.organizer())
    return {"astana": astana, "shymkent": shymkent, "entries": (a, b, c, d, f, g)}


def _table(figures, key):
    table = next(t for t in figures.tables if t.key == key)
    return {row.label: row.values for row in table.rows}


def _headlines(figures):
    return [h.value for h in figures.headlines]


def test_edition_figures(client, festival):
    client.force_login(factories.organizer())
    response = client.get(reverse("statistics:edition"))
    assert response.status_code == 200
    figures = response.context["figures"]
    # participants 5 (A B E in Astana, F G in Shymkent), republican 2 (B F), regions 2, nominations 8,
    # films 3 (A and F checked, G's link; B's was rejected), winners 1 (B)
    assert _headlines(figures) == [5, 2, 2, 8, 3, 1]
    assert figures.headlines[0].caption == "participants in the regional stages"

    regions = _table(figures, "regions")
    assert len(regions) == 20
    # participants, of them listed, republican, winners, entries sent, films
    assert regions["Astana city"] == [3, 2, 1, 1, 2, 1]
    assert regions["Shymkent city"] == [2, 0, 1, 0, 2, 2]
    assert regions["Karaganda Region"] == [0, 0, 0, 0, 0, 0]

    nominations = _table(figures, "nominations")
    assert len(nominations) == 8
    assert nominations["TV story"] == [3, 3, 1, 0]  # A, F, G; C is a draft and D withdrawn
    assert nominations["Feature film"] == [1, 1, 1, 1]

    ages = _table(figures, "age_groups")
    first_group = str(festival["entries"][0].age_group)
    assert ages[first_group] == [1, 1] and ages["Without an age group"] == [3, 3]
    assert len(ages) == 4

    states = _table(figures, "states")
    assert states["Draft"] == [1, 1] and states["Withdrawn"] == [1, 1] and states["Winner"] == [1, 1]
    assert states["Accepted"] == [1, 1] and states["Submitted"] == [1, 1] and states["Participant"] == [1, 1]
    assert states["Regional finalist"] == [0, 0]

    # drafts, sent, total — withdrawn D aside
    assert _table(figures, "uploads") == {
        "Checked": [0, 2, 2],
        "Being checked": [1, 0, 1],
        "Rejected": [0, 1, 1],
        "Link to the video": [0, 1, 1],
        "No film yet": [0, 0, 0],
    }
    # to score, submitted, in draft, not started
    assert _table(figures, "judging") == {"=Республикалық жюри": [2, 1, 0, 1], "Астана жюриі": [3, 1, 1, 1]}
    documents_table = _table(figures, "documents")
    assert documents_table["Certificate of participation"] == [1, 1, 0, 2]  # valid A, revoked F
    assert documents_table["Diploma"] == [0, 0, 0, 0]

    page = response.content.decode()
    # Every figure is also in a table, and the charts read the same figures from a JSON script.
    assert 'id="statistics-data"' in page and 'data-chart="regions"' in page
    assert reverse("statistics:region", args=["astana"]) in page
    data = response.context["chart_data"]
    regions_chart = next(t for t in data["tables"] if t["key"] == "regions")
    assert regions_chart["labels"][:3] == [str(r) for r in Region.objects.all()[:3]]
    assert regions_chart["datasets"][0]["data"] == [row[0] for row in regions.values()]


def _workbook(response):
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content))


def _sheet_rows(book, index):
    return [list(row) for row in book.worksheets[index].iter_rows(values_only=True)]


def test_export_same_figures(client, festival):
    client.force_login(factories.organizer())
    response = client.get(reverse("statistics:export"))
    assert response.status_code == 200
    assert 'filename="statistics-' in response["Content-Disposition"]
    book = _workbook(response)
    assert book.sheetnames == [
        "Summary",
        "Participants by region",
        "Entries by nomination",
        "Entries by age group",
        "Entries by state",
        "Upload of films",
        "Documents issued",
        "Judging",
    ]
    summary = _sheet_rows(book, 0)
    assert summary[0] == ["Figure", "Value"]
    assert summary[2:] == [
        ["participants in the regional stages", 5],
        ["participants in the republican stage", 2],
        ["regions", 2],
        ["nominations", 8],
        ["films", 3],
        ["winner", 1],
    ]
    regions = _sheet_rows(book, 1)
    assert regions[0][0] == "Region" and regions[0][1] == "Participants of the regional stage"
    assert ["Astana city", 3, 2, 1, 1, 2, 1] in regions
    assert regions[-1] == ["Total", 5, 2, 2, 1, 4, 3]
    nominations = _sheet_rows(book, 2)
    assert ["TV story", 3, 3, 1, 0] in nominations
    assert nominations[-1] == ["Total", 4, None, 2, 1]  # authors in two nominations are not added up
    judging = _sheet_rows(book, 7)
    # A panel's name that starts with "=" is text in the spreadsheet, never a formula.
    assert ["'=Республикалық жюри", 2, 1, 0, 1] in judging


def test_export_headers_in_the_readers_language(client, festival):
    client.force_login(factories.organizer())
    with translation.override("ru"):
        url = reverse("statistics:export")
        region_label, state_label = translation.gettext("Region"), translation.gettext("State")
    assert region_label != "Region"
    book = _workbook(client.get(url))
    assert _sheet_rows(book, 1)[0][0] == region_label
    assert _sheet_rows(book, 4)[0][0] == state_label
    assert ["город Астана", 3, 2, 1, 1, 2, 1] in _sheet_rows(book, 1)


def test_region_page_shows_only_its_region(client, festival):
    client.force_login(factories.coordinator("astana"))
    response = client.get(reverse("statistics:region", args=["astana"]))
    assert response.status_code == 200
    figures = response.context["figures"]
    # participants A B E, republican B, one region, 8 nominations, one film (A's), winner B
    assert _headlines(figures) == [3, 1, 1, 8, 1, 1]
    assert "regions" not in {t.key for t in figures.tables}
    assert _table(figures, "nominations")["TV story"] == [1, 1, 0, 0]
    states = _table(figures, "states")
    assert states["Submitted"] == [0, 0] and states["Participant"] == [0, 0] and states["Winner"] == [1, 1]
    assert _table(figures, "uploads")["Link to the video"] == [0, 0, 0]
    # the region's own panel, and the republican panel's work on the region's entries only
    assert _table(figures, "judging") == {"=Республикалық жюри": [1, 1, 0, 0], "Астана жюриі": [3, 1, 1, 1]}
    assert _table(figures, "documents")["Certificate of participation"] == [1, 0, 0, 1]
    assert "Shymkent" not in response.content.decode()

    book = _workbook(client.get(reverse("statistics:region_export", args=["astana"])))
    summary = _sheet_rows(book, 0)
    assert ["Region", "Astana city"] in summary and ["participants in the regional stages", 3] in summary
    assert "Participants by region" not in book.sheetnames

    for name in ("statistics:region", "statistics:region_export"):
        assert client.get(reverse(name, args=["shymkent"])).status_code == 403
    assert client.get(reverse("statistics:edition")).status_code == 403
    assert client.get(reverse("statistics:export")).status_code == 403


def test_organizer_sees_any_region_and_links(client, festival):
    organizer = factories.organizer()
    client.force_login(organizer)
    response = client.get(reverse("statistics:region", args=["shymkent"]))
    assert _headlines(response.context["figures"]) == [2, 1, 1, 8, 2, 0]
    edition_link = f'href="{reverse("statistics:edition")}"'
    assert edition_link in client.get(reverse("account:home")).content.decode()
    assert edition_link in client.get(reverse("organizer_dashboard")).content.decode()
    client.force_login(factories.coordinator("astana"))
    home = client.get(reverse("account:home")).content.decode()
    assert f'href="{reverse("statistics:region", args=["astana"])}"' in home
    assert edition_link not in home


def test_no_current_edition(client, db):
    client.force_login(factories.organizer())
    response = client.get(reverse("statistics:edition"))
    assert response.status_code == 200 and response.context["figures"] is None
    assert client.get(reverse("statistics:export")).status_code == 404


def _grow(edition, n):
    """n more entries in Shymkent with checked films, listed authors, scores and certificates."""
    panel = Panel.objects.filter(edition=edition, stage=Panel.Stage.REPUBLICAN).first() or _panel(edition, "Жюри")
    for i in range(n):
        entry = _state(factories.entry(region_code="shymkent", title=f"N{i}"), State.ACCEPTED)
        _film(entry, Film.Status.OK)
        author = entry.authors.get().participant
        RegionalParticipant.objects.create(edition=edition, participant=author)
        _assign(panel, entry, Score.Status.SUBMITTED)
        _certificate(edition, author, f"participant:n{author.pk}")


@pytest.mark.parametrize(
    ("page", "export", "args"),
    [("statistics:edition", "statistics:export", ()), ("statistics:region", "statistics:region_export", ("shymkent",))],
)
def test_query_count_does_not_grow_with_the_data(client, edition, django_assert_max_num_queries, page, export, args):
    client.force_login(factories.organizer())
    _grow(edition, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse(page, args=args)).status_code == 200
    _grow(edition, 12)
    with django_assert_max_num_queries(16), CaptureQueriesContext(connection) as many:
        response = client.get(reverse(page, args=args))
    assert response.context["figures"].headlines[0].value == 13
    assert len(many) == len(one)
    with django_assert_max_num_queries(16):
        assert client.get(reverse(export, args=args)).status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_charts_drawn_in_the_browser(browser, live_server):
    edition = factories.open_edition()
    _grow(edition, 3)
    page = signed_in_page(browser, live_server, factories.organizer(), viewport={"width": 1300, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/ru/statistics/")
    page.wait_for_function("() => document.querySelectorAll('canvas[data-chart]').length > 0")
    drawn = page.evaluate(
        """() => Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => {
            const chart = window.Chart.getChart(c);
            return [c.dataset.chart, Boolean(chart), c.width, c.height,
                    chart ? chart.data.datasets[0].data.reduce((a, b) => a + b, 0) : -1];
        })"""
    )
    assert not errors, errors
    keys = [d[0] for d in drawn]
    assert keys == ["regions", "nominations", "age_groups", "states", "uploads", "documents", "judging"]
    assert all(has_chart and width > 0 and height > 0 for _key, has_chart, width, height, _sum in drawn), drawn
    sums = {d[0]: d[4] for d in drawn}
    assert sums["regions"] == 3 and sums["nominations"] == 3 and sums["documents"] == 3
    assert page.get_by_test_id("statistics-headlines").inner_text().split()[0] == "3"
    shot(page, "statistics-organizer")

    page = signed_in_page(
        browser, live_server, factories.coordinator("shymkent"), viewport={"width": 390, "height": 844}
    )
    page.goto(f"{live_server.url}/ru/statistics/region/shymkent/")
    page.wait_for_function("() => window.Chart && window.Chart.getChart(document.querySelector('canvas'))")
    assert page.locator("canvas[data-chart=regions]").count() == 0
    assert page.get_by_test_id("statistics-headlines").inner_text().split()[0] == "3"
    shot(page, "statistics-coordinator-phone")
