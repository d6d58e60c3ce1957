"""Rate limits (festival/throttle.py) and the IIN forms that must not confirm a stranger's IIN. The limits are
the settings' RATE_LIMITS, made small here (per day, so that no window ends in the middle of a test)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from festival.models import Participant
from tests import factories
from tests.test_consent import consent_form
from tests.test_iin import make_iin
from tests.test_tus import TUS, create, make_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return factories.SchoolFactory(region=factories.region("astana"))


@pytest.fixture
def small_limits(settings):
    settings.RATE_LIMITS = {
        "iin-check": [("user", "3/d"), ("ip", "5/d")],
        "team-add": [("user", "8/d"), ("ip", "20/d")],
        "verify": [("ip", "4/d")],
        "upload-create": [("user", "3/d"), ("ip", "10/d")],
    }
    return settings.RATE_LIMITS


def signed_in(user, address="198.51.100.10"):
    client = Client(REMOTE_ADDR=address)
    client.force_login(user)
    return client


def a_child(school, number, **overrides):
    return consent_form(school, last_name="Омарова", first_name=f"Дана{number}", birth_date="2014-09-01", **overrides)


# ---------------------------------------------------------------- the IIN oracle


def test_team_add_with_a_registered_iin_does_not_confirm_it(edition, school):
    born = datetime.date(2014, 9, 1)
    taken = make_iin(born)
    factories.participant(supervisor=factories.SupervisorFactory(), birth_date=born, iin=taken)
    stranger = signed_in(factories.SupervisorFactory(school=school))
    response = stranger.post(reverse("account:team_add"), a_child(school, 1, iin=taken))
    assert response.status_code == 200
    [message] = response.context["form"].errors["iin"]
    body = response.content.decode()
    assert "already registered" not in body and "is registered" not in body
    assert message.startswith("This participant could not be registered with this IIN.")
    assert Participant.objects.filter(iin=taken).count() == 1


def test_team_add_iin_typo_still_told_precisely(edition, school):
    """What the digits alone show (no database) is still said plainly."""
    stranger = signed_in(factories.SupervisorFactory(school=school))
    iin = make_iin(datetime.date(2014, 9, 1))
    wrong_check_digit = iin[:11] + str((int(iin[11]) + 1) % 10)
    response = stranger.post(reverse("account:team_add"), a_child(school, 1, iin=wrong_check_digit))
    assert "last digit does not match" in response.content.decode()


def test_iin_checks_limited_per_account(edition, school, small_limits):
    born = datetime.date(2014, 9, 1)
    factories.participant(supervisor=factories.SupervisorFactory(), birth_date=born, iin=make_iin(born))
    supervisor = factories.SupervisorFactory(school=school)
    prober = signed_in(supervisor)
    for number in range(3):
        assert prober.post(reverse("account:team_add"), a_child(school, number, iin=make_iin(born))).status_code == 200
    response = prober.post(reverse("account:team_add"), a_child(school, 9, iin=make_iin(born)))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts in a short time" in response.content.decode()
    # Children without an IIN (the field is optional) can still be added: only the IIN checks are limited.
    assert prober.post(reverse("account:team_add"), a_child(school, 10)).status_code == 302
    # Another account, elsewhere, is not held back by this one.
    other = signed_in(factories.SupervisorFactory(school=school), "198.51.100.11")
    assert (
        other.post(reverse("account:team_add"), a_child(school, 11, iin=make_iin(born, serial="0777"))).status_code
        == 302
    )


def test_iin_checks_limited_per_address_across_accounts(edition, school, small_limits):
    born = datetime.date(2014, 9, 1)
    iins = iter(make_iin(born, serial=f"{serial:04d}") for serial in range(1, 20))
    statuses = []
    for _ in range(2):  # 2 accounts × 3 attempts: the address's 5 are used up on the 6th
        prober = signed_in(factories.SupervisorFactory(school=school))
        for number in range(3):
            response = prober.post(reverse("account:team_add"), a_child(school, number, iin=next(iins)))
            statuses.append(response.status_code)
    assert statuses == [302] * 5 + [429]
    elsewhere = signed_in(factories.SupervisorFactory(school=school), "203.0.113.5")
    assert elsewhere.post(reverse("account:team_add"), a_child(school, 1, iin=next(iins))).status_code == 302


def test_own_consent_iin_checks_limited(school, small_limits):
    student = factories.StudentFactory(birth_date=datetime.date(2013, 4, 1))
    client = signed_in(student)
    wrong_date = make_iin(datetime.date(2012, 1, 2))
    for _ in range(3):
        assert client.post(reverse("account:consent"), consent_form(school, iin=wrong_date)).status_code == 200
    response = client.post(reverse("account:consent"), consent_form(school, iin=make_iin(datetime.date(2013, 4, 1))))
    assert response.status_code == 429
    assert not Participant.objects.exists()


# ---------------------------------------------------------------- team adding, verification, uploads


def test_team_add_limited_per_account(edition, school, small_limits):
    supervisor = factories.SupervisorFactory(school=school)
    client = signed_in(supervisor)
    for number in range(8):
        assert client.post(reverse("account:team_add"), a_child(school, number)).status_code == 302
    response = client.post(reverse("account:team_add"), a_child(school, 8))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Participant.objects.filter(supervisor=supervisor).count() == 8
    # The form itself still opens.
    assert client.get(reverse("account:team_add")).status_code == 200


def test_verification_limited_per_address(small_limits):
    prober, reader = Client(REMOTE_ADDR="198.51.100.20"), Client(REMOTE_ADDR="198.51.100.21")
    for number in range(4):
        response = prober.get(reverse("certificates:verify_code", kwargs={"code": f"ABCD-{number:04d}"}))
        assert response.status_code == 404
    response = prober.get(reverse("certificates:verify_code", kwargs={"code": "ABCD-0005"}))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many attempts" in response.content.decode()
    # The short address of a QR code leads to the same limited page.
    short = prober.get("/v/ABCD-0006/", follow=True)
    assert short.status_code == 429
    assert reader.get(reverse("certificates:verify_code", kwargs={"code": "ABCD-0007"})).status_code == 404


def test_verification_limit_counts_the_address_nginx_saw(small_limits, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(5):
        forged = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.0.{number}.1, 198.51.100.30")
        status = forged.get(reverse("certificates:verify_code", kwargs={"code": f"ABCD-{number:04d}"})).status_code
    assert status == 429


def test_upload_creation_limited_per_account(edition, small_limits):
    student = factories.student_with_consent()
    entry = make_entry(edition, student)
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.40")
    client.force_login(student)
    for _ in range(3):
        assert create(client, entry, 1000).status_code == 201
    response = create(client, entry, 1000)
    assert response.status_code == 429
    assert response["Tus-Resumable"] == TUS["Tus-Resumable"]
    assert int(response["Retry-After"]) > 0
    assert "Too many uploads started" in response.content.decode()
    # Resuming what was started is not limited.
    assert client.generic("OPTIONS", reverse("tus:collection")).status_code == 204
