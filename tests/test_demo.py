"""The demo that scripts/run loads: every printed login works, and the coordinator has a film to review."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from festival.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from submissions.models import Entry

pytestmark = pytest.mark.django_db


def test_demo_loads_twice_and_every_login_works(client):
    call_command("load_demo")
    call_command("load_demo")
    call_command("load_demo_entries")
    call_command("load_demo_entries")
    for email, *_rest in DEMO_ACCOUNTS:
        client.logout()
        response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.get(reverse("account:home")).status_code == 200, email
    submitted = Entry.objects.get(state=Entry.State.SUBMITTED)
    assert submitted.film.status == "ok" and submitted.film.preview
    assert Entry.objects.filter(state=Entry.State.DRAFT).count() == 1
