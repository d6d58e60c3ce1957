import datetime
import re

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone, translation

from festival import services
from festival.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def student_form(**overrides):
    data = {
        "last_name": "Серікова",
        "first_name": "Аружан",
        "patronymic": "",
        "birth_date": (timezone.localdate() - datetime.timedelta(days=365 * 12)).isoformat(),
        "email": "Aruzhan@Example.kz",
        "password1": "Kino-2026-festival",
        "password2": "Kino-2026-festival",
    }
    data.update(overrides)
    return data


def confirmation_link():
    body = mail.outbox[-1].body
    return re.search(r"https?://\S+/confirm/\S+/", body).group(0)


def test_register_student_sends_confirmation(client, edition, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("register_student"), student_form())
    assert response.status_code == 302 and response.url == reverse("register_done")
    user = User.objects.get(email="aruzhan@example.kz")
    assert user.kind == User.Kind.STUDENT and user.email_confirmed_at is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["aruzhan@example.kz"]
    assert "/confirm/" in mail.outbox[0].body


def test_register_letter_in_users_language(client, edition, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), translation.override("kk"):
        client.post(reverse("register_student"), student_form())
    with translation.override("kk"):
        expected = translation.gettext("Confirm your e-mail for the children's film festival")
    assert mail.outbox[0].subject == expected
    assert "/kk/confirm/" in mail.outbox[0].body


def test_confirm_link_logs_in_and_asks_for_consent(client, edition, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("register_student"), student_form())
    response = client.get(confirmation_link(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("account:consent")
    assert User.objects.get(email="aruzhan@example.kz").email_confirmed_at is not None


def test_login_before_confirmation_refused(client, edition, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("register_student"), student_form())
    response = client.post(reverse("login"), {"username": "aruzhan@example.kz", "password": "Kino-2026-festival"})
    assert response.status_code == 200
    assert "Confirm your e-mail first" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_after_confirmation(client):
    user = factories.StudentFactory(email="a@example.kz")
    factories.participant(user=user)
    response = client.post(reverse("login"), {"username": "A@Example.kz ", "password": "pass-word-123"})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_register_duplicate_email_refused_in_users_language(client, edition):
    factories.StudentFactory(email="aruzhan@example.kz")
    with translation.override("kk"):
        url = reverse("register_student")
        expected = translation.gettext(
            "An account with this e-mail already exists. Log in, or reset the password if you forgot it."
        )
    response = client.post(url, student_form(), HTTP_ACCEPT_LANGUAGE="kk")
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert User.objects.filter(email__iexact="aruzhan@example.kz").count() == 1


def test_register_duplicate_email_race_caught_by_database(edition):
    factories.StudentFactory(email="race@example.kz")
    with pytest.raises(services.DuplicateEmail):
        services.user_register(
            kind=User.Kind.STUDENT,
            email="race@example.kz",
            password="x",
            first_name="A",
            last_name="B",
            base_url="http://testserver/",
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password2": "different-password-1"}, "password2"),
        ({"password1": "123", "password2": "123"}, "password1"),
        ({"email": "not-an-email"}, "email"),
        ({"birth_date": "2099-01-01"}, "birth_date"),
        ({"birth_date": "1970-01-01"}, "birth_date"),
        ({"last_name": ""}, "last_name"),
    ],
)
def test_register_bad_input_saves_nothing(client, edition, overrides, field):
    response = client.post(reverse("register_student"), student_form(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()
    assert not mail.outbox


def test_register_outside_phase_refused(client):
    factories.closed_edition()
    response = client.post(reverse("register_student"), student_form())
    assert response.status_code == 403
    assert "This is not open now" in response.content.decode()
    assert not User.objects.exists()


def test_confirm_expired_link_offers_a_new_one(client, settings):
    user = factories.StudentFactory(email_confirmed_at=None)
    token = services.email_confirmation_token(user=user)
    settings.EMAIL_CONFIRMATION_MAX_AGE = -1
    response = client.get(reverse("confirm_email", args=[token]))
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    user.refresh_from_db()
    assert user.email_confirmed_at is None


def test_confirm_tampered_link_refused(client):
    user = factories.StudentFactory(email_confirmed_at=None)
    token = signing.dumps({"u": user.pk, "f": "0" * 16}, salt="festival.email-confirmation")
    response = client.get(reverse("confirm_email", args=[token]))
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email_confirmed_at is None


def test_confirm_link_bound_to_address(client):
    user = factories.StudentFactory(email_confirmed_at=None, email="old@example.kz")
    token = services.email_confirmation_token(user=user)
    user.email = "new@example.kz"
    user.save(update_fields=["email"])
    assert client.get(reverse("confirm_email", args=[token])).status_code == 400


def test_resend_same_answer_for_unknown_address(client, django_capture_on_commit_callbacks):
    unconfirmed = factories.StudentFactory(email_confirmed_at=None, email="wait@example.kz")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("resend_confirmation"), {"email": unconfirmed.email})
        unknown = client.post(reverse("resend_confirmation"), {"email": "nobody@example.kz"})
    assert known.status_code == unknown.status_code == 302
    assert [m.to for m in mail.outbox] == [["wait@example.kz"]]


def test_register_supervisor_school_must_be_in_region(client, edition):
    astana_school = factories.SchoolFactory(region=factories.region("astana"))
    data = student_form(
        email="teacher@example.kz",
        phone="+77010000000",
        region=factories.region("shymkent").pk,
        school=astana_school.pk,
        school_other="",
    )
    data.pop("birth_date")
    response = client.post(reverse("register_supervisor"), data)
    assert response.status_code == 200 and "school" in response.context["form"].errors
    assert not User.objects.exists()


def test_register_supervisor_with_unlisted_school(client, edition, django_capture_on_commit_callbacks):
    data = student_form(
        email="teacher@example.kz",
        region=factories.region("shymkent").pk,
        school="",
        school_other="Гимназия №7, Шымкент",
    )
    data.pop("birth_date")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("register_supervisor"), data)
    assert response.status_code == 302
    teacher = User.objects.get(email="teacher@example.kz")
    assert teacher.kind == User.Kind.SUPERVISOR and teacher.school_display == "Гимназия №7, Шымкент"


def test_school_options_lists_the_regions_schools(client):
    mine = factories.SchoolFactory(region=factories.region("kostanay"), name="Школа Костанай")
    factories.SchoolFactory(region=factories.region("astana"), name="Школа Астана")
    response = client.get(reverse("school_options"), {"region": mine.region_id})
    body = response.content.decode()
    assert "Школа Костанай" in body and "Школа Астана" not in body


def test_resend_at_most_one_letter_a_minute(client, django_capture_on_commit_callbacks):
    user = factories.StudentFactory(email_confirmed_at=None, email="wait@example.kz")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            client.post(reverse("resend_confirmation"), {"email": user.email})
    assert len(mail.outbox) == 1
    User.objects.filter(pk=user.pk).update(confirmation_sent_at=timezone.now() - services.LETTER_INTERVAL)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("resend_confirmation"), {"email": user.email})
    assert len(mail.outbox) == 2


