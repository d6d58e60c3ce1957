import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from festival import services
from festival.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def test_login_throttled_after_five_failures(client, settings):
    user = factories.StudentFactory(email="kid@example.kz")
    factories.participant(user=user)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": "kid@example.kz", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(reverse("login"), {"username": "kid@example.kz", "password": "wrong"})
    assert response.status_code == 429
    # Even the right password is refused now: the pair (e-mail, address) is locked out.
    response = client.post(reverse("login"), {"username": "kid@example.kz", "password": "pass-word-123"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_throttle_is_per_account(client, settings):
    factories.StudentFactory(email="kid@example.kz")
    other = factories.StudentFactory(email="other@example.kz")
    factories.participant(user=other)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "kid@example.kz", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "other@example.kz", "password": "pass-word-123"})
    assert response.status_code == 302


def test_login_wrong_password_message(client):
    factories.StudentFactory(email="kid@example.kz")
    response = client.post(reverse("login"), {"username": "kid@example.kz", "password": "wrong"})
    assert "The e-mail or the password is wrong" in response.content.decode()


def test_password_reset_sets_a_new_password(client, django_capture_on_commit_callbacks):
    user = factories.StudentFactory(email="kid@example.kz")
    factories.participant(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "Kid@example.kz"})
    assert response.status_code == 302
    link = re.search(r"https?://[^/]+(/\S+/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Brand-new-pass-42", "new_password2": "Brand-new-pass-42"}
    )
    assert response.status_code == 302
    client.logout()
    response = client.post(reverse("login"), {"username": "kid@example.kz", "password": "Brand-new-pass-42"})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_unknown_address_sends_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "nobody@example.kz"})
    assert response.status_code == 302 and not mail.outbox


def test_password_reset_letter_in_users_language(client, django_capture_on_commit_callbacks):
    factories.StudentFactory(email="kid@example.kz")
    with translation.override("kk"):
        url = reverse("password_reset")
        subject = translation.gettext("A new password for the children's film festival")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"email": "kid@example.kz"})
    assert mail.outbox[0].subject == subject != "A new password for the children's film festival"
    assert "/kk/password/reset/" in mail.outbox[0].body


def test_password_reset_at_most_one_letter_a_minute(client, django_capture_on_commit_callbacks):
    user = factories.StudentFactory(email="kid@example.kz")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert client.post(reverse("password_reset"), {"email": "kid@example.kz"}).status_code == 302
    assert len(mail.outbox) == 1
    User.objects.filter(pk=user.pk).update(password_reset_sent_at=timezone.now() - services.LETTER_INTERVAL)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "kid@example.kz"})
    assert len(mail.outbox) == 2


def test_password_reset_lifts_the_lockout(client, settings, django_capture_on_commit_callbacks):
    user = factories.StudentFactory(email="kid@example.kz")
    factories.participant(user=user)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "kid@example.kz", "password": "wrong"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "kid@example.kz"})
    link = re.search(r"https?://[^/]+(/\S+/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "Brand-new-pass-42", "new_password2": "Brand-new-pass-42"})
    response = client.post(reverse("login"), {"username": "kid@example.kz", "password": "Brand-new-pass-42"})
    assert response.status_code == 302


def test_password_reset_confirms_an_unconfirmed_address(client, django_capture_on_commit_callbacks):
    user = factories.StudentFactory(email="kid@example.kz", email_confirmed_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "kid@example.kz"})
    link = re.search(r"https?://[^/]+(/\S+/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "Brand-new-pass-42", "new_password2": "Brand-new-pass-42"})
    user.refresh_from_db()
    assert user.email_confirmed_at is not None
