"""A child's personal data stays out of public pages and error reports: the public sees at most what a
document's verification page shows (name, kind, nomination or place, edition)."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter

from certificates import services as documents
from certificates.models import Document, Kind
from festival import views
from festival.models import Consent, Participant
from judging import services as jury
from judging.models import Award
from submissions.models import Entry
from tests import factories

pytestmark = pytest.mark.django_db

IIN = "130401650013"


@pytest.fixture
def winner(edition, django_capture_on_commit_callbacks):
    """A winning child with everything personal filled in, and the edition's documents issued."""
    student = factories.student_with_consent("astana")
    Participant.objects.filter(user=student).update(
        last_name="Жақсыбекова", first_name="Әлия", patronymic="Маратқызы", iin=IIN, grade=7
    )
    Consent.objects.filter(participant__user=student).update(
        given_by_name="Жақсыбекова Гүлмира", given_by_phone="+7 701 555 12 34"
    )
    entry = factories.entry(user=student, title="Таң")
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.REPUBLICAN_PARTICIPANT)
    organizer = factories.organizer()
    jury.award_set(entry=entry, kind=Award.Kind.PLACE, place=2, by=organizer)
    jury.results_lock(edition=edition, by=organizer)
    with django_capture_on_commit_callbacks(execute=True):
        documents.job_start(edition=edition, kinds=Kind.values, by=organizer)
    return Participant.objects.select_related("user", "school").get(user=student)


def personal(participant):
    consent = participant.consents.get()
    return {
        "IIN": participant.iin,
        "date of birth": participant.birth_date.strftime("%d.%m.%Y"),
        "date of birth (ISO)": participant.birth_date.isoformat(),
        "e-mail": participant.user.email,
        "school": participant.school_display,
        "parent": consent.given_by_name,
        "parent's phone": consent.given_by_phone,
    }


def test_public_pages_show_no_personal_data(client, winner):
    diploma = Document.objects.get(kind=Kind.DIPLOMA, participant=winner)
    pages = [
        reverse("landing"),
        reverse("judging:public"),
        reverse("certificates:verify_code", args=[diploma.code]),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        leaks = [what for what, value in personal(winner).items() if value and value in body]
        assert not leaks, (url, leaks)
    # The verification page does show what the document says: the name.
    assert winner.full_name in client.get(pages[-1]).content.decode()


@pytest.mark.parametrize(
    ("view", "user_kind"),
    [
        (views.register_student, None),
        (views.register_supervisor, None),
        (views.consent, "new_student"),
        (views.team_add, "supervisor"),
    ],
)
def test_error_reports_mask_what_identifies_a_child(edition, view, user_kind):
    """What Django would put in an error report of these forms: the child's and the parent's data masked."""
    request = RequestFactory().post(
        "/",
        {
            "iin": IIN,
            "birth_date": "01.04.2013",
            "last_name": "Жақсыбекова",
            "first_name": "Әлия",
            "patronymic": "Маратқызы",
            "phone": "+7 701 555 12 34",
            "given_by_name": "Жақсыбекова Гүлмира",
            "given_by_phone": "+7 701 555 12 34",
            "password1": "Kino-2026-festival",
            "email": "child@example.kz",
        },
    )
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    request.user = (
        factories.StudentFactory()
        if user_kind == "new_student"
        else factories.SupervisorFactory()
        if user_kind
        else AnonymousUser()
    )
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request.LANGUAGE_CODE = "ru"
    view(request)
    shown = SafeExceptionReporterFilter().get_post_parameters(request)
    for field in ("iin", "birth_date", "last_name", "first_name", "patronymic", "given_by_name", "given_by_phone"):
        assert shown[field] != request.POST[field] and "*" in shown[field], field


def test_logs_of_the_document_job_name_no_child(winner, caplog):
    """What the worker logged while the fixture issued the child's documents: task ids, never a name."""
    logged = "\n".join(record.getMessage() for record in caplog.get_records("setup"))
    assert "certificates.tasks.chunk_run" in logged
    for value in (winner.last_name, winner.first_name, winner.iin, winner.birth_date.strftime("%d.%m.%Y")):
        assert value not in logged