def test_confirm_link_used_again_signs_nobody_in(client):
    user = factories.StudentFactory(email_confirmed_at=None)
    token = services.email_confirmation_token(user=user)
    first = client.get(reverse("confirm_email", args=[token]))
    assert first.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    client.logout()
    again = client.get(reverse("confirm_email", args=[token]))
    assert again.status_code == 302 and again.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_register_survives_a_broker_outage(client, edition, django_capture_on_commit_callbacks, monkeypatch):
    from kombu.exceptions import OperationalError

    from festival import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(tasks.send_email_confirmation, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("register_student"), student_form())
    assert response.status_code == 302 and response.url == reverse("register_done")
    assert User.objects.filter(email="aruzhan@example.kz").exists()


def test_admin_created_email_lowercased_and_can_log_in(client):
    organizer = factories.organizer()
    client.force_login(organizer)
    response = client.post(
        reverse("admin:festival_user_add"),
        {
            "email": "Coord@Demo.KZ",
            "last_name": "Омаров",
            "first_name": "Ерлан",
            "kind": "staff",
            "password1": "Kino-2026-festival",
            "password2": "Kino-2026-festival",
            "usable_password": "true",
            "role_grants-TOTAL_FORMS": "0",
            "role_grants-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = User.objects.get(last_name="Омаров")
    assert created.email == "coord@demo.kz"
    User.objects.filter(pk=created.pk).update(email_confirmed_at=timezone.now())
    client.logout()
    response = client.post(reverse("login"), {"username": "Coord@demo.kz", "password": "Kino-2026-festival"})
    assert response.status_code == 302


def test_email_unique_ignoring_case_in_database():
    from django.db import IntegrityError, transaction

    factories.StudentFactory(email="kid@example.kz")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="KID@example.kz", first_name="A", last_name="B")
