"""Whatever refuses an action outside its phase says when it is open, or was, in Astana time: the refusal page,
the messages after a refused button, and the pages that leave the action out."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from festival.models import Phase
from festival.phases import PhaseClosed, phase_check, phase_closed_message, phase_message
from submissions import services
from submissions.models import Entry
from tests import factories

pytestmark = pytest.mark.django_db

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")


def phase_dates(edition, kind, starts, ends):
    edition.phases.filter(kind=kind).update(starts_at=starts, ends_at=ends)


def text(response):
    return response.content.decode()


def test_phase_closed_message_names_the_coming_dates_in_astana_time(edition):
    starts = datetime.datetime(2031, 3, 1, 9, 0, tzinfo=ALMATY)
    phase_dates(edition, Phase.Kind.FINALIST_SIGNOFF, starts, starts + datetime.timedelta(days=5))
    with pytest.raises(PhaseClosed) as closed:
        phase_check(edition=edition, action="finalist_signoff")
    message = phase_closed_message(closed.value)
    assert message == (
        "This is not open yet: it opens on 1 March 2031, 09:00 and stays open until 6 March 2031, 09:00 (Astana time)."
    )


def test_phase_closed_message_names_the_dates_it_was_open_once_over(edition):
    # Registration runs through two adjoining phases: one period, from the first's start to the second's end.
    phase_dates(
        edition,
        Phase.Kind.REGISTRATION,
        datetime.datetime(2025, 1, 10, 9, 0, tzinfo=ALMATY),
        datetime.datetime(2025, 2, 1, 9, 0, tzinfo=ALMATY),
    )
    phase_dates(
        edition,
        Phase.Kind.REGIONAL_SUBMISSION,
        datetime.datetime(2025, 2, 1, 9, 0, tzinfo=ALMATY),
        datetime.datetime(2025, 3, 1, 18, 30, tzinfo=ALMATY),
    )
    assert phase_message(edition, "register") == (
        "This is closed: it was open from 10 January 2025, 09:00 to 1 March 2025, 18:30 (Astana time)."
    )
    assert phase_message(edition, "republican_judging").startswith("This is not open yet: it opens on ")


def test_phase_message_is_empty_while_open_and_says_so_without_an_edition(edition):
    assert phase_message(edition, "submit_entry") == ""
    assert phase_message(None, "register") == "No edition of the festival is open at the moment."


def test_phase_closed_message_in_kazakh_and_russian(edition):
    from django.utils import translation

    starts = datetime.datetime(2031, 3, 1, 9, 0, tzinfo=ALMATY)
    phase_dates(edition, Phase.Kind.FINALIST_SIGNOFF, starts, starts + datetime.timedelta(days=5))
    for language, month in (("ru", "марта"), ("kk", "наурыз")):
        with translation.override(language):
            message = phase_message(edition, "finalist_signoff")
        assert "2031" in message and "09:00" in message and month in message.lower(), (language, message)


def test_refusal_page_outside_the_phase_names_the_dates(client):
    factories.closed_edition()
    response = client.post(reverse("register_student"), {})
    assert response.status_code == 403
    page = text(response)
    assert "This is closed: it was open from " in page and "(Astana time)" in page


def test_register_page_when_closed_names_the_dates(client):
    factories.closed_edition()
    page = text(client.get(reverse("register")))
    assert 'data-testid="phase-closed-message"' in page and "This is closed: it was open from " in page


def test_my_films_outside_the_submission_phase_names_the_dates(client, edition):
    entry = factories.entry()
    later = timezone.now() + datetime.timedelta(days=3)
    phase_dates(edition, Phase.Kind.REGIONAL_SUBMISSION, later, later + datetime.timedelta(days=10))
    client.force_login(entry.created_by)
    page = text(client.get(reverse("submissions:mine")))
    assert "This is not open yet: it opens on " in page
    assert reverse("submissions:create") not in page
    # The entry's page says it too, where the uploader would be.
    page = text(client.get(reverse("submissions:entry", args=[entry.pk])))
    assert "data-uploader" not in page and "This is not open yet: it opens on " in page


def test_coordinator_accepting_outside_the_phase_is_told_the_dates(client, edition):
    entry = factories.entry()
    factories.checked_film(entry)
    services.entry_submit(entry=entry, user=entry.created_by)
    past = timezone.now() - datetime.timedelta(days=30)
    for kind in (Phase.Kind.REGIONAL_SUBMISSION, Phase.Kind.REGIONAL_JUDGING):
        phase_dates(edition, kind, past, past + datetime.timedelta(days=10))
    client.force_login(factories.coordinator("astana"))
    url = reverse("submissions:region_entry", args=["astana", entry.pk])
    response = client.post(url, {"action": "accept"}, follow=True)
    assert "This is closed: it was open from " in text(response)
    entry.refresh_from_db()
    assert entry.state == Entry.State.SUBMITTED
    response = client.post(reverse("submissions:region_entries", args=["astana"]), {"entry": [entry.pk]}, follow=True)
    assert "This is closed: it was open from " in text(response)
