"""The demo that scripts/run loads: every printed login signs in and finds work waiting — the juror a checked film
to score at once, the coordinators films to review, the organizer a scored republican panel to award and lock —
and a second load adds nothing.

The demo is loaded once for the module (its films take a few seconds of ffmpeg), in a transaction rolled back
at the end; each test runs in a savepoint of it."""

import io
import itertools
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from festival.models import Phase, User
from festival.phases import ACTION_PHASES, phase_allows
from judging.models import Assignment, Award, Panel, ResultsLock, Score
from organizing.demo import DEMO_PASSWORD, demo_logins
from submissions.models import Entry, Film

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-media")


def _media(folder):
    return {
        "MEDIA_ROOT": folder / "media",
        "PRIVATE_MEDIA_ROOT": folder / "private",
        "UPLOAD_TEMP_ROOT": folder / "uploads",
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, demo_media):
    """The output of load_demo and load_demo_entries, run twice."""
    output = io.StringIO()
    with override_settings(**_media(demo_media)), django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=output)
        call_command("load_demo_entries", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo_files(demo, settings, demo_media):
    """The demo, with the private files where it stored them."""
    for name, value in _media(demo_media).items():
        setattr(settings, name, value)
    return demo


def sign_in(client, email):
    response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, email


def counts():
    from django.apps import apps

    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_demo_load_twice_adds_nothing(demo):
    before = counts()
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    call_command("load_demo_entries", stdout=output)
    assert counts() == before
    assert "Demo films" not in output.getvalue()


def test_demo_prints_every_login_with_what_to_do_first(demo):
    assert "Demo films: 9 made with ffmpeg and checked" in demo
    for account in demo_logins():
        line = next(line for line in demo.splitlines() if account.email in line)
        assert account.todo in line
    assert len(re.findall(r"http://\S+/ru/\S*", demo)) == len(demo_logins())


def test_demo_every_printed_login_signs_in(client, demo):
    for account in demo_logins():
        client.logout()
        sign_in(client, account.email)
        assert client.get(reverse("account:home")).status_code == 200, account.email
    assert not User.objects.get(email="teacher.shymkent@demo.kz").has_usable_password()


def test_demo_phases_follow_each_other_with_films_being_sent_now(demo):
    phases = list(Phase.objects.filter(edition__is_current=True).order_by("starts_at"))
    assert [p.kind for p in phases] == Phase.ORDER
    assert all(earlier.ends_at == later.starts_at for earlier, later in itertools.pairwise(phases))
    edition = phases[0].edition
    opened = {action for action in ACTION_PHASES if phase_allows(edition, action)}
    assert opened == {"register", "submit_entry", "resubmit", "regional_review", "regional_scoring"}


def test_demo_juror_scores_a_checked_film_at_once(client, demo_files):
    sign_in(client, "juror@demo.kz")
    assignments = Assignment.objects.filter(juror__email="juror@demo.kz", active=True).select_related("entry")
    assert assignments.count() == 2
    for assignment in assignments:
        film = assignment.entry.film
        assert film.status == Film.Status.OK and film.preview and film.poster
    panel = assignments[0].panel
    assert panel.stage == Panel.Stage.REGIONAL and panel.region.code == "astana"
    assert panel.name_kk and panel.name_ru and panel.name_en
    home = client.get(reverse("judging:home")).content.decode()
    assert reverse("judging:panel", args=[panel.pk]) in home

    assignment = assignments[0]
    page = client.get(reverse("judging:score", args=[assignment.pk])).content.decode()
    assert 'data-testid="jury-player"' in page
    preview = client.get(reverse("judging:preview", args=[assignment.pk]))
    assert preview.status_code == 200 and preview["Content-Type"] == "video/mp4"
    criteria = re.findall(r'name="c(\d+)"', page)
    assert len(criteria) == 7
    data = {f"c{pk}": "8" for pk in criteria} | {"version": "0", "note": "", "action": "submit"}
    response = client.post(reverse("judging:score", args=[assignment.pk]), data)
    assert response.status_code == 302
    score = Score.objects.get(assignment=assignment)
    assert score.status == Score.Status.SUBMITTED and score.items.count() == 7


def test_demo_coordinators_have_films_to_review(client, demo):
    for email, code, waiting in (
        ("coordinator.astana@demo.kz", "astana", 2),
        ("coordinator.almaty@demo.kz", "almaty-city", 1),
    ):
        submitted = Entry.objects.filter(region__code=code, state=Entry.State.SUBMITTED)
        assert submitted.count() == waiting
        assert all(entry.film.status == Film.Status.OK for entry in submitted)
        client.logout()
        sign_in(client, email)
        page = client.get(reverse("submissions:region_entries", args=[code])).content.decode()
        assert all(entry.title in page for entry in submitted)
    entry = submitted.first()
    client.post(reverse("submissions:region_entries", args=["almaty-city"]), {"entry": [entry.pk]})
    entry.refresh_from_db()
    assert entry.state == Entry.State.ACCEPTED


def test_demo_supervisor_has_a_returned_film_and_the_student_a_draft(client, demo):
    returned = Entry.objects.get(created_by__email="supervisor@demo.kz", state=Entry.State.RETURNED)
    assert returned.return_reason
    draft = Entry.objects.get(created_by__email="student@demo.kz")
    assert draft.state == Entry.State.DRAFT and draft.film is None
    sign_in(client, "student@demo.kz")
    page = client.get(reverse("submissions:entry", args=[draft.pk])).content.decode()
    assert "data-uploader" in page


def test_demo_organizer_awards_the_scored_republican_panel_and_locks(client, demo):
    panel = Panel.objects.get(stage=Panel.Stage.REPUBLICAN)
    finalists = list(Entry.objects.filter(state=Entry.State.REPUBLICAN_PARTICIPANT).select_related("region"))
    assert {entry.region.code for entry in finalists} == {"shymkent", "karaganda"}
    scores = Score.objects.filter(assignment__panel=panel)
    assert scores.count() == 2 * len(finalists) and all(s.status == Score.Status.SUBMITTED for s in scores)
    assert panel.chair.email == "jury.chair@demo.kz"

    sign_in(client, "organizer@demo.kz")
    page = client.get(reverse("judging:organizer_results")).content.decode()
    assert all(entry.title in page for entry in finalists)
    grand_prix = next(entry for entry in finalists if entry.nomination.code == "best-film")
    features = [entry for entry in finalists if entry.nomination.code == "feature"]
    url = reverse("judging:organizer_results")
    client.post(url, {"action": "award", "entry": grand_prix.pk, "award": "grand_prix"})
    for place, entry in enumerate(features, start=1):
        client.post(url, {"action": "award", "entry": entry.pk, "award": f"place:{place}"})
    assert Award.objects.count() == 3
    client.post(url, {"action": "lock"})
    assert ResultsLock.objects.get(edition=panel.edition).locked
    assert set(Entry.objects.filter(pk__in=[e.pk for e in finalists]).values_list("state", flat=True)) == {
        Entry.State.AWARDED
    }
