"""The organizers' own pages for running an edition: a new edition, its calendar (Astana time, in order, no gaps),
nominations, age groups, finalist quotas, the readiness checklist and the demo mode's phase control."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from festival.models import AgeGroup, Edition, Nomination, Phase, Region, RoleGrant
from festival.services import role_grant
from judging.models import AuditEvent, Criterion, Panel, PanelMember
from organizing import selectors, services
from submissions.models import Entry, RegionQuota
from tests import factories
from tests.queries import page_queries

pytestmark = pytest.mark.django_db

ALMATY = timezone.get_default_timezone()


@pytest.fixture
def organizer(client):
    user = factories.organizer()
    client.force_login(user)
    return user


def local(year, month, day, hour=9, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=ALMATY)


def calendar_post(starts, ends_at):
    """The phases form's fields for {kind: datetime} and the end, as a browser's datetime-local sends them."""
    data = {kind: moment.strftime("%Y-%m-%dT%H:%M") for kind, moment in starts.items()}
    data["ends_at"] = ends_at.strftime("%Y-%m-%dT%H:%M")
    return data


def calendar(year):
    starts = {
        kind: local(year, month, day)
        for kind, (month, day) in zip(Phase.ORDER, [(2, 1), (3, 1), (4, 15), (5, 1), (5, 10), (6, 1)], strict=True)
    }
    return starts, local(year, 12, 31, 18)


def dates_of(edition):
    return {p.kind: (p.starts_at, p.ends_at) for p in Phase.objects.filter(edition=edition)}


# ---------------------------------------------------------------- a new edition


def test_edition_new_page_proposes_a_calendar(client, organizer, edition):
    response = client.get(reverse("organizing:edition_new"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["year"] == edition.year + 1
    assert 'type="datetime-local"' in response.content.decode()
    assert f'value="{edition.year + 1}-02-01T09:00"' in response.content.decode()


def test_edition_open_with_criteria_nominations_and_age_groups(client, organizer, edition):
    starts, ends_at = calendar(2031)
    data = {
        "year": 2031,
        "title_kk": "Фестиваль 2031",
        "title_ru": "Фестиваль 2031",
        "title_en": "Festival 2031",
        "make_current": "on",
        **calendar_post(starts, ends_at),
    }
    response = client.post(reverse("organizing:edition_new"), data)
    assert response.status_code == 302 and response.url == reverse("organizing:edition")
    new = Edition.objects.get(year=2031)
    assert Edition.objects.current() == new
    assert new.nominations.count() == 8
    assert new.age_groups.count() == 3
    assert Criterion.objects.filter(edition=new, nomination=None).count() == 7
    phases = dates_of(new)
    assert [phases[kind][0] for kind in Phase.ORDER] == [starts[kind] for kind in Phase.ORDER]
    # Contiguous: each phase ends when the next begins.
    for previous, kind in zip(Phase.ORDER, Phase.ORDER[1:], strict=False):
        assert phases[previous][1] == phases[kind][0]
    assert phases[Phase.ORDER[-1]][1] == ends_at
    assert AuditEvent.objects.filter(action="edition_open", actor=organizer).exists()


def test_edition_open_year_taken_refused(client, organizer, edition):
    starts, ends_at = calendar(edition.year)
    data = {"year": edition.year, "title_kk": "а", "title_ru": "б", "title_en": "c", **calendar_post(starts, ends_at)}
    response = client.post(reverse("organizing:edition_new"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["year"] == [f"There already is an edition of {edition.year}."]
    assert Edition.objects.count() == 1


def test_edition_open_refuses_bad_dates_and_saves_nothing(organizer):
    starts, ends_at = calendar(2032)
    starts[Phase.Kind.FINALIST_SIGNOFF] = starts[Phase.Kind.REGIONAL_SUBMISSION]
    with pytest.raises(Exception) as refused:
        services.edition_open(
            year=2032,
            title_kk="а",
            title_ru="б",
            title_en="c",
            starts=starts,
            ends_at=ends_at,
            make_current=True,
            by=organizer,
        )
    assert Phase.Kind.FINALIST_SIGNOFF in refused.value.message_dict
    assert not Edition.objects.filter(year=2032).exists()
    assert not Criterion.objects.exists()


# ---------------------------------------------------------------- the calendar


def test_phases_saved_in_almaty_time(client, organizer, edition):
    starts, ends_at = calendar(2030)
    response = client.post(reverse("organizing:edition"), calendar_post(starts, ends_at))
    assert response.status_code == 302
    registration = Phase.objects.get(edition=edition, kind=Phase.Kind.REGISTRATION)
    # Entered 09:00 in Astana time is 04:00 UTC.
    assert registration.starts_at.astimezone(datetime.UTC) == datetime.datetime(2030, 2, 1, 4, 0, tzinfo=datetime.UTC)
    assert registration.ends_at == local(2030, 3, 1)
    assert AuditEvent.objects.filter(action="phases_set").count() == 1
    # And shown back in Astana time.
    page = client.get(reverse("organizing:edition")).content.decode()
    assert 'value="2030-02-01T09:00"' in page


def test_phases_shown_in_almaty_whatever_timezone_is_active(organizer, edition):
    from organizing.forms import PhasesForm

    with timezone.override("UTC"):
        form = PhasesForm(data=calendar_post(*calendar(2030)))
        assert form.is_valid(), form.errors
        assert form.cleaned_data[Phase.Kind.REGISTRATION] == local(2030, 2, 1)


@pytest.mark.parametrize(
    ("kind", "moment", "wrong"),
    [
        # Out of order: judging before the submission of films.
        (Phase.Kind.REGIONAL_JUDGING, (2, 20), Phase.Kind.REGIONAL_JUDGING),
        # The same start as the previous phase (an empty phase).
        (Phase.Kind.RESULTS, (5, 10), Phase.Kind.RESULTS),
    ],
)
def test_phases_out_of_order_refused_naming_the_phase(client, organizer, edition, kind, moment, wrong):
    before = dates_of(edition)
    starts, ends_at = calendar(2030)
    starts[kind] = local(2030, *moment)
    response = client.post(reverse("organizing:edition"), calendar_post(starts, ends_at))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [wrong]
    assert str(Phase.Kind(wrong).label) in errors[wrong][0]
    assert dates_of(edition) == before  # nothing half-saved
    assert "Nothing was saved" in response.content.decode()


def test_phases_end_before_last_start_refused(client, organizer, edition):
    before = dates_of(edition)
    starts, _ends = calendar(2030)
    response = client.post(reverse("organizing:edition"), calendar_post(starts, local(2030, 5, 31)))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["ends_at"]
    assert dates_of(edition) == before


def test_phases_not_a_date_refused(client, organizer, edition):
    before = dates_of(edition)
    data = calendar_post(*calendar(2030))
    data[Phase.Kind.RESULTS] = "soon"
    response = client.post(reverse("organizing:edition"), data)
    assert response.status_code == 200
    assert Phase.Kind.RESULTS in response.context["form"].errors
    assert dates_of(edition) == before


def test_edition_page_marks_the_open_phase_and_says_what_changes(client, organizer, edition):
    response = client.get(reverse("organizing:edition"))
    page = response.content.decode()
    # The demo calendar: registration and submission overlap; the later one is the phase in force.
    assert 'data-phase="regional_submission" data-open="1"' in page
    assert page.count('data-open="1"') == 1
    assert "Astana time (UTC+5)" in page
    assert str(selectors.PHASE_CHANGES[Phase.Kind.REGIONAL_JUDGING]) in page
    for name in ("people:list", "judging:organizer_panels", "certificates:organizer", "judging:organizer_results"):
        assert reverse(name) in page
    assert 'data-testid="demo-banner"' not in page  # DEMO_MODE is off in tests


def test_edition_page_without_a_current_edition_offers_a_new_one(client, organizer):
    response = client.get(reverse("organizing:edition"))
    assert response.status_code == 200
    assert reverse("organizing:edition_new") in response.content.decode()
    assert client.get(reverse("organizing:quotas")).url == reverse("organizing:edition")


# ---------------------------------------------------------------- nominations and age groups


def nomination_post(prefix="", **changes):
    data = {
        "name_kk": "Деректі фильм",
        "name_ru": "Документальное кино",
        "name_en": "Documentary film",
        "description_kk": "",
        "description_ru": "",
        "description_en": "",
        "max_duration_minutes": "7.5",
        "max_file_size_mb": "2048",
        "allowed_formats": "mp4, mov",
        "min_team_size": "1",
        "max_team_size": "5",
        "is_active": "on",
        "order": "9",
        **changes,
    }
    return {f"{prefix}{key}": value for key, value in data.items()}


def test_nomination_added_with_its_rules(client, organizer, edition):
    response = client.post(reverse("organizing:nominations"), nomination_post("new-"))
    assert response.status_code == 302
    added = Nomination.objects.get(edition=edition, name_en="Documentary film")
    assert added.code == "documentary-film"
    assert added.max_duration_seconds == 450 and added.max_duration_display == "7:30"
    assert added.allowed_formats == "mp4,mov"


def test_nomination_edit_refuses_unknown_format_and_bad_team(client, organizer, edition):
    tv = edition.nominations.get(code="tv-story")
    url = reverse("organizing:nomination", args=[tv.pk])
    response = client.post(url, nomination_post(allowed_formats="mp4, exe", min_team_size="4", max_team_size="2"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "allowed_formats" in errors
    tv.refresh_from_db()
    assert tv.name_en == "TV story" and tv.allowed_formats != "mp4,exe"


def test_nomination_edit_saves_minutes_as_seconds(client, organizer, edition):
    tv = edition.nominations.get(code="tv-story")
    page = client.get(reverse("organizing:nomination", args=[tv.pk])).content.decode()
    assert 'name="max_duration_minutes" value="5"' in page
    response = client.post(
        reverse("organizing:nomination", args=[tv.pk]), nomination_post(name_en="TV story", is_active="")
    )
    assert response.status_code == 302
    tv.refresh_from_db()
    assert tv.max_duration_seconds == 450 and not tv.is_active and tv.code == "tv-story"


def test_nomination_of_another_edition_not_found(client, organizer, edition):
    other = factories.closed_edition()  # now the current one
    old = edition.nominations.first()
    assert Edition.objects.current() == other
    assert client.get(reverse("organizing:nomination", args=[old.pk])).status_code == 404


def age_post(groups, extra=None):
    rows = list(groups) + ([extra] if extra else [])
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(len(groups)), "form-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"form-{index}-{key}"] = value
    return data


def age_rows(edition):
    return [
        {
            "id": str(g.pk),
            "name_kk": g.name_kk,
            "name_ru": g.name_ru,
            "name_en": g.name_en,
            "min_age": str(g.min_age),
            "max_age": str(g.max_age),
        }
        for g in edition.age_groups.all()
    ]


def test_age_groups_overlap_refused_nothing_saved(client, organizer, edition):
    before = list(edition.age_groups.values_list("name_en", "min_age", "max_age"))
    rows = age_rows(edition)
    rows[0]["max_age"] = str(int(rows[1]["min_age"]) + 1)
    extra = {"name_kk": "Үлкендер", "name_ru": "Взрослые", "name_en": "Adults", "min_age": "30", "max_age": "40"}
    response = client.post(reverse("organizing:age_groups"), age_post(rows, extra))
    assert response.status_code == 200
    assert "overlap" in " ".join(response.context["formset"].non_form_errors())
    assert list(edition.age_groups.values_list("name_en", "min_age", "max_age")) == before


def test_age_groups_added_and_removed(client, organizer, edition):
    rows = age_rows(edition)
    rows[-1]["DELETE"] = "on"
    extra = {"name_kk": "Жастар", "name_ru": "Молодёжь", "name_en": "Youth", "min_age": "30", "max_age": "35"}
    response = client.post(reverse("organizing:age_groups"), age_post(rows, extra))
    assert response.status_code == 302, response.context["formset"].errors
    names = list(edition.age_groups.values_list("name_en", flat=True))
    assert "Youth" in names and len(names) == 3


def test_age_group_upside_down_refused(client, organizer, edition):
    rows = age_rows(edition)
    rows[0]["min_age"], rows[0]["max_age"] = "12", "9"
    response = client.post(reverse("organizing:age_groups"), age_post(rows))
    assert response.status_code == 200
    assert "max_age" in response.context["formset"].forms[0].errors


def test_age_group_with_films_not_removed(client, organizer, edition):
    entry = factories.entry()
    group = edition.age_groups.first()
    Entry.objects.filter(pk=entry.pk).update(age_group=group)
    rows = age_rows(edition)
    for row in rows:
        if row["id"] == str(group.pk):
            row["DELETE"] = "on"
    response = client.post(reverse("organizing:age_groups"), age_post(rows))
    assert response.status_code == 200
    assert AgeGroup.objects.filter(pk=group.pk).exists()


# ---------------------------------------------------------------- quotas


def test_quotas_table_saved_in_one_post(client, organizer, edition):
    astana = Region.objects.get(code="astana")
    tv = edition.nominations.get(code="tv-story")
    response = client.get(reverse("organizing:quotas"))
    form = response.context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    assert len(data) == Region.objects.count() * edition.nominations.count()
    data[f"q_{astana.pk}_{tv.pk}"] = "3"
    response = client.post(reverse("organizing:quotas"), data)
    assert response.status_code == 302
    # Only the changed cell is stored; the rest keep the default without a row.
    assert list(RegionQuota.objects.values_list("region", "nomination", "quota")) == [(astana.pk, tv.pk, 3)]
    from submissions.services import finalist_quota

    assert finalist_quota(edition=edition, region=astana, nomination=tv) == 3


def test_quotas_refused_atomically_with_the_cell_marked(client, organizer, edition):
    astana, almaty = Region.objects.get(code="astana"), Region.objects.get(code="almaty-city")
    tv = edition.nominations.get(code="tv-story")
    RegionQuota.objects.create(edition=edition, region=astana, nomination=tv, quota=2)
    form = client.get(reverse("organizing:quotas")).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data[f"q_{astana.pk}_{tv.pk}"] = "5"  # a good change, which must not be saved alone
    data[f"q_{almaty.pk}_{tv.pk}"] = "-1"
    first = edition.nominations.first()
    data[f"q_{almaty.pk}_{first.pk}"] = "two"
    response = client.post(reverse("organizing:quotas"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {f"q_{almaty.pk}_{tv.pk}", f"q_{almaty.pk}_{first.pk}"}
    page = response.content.decode()
    assert "A quota cannot be negative." in page and "Enter a whole number." in page
    assert "is-invalid" in page
    assert list(RegionQuota.objects.values_list("quota", flat=True)) == [2]


def test_quotas_service_refuses_out_of_range(organizer, edition):
    astana = Region.objects.get(code="astana")
    tv = edition.nominations.get(code="tv-story")
    with pytest.raises(Exception):
        services.quotas_set(edition=edition, values={(astana.pk, tv.pk): -3}, by=organizer)
    assert not RegionQuota.objects.exists()


def test_quotas_page_queries_do_not_grow_with_nominations(client, organizer, edition):
    first, _response = page_queries(client, reverse("organizing:quotas"))
    Nomination.objects.filter(edition=edition).exclude(code="tv-story").delete()
    fewer, _response = page_queries(client, reverse("organizing:quotas"))
    assert len(first) == len(fewer)


@pytest.mark.parametrize("page", ["organizing:nominations", "organizing:readiness"])
def test_list_pages_read_in_a_fixed_number_of_queries(client, organizer, edition, page):
    def panels(count):
        for index in range(count):
            panel = Panel.objects.create(
                edition=edition,
                stage=Panel.Stage.REPUBLICAN,
                name_ru=f"Жюри {index}",
                deadline=timezone.now() + datetime.timedelta(days=60),
            )
            panel.nominations.set(edition.nominations.all()[:2])

    Nomination.objects.filter(edition=edition).exclude(code="tv-story").delete()
    panels(1)
    one, _response = page_queries(client, reverse(page))
    for index in range(2):
        Nomination.objects.create(
            edition=edition,
            code=f"n{index}",
            name_kk="а",
            name_ru="б",
            name_en="c",
            max_duration_seconds=60,
            max_file_size_mb=10,
        )
    panels(2)
    three, _response = page_queries(client, reverse(page))
    assert len(one) == len(three)


# ---------------------------------------------------------------- readiness


def texts(edition):
    _next, items = selectors.readiness(edition)
    return {item.text: item for item in items}


def test_readiness_lists_what_is_missing_and_clears_when_fixed(client, organizer, edition):
    items = texts(edition)
    coordinators = items["Regions without a coordinator"]
    assert coordinators.count == 20 and coordinators.url == reverse("people:list") and coordinators.blocking
    assert "No jury panels yet" in items
    assert "Nominations without a republican jury panel" in items
    page = client.get(reverse("organizing:readiness")).content.decode()
    assert "Regions without a coordinator" in page and reverse("people:list") in page

    for region in Region.objects.all():
        role_grant(user=factories.UserFactory(), role=RoleGrant.Role.COORDINATOR, region=region)
    panel = Panel.objects.create(
        edition=edition,
        stage=Panel.Stage.REPUBLICAN,
        name_ru="Жюри",
        deadline=timezone.now() + datetime.timedelta(days=60),
    )
    panel.nominations.set(edition.nominations.all())
    items = texts(edition)
    assert "Regions without a coordinator" not in items
    assert "No jury panels yet" not in items
    assert "Nominations without a republican jury panel" not in items
    assert items["Jury panels without members (Republican stage)"].names == ["Жюри"]
    assert "The edition has no judging criteria" in items  # the fixture's edition was made without them

    PanelMember.objects.create(panel=panel, juror=factories.juror())
    from judging.services import criteria_default_create

    criteria_default_create(edition=edition)
    items = texts(edition)
    assert not any(text.startswith("Jury panels without members") for text in items)
    assert "The edition has no judging criteria" not in items


def test_readiness_counts_films_not_yet_checked_per_region(client, organizer, edition):
    entry = factories.entry()
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.SUBMITTED)
    items = texts(edition)
    line = next(item for text, item in items.items() if "not yet checked" in text)
    assert line.count == 1
    assert line.url == reverse("submissions:region_entries", args=["astana"]) + "?state=submitted"
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.ACCEPTED)
    assert not any("not yet checked" in text for text in texts(edition))


def test_readiness_documents_near_the_end(organizer, edition):
    entry = factories.entry()
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.ACCEPTED)
    assert not any(text.startswith("Documents not yet issued") for text in texts(edition))
    settings_now = timezone.now()
    # Move the calendar so that the republican judging is open: documents come into view.
    results = Phase.objects.get(edition=edition, kind=Phase.Kind.REPUBLICAN_JUDGING)
    shift = settings_now - results.starts_at + datetime.timedelta(minutes=5)
    for phase in Phase.objects.filter(edition=edition):
        Phase.objects.filter(pk=phase.pk).update(starts_at=phase.starts_at + shift, ends_at=phase.ends_at + shift)
    items = texts(edition)
    certificates = next(item for text, item in items.items() if text.startswith("Documents not yet issued"))
    assert certificates.count == 1 and certificates.url == reverse("certificates:organizer")


def test_edition_page_shows_the_readiness_summary(client, organizer, edition):
    page = client.get(reverse("organizing:edition")).content.decode()
    _next, items = selectors.readiness(edition)
    assert f"Open items: {len(items)}" in page
    assert reverse("organizing:readiness") in page


# ---------------------------------------------------------------- demo mode


def open_kind(edition):
    phase = selectors.phase_open(selectors.edition_phases(edition))
    return phase.kind if phase else None


def test_demo_phase_next_moves_the_calendar(client, organizer, edition, settings):
    settings.DEMO_MODE = True
    before = dates_of(edition)
    assert open_kind(edition) == Phase.Kind.REGIONAL_SUBMISSION
    page = client.get(reverse("organizing:edition")).content.decode()
    assert 'data-testid="demo-banner"' in page
    response = client.post(reverse("organizing:demo_phase"), {"kind": "next"})
    assert response.status_code == 302
    assert open_kind(edition) == Phase.Kind.REGIONAL_JUDGING
    after = dates_of(edition)
    # One offset for all: lengths kept, the opened phase started a minute ago.
    offsets = {after[kind][0] - before[kind][0] for kind in before} | {after[k][1] - before[k][1] for k in before}
    assert len(offsets) == 1
    started = timezone.now() - after[Phase.Kind.REGIONAL_JUDGING][0]
    assert datetime.timedelta(seconds=50) < started < datetime.timedelta(minutes=2)
    assert AuditEvent.objects.filter(action="phase_open_now", actor=organizer).exists()
    client.post(reverse("organizing:demo_phase"), {"kind": Phase.Kind.RESULTS})
    assert open_kind(edition) == Phase.Kind.RESULTS


def test_demo_phase_not_found_without_demo_mode(client, organizer, edition, settings):
    settings.DEMO_MODE = False
    before = dates_of(edition)
    assert client.post(reverse("organizing:demo_phase"), {"kind": "next"}).status_code == 404
    assert client.get(reverse("organizing:demo_phase")).status_code == 404
    assert dates_of(edition) == before
    with pytest.raises(services.DemoModeOff):
        services.phase_open_now(edition=edition, kind=Phase.Kind.RESULTS, by=organizer)


def test_demo_phase_only_for_organizers(client, edition, settings):
    settings.DEMO_MODE = True
    client.force_login(factories.coordinator())
    assert client.post(reverse("organizing:demo_phase"), {"kind": "next"}).status_code == 403


def test_demo_phase_command_lists_and_opens(edition, settings):
    settings.DEMO_MODE = True
    out = StringIO()
    call_command("demo_phase", stdout=out)
    listing = out.getvalue()
    assert "Asia/Almaty" in listing
    assert ">> regional_submission" in listing and "(open)" in listing
    registration = timezone.localtime(Phase.objects.get(edition=edition, kind=Phase.Kind.REGISTRATION).starts_at)
    assert registration.strftime("%Y-%m-%d %H:%M") in listing

    call_command("demo_phase", "next", stdout=StringIO())
    assert open_kind(edition) == Phase.Kind.REGIONAL_JUDGING
    call_command("demo_phase", "results", stdout=StringIO())
    assert open_kind(edition) == Phase.Kind.RESULTS
    with pytest.raises(CommandError):
        call_command("demo_phase", "next", stdout=StringIO())  # nothing after the results
    with pytest.raises(CommandError):
        call_command("demo_phase", "holidays", stdout=StringIO())


def test_demo_phase_command_refused_without_demo_mode(edition, settings):
    settings.DEMO_MODE = False
    before = dates_of(edition)
    with pytest.raises(CommandError):
        call_command("demo_phase", "next", stdout=StringIO())
    assert dates_of(edition) == before
    call_command("demo_phase", stdout=StringIO())  # the listing stays


# ---------------------------------------------------------------- who may


@pytest.mark.parametrize("name", ["edition", "edition_new", "nominations", "age_groups", "quotas", "readiness"])
def test_pages_only_for_organizers(client, edition, name):
    client.force_login(factories.coordinator())
    assert client.get(reverse(f"organizing:{name}")).status_code == 403
    client.force_login(factories.organizer())
    assert client.get(reverse(f"organizing:{name}")).status_code == 200


# ---------------------------------------------------------------- in the browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_organizer_sets_up_a_new_edition_from_the_pages(browser, live_server):
    from tests.browser import shot, signed_in_page

    organizer = factories.organizer()
    page = signed_in_page(browser, live_server, organizer, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/ru/organizer/")
    page.click(f"a[href='{reverse('organizing:edition_new').replace('/en/', '/ru/')}']")
    year = timezone.localdate().year
    page.fill("input[name=year]", str(year))
    page.check("input[name=make_current]")
    page.fill("input[name=regional_judging]", f"{year}-02-15T09:00")  # before the submission: refused
    page.get_by_test_id("open-edition").click()
    assert page.locator(".invalid-feedback").count() == 1
    assert not Edition.objects.exists()
    shot(page, "organizing-edition-new-refused")
    page.fill("input[name=regional_judging]", f"{year}-04-15T09:00")
    page.get_by_test_id("open-edition").click()
    page.get_by_test_id("phases-form").wait_for()
    edition = Edition.objects.get(year=year)
    assert edition.is_current and edition.nominations.count() == 8 and edition.criteria.count() == 7
    assert timezone.localtime(Phase.objects.get(edition=edition, kind=Phase.Kind.REGIONAL_JUDGING).starts_at).hour == 9

    # The calendar: registration opens now-ish, every phase entered in Astana time.
    now = timezone.localtime()
    starts = [now - datetime.timedelta(days=1) + datetime.timedelta(days=30 * index) for index in range(6)]
    for kind, moment in zip(Phase.ORDER, starts, strict=True):
        page.fill(f"input[name={kind}]", moment.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=ends_at]", (starts[-1] + datetime.timedelta(days=60)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("save-phases").click()
    page.locator("tr[data-open='1'][data-phase='registration']").wait_for()
    shot(page, "organizing-edition")

    # A nomination's rules, the age groups, one quota, and the checklist.
    tv = edition.nominations.get(code="tv-story")
    page.goto(f"{live_server.url}/ru/organizer/edition/nominations/{tv.pk}/")
    page.fill("input[name=max_duration_minutes]", "6")
    page.get_by_test_id("nomination-form").locator("button").click()
    page.get_by_test_id("nominations").wait_for()
    tv.refresh_from_db()
    assert tv.max_duration_seconds == 360

    page.goto(f"{live_server.url}/ru/organizer/edition/age-groups/")
    page.fill("input[name=form-3-name_kk]", "Жастар")
    page.fill("input[name=form-3-name_ru]", "Молодёжь")
    page.fill("input[name=form-3-name_en]", "Youth")
    page.fill("input[name=form-3-min_age]", "30")
    page.fill("input[name=form-3-max_age]", "35")
    page.get_by_test_id("age-groups-form").locator("button").click()
    page.get_by_test_id("age-groups-form").wait_for()
    assert edition.age_groups.count() == 4

    astana = Region.objects.get(code="astana")
    page.goto(f"{live_server.url}/ru/organizer/edition/quotas/")
    page.fill(f"input[name=q_{astana.pk}_{tv.pk}]", "2")
    page.get_by_test_id("save-quotas").click()
    page.get_by_test_id("quotas-form").wait_for()
    assert RegionQuota.objects.get(region=astana, nomination=tv).quota == 2

    page.goto(f"{live_server.url}/ru/organizer/edition/readiness/")
    page.get_by_test_id("readiness").wait_for()
    assert page.locator(f"a[href='{reverse('people:list').replace('/en/', '/ru/')}']").count() >= 1
    shot(page, "organizing-readiness")


def test_panel_deadlines_follow_their_judging_phase(client, organizer, edition, settings):
    from judging.models import Panel

    ends = {p.kind: p.ends_at for p in edition.phases.all()}
    regional = Panel.objects.create(
        edition=edition,
        stage=Panel.Stage.REGIONAL,
        region=Region.objects.get(code="astana"),
        name_ru="Жюри Астаны",
        deadline=ends[Phase.Kind.REGIONAL_JUDGING],
    )
    own_date = ends[Phase.Kind.REPUBLICAN_JUDGING] - datetime.timedelta(days=2)
    republican = Panel.objects.create(edition=edition, stage=Panel.Stage.REPUBLICAN, name_ru="Жюри", deadline=own_date)
    starts, ends_at = calendar(2030)
    assert client.post(reverse("organizing:edition"), calendar_post(starts, ends_at)).status_code == 302
    regional.refresh_from_db()
    republican.refresh_from_db()
    # The deadline that was the phase's end moves with it; one the organizer set apart stays.
    assert regional.deadline == Phase.objects.get(edition=edition, kind=Phase.Kind.REGIONAL_JUDGING).ends_at
    assert republican.deadline == own_date

    settings.DEMO_MODE = True
    client.post(reverse("organizing:demo_phase"), {"kind": "next"})
    regional.refresh_from_db()
    assert regional.deadline == Phase.objects.get(edition=edition, kind=Phase.Kind.REGIONAL_JUDGING).ends_at


def test_next_years_edition_prepared_then_made_current_from_the_page(client, organizer, edition):
    starts, ends_at = calendar(edition.year + 1)
    later = services.edition_open(
        year=edition.year + 1,
        title_kk="а",
        title_ru="б",
        title_en="c",
        starts=starts,
        ends_at=ends_at,
        make_current=False,
        by=organizer,
    )
    page = client.get(reverse("organizing:edition")).content.decode()
    assert f'data-testid="make-current-{later.year}"' in page
    response = client.post(reverse("organizing:edition_make_current", args=[later.pk]))
    assert response.status_code == 302
    assert Edition.objects.current() == later
    assert AuditEvent.objects.filter(action="edition_current", actor=organizer).exists()


def test_quota_not_below_the_finalists_already_picked(client, organizer, edition):
    from submissions.models import Entry

    astana = Region.objects.get(code="astana")
    tv = edition.nominations.get(code="tv-story")
    RegionQuota.objects.create(edition=edition, region=astana, nomination=tv, quota=2)
    for title in ("Бірінші", "Екінші"):
        entry = factories.entry(title=title, nomination_code="tv-story")
        Entry.objects.filter(pk=entry.pk).update(state=Entry.State.REGIONAL_FINALIST)
    form = client.get(reverse("organizing:quotas")).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data[f"q_{astana.pk}_{tv.pk}"] = "1"
    response = client.post(reverse("organizing:quotas"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {f"q_{astana.pk}_{tv.pk}"}
    assert "2 finalists are already picked here" in response.content.decode()
    assert RegionQuota.objects.get(region=astana, nomination=tv).quota == 2
    data[f"q_{astana.pk}_{tv.pk}"] = "2"
    assert client.post(reverse("organizing:quotas"), data).status_code == 302
