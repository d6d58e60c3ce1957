"""The signed-in person kept in the cache (festival/user_cache.py): up to three queries fewer on every page,
and never stale after a change to the account, the participant record, a consent or a role."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from festival import services, user_cache
from festival.models import Consent, Participant, RoleGrant, User
from tests import factories
from tests.test_health import closed_port

# Outside a test transaction: the cache keeps only what was read outside one (committed data).
pytestmark = pytest.mark.django_db(transaction=True)


def queries_of(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response, len(captured)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_second_page_reads_neither_the_account_nor_the_consent_nor_the_roles():
    student = factories.student_with_consent()
    client = signed_in(student)
    client.get("/en/me/")  # the edition and the rest that every page shares, cached
    user_cache.forget(student.pk)
    first, before = queries_of(client, "/en/me/")
    again, after = queries_of(client, "/en/me/")
    assert first.status_code == again.status_code == 200
    assert after == before - 3
    assert student.first_name in again.content.decode()


def test_a_renamed_account_is_seen_at_once():
    student = factories.student_with_consent()
    client = signed_in(student)
    client.get("/en/me/")
    student.first_name = "Әлия"
    student.save()
    assert "Әлия" in client.get("/en/me/").content.decode()


@pytest.mark.parametrize("how", ["save", "queryset update"])
def test_a_deactivated_account_is_signed_out_on_the_next_page(how):
    student = factories.student_with_consent()
    client = signed_in(student)
    assert client.get("/en/me/").status_code == 200
    if how == "save":
        student.is_active = False
        student.save()
    else:
        User.objects.filter(pk=student.pk).update(is_active=False)
    response = client.get("/en/me/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_password_changed_elsewhere_signs_out_the_other_sessions():
    student = factories.student_with_consent()
    phone, laptop = signed_in(student), signed_in(student)
    assert phone.get("/en/me/").status_code == laptop.get("/en/me/").status_code == 200
    student.set_password("Қазақстан-2026-жаңа")
    student.save()
    response = phone.get("/en/me/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_withdrawn_consent_closes_the_pages_at_once_and_a_new_one_opens_them():
    student = factories.student_with_consent()
    client = signed_in(student)
    assert client.get("/en/me/").status_code == 200
    consent = Consent.objects.get(participant__user=student)
    services.consent_withdraw(consent=consent)
    response = client.get("/en/me/")
    assert response.status_code == 302 and response["Location"].endswith("/me/consent/")
    _consent_again(consent)
    assert client.get("/en/me/").status_code == 200


def _consent_again(consent):
    """A new consent with the same text, as a parent gives it again."""
    consent.pk, consent.withdrawn_at = None, None
    consent.save()


def test_a_consent_withdrawn_by_a_bulk_update_closes_the_pages_too():
    student = factories.student_with_consent()
    client = signed_in(student)
    assert client.get("/en/me/").status_code == 200
    Consent.objects.filter(participant__user=student).update(withdrawn_at="2026-11-30T10:00:00Z")
    assert client.get("/en/me/").status_code == 302


def test_an_account_that_loses_its_participant_record_needs_a_consent_again():
    student, other = factories.student_with_consent(), factories.StudentFactory()
    client = signed_in(student)
    assert client.get("/en/me/").status_code == 200
    participant = Participant.objects.get(user=student)
    participant.user = other
    participant.save()
    response = client.get("/en/me/")
    assert response.status_code == 302 and response["Location"].endswith("/me/consent/")


def test_without_the_cache_people_still_sign_in_and_change(settings):
    student = factories.student_with_consent()
    settings.CACHES = {
        "default": {
            "BACKEND": "festival.redis_cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client = signed_in(student)
    assert client.get("/en/me/").status_code == 200
    student.first_name = "Дана"
    student.save()  # the change goes through, the cache being down
    assert "Дана" in client.get("/en/me/").content.decode()
    user_cache.forget()


@pytest.mark.parametrize("how", ["delete", "queryset delete"])
def test_a_coordinator_whose_role_is_taken_away_loses_the_region_at_once(how):
    coordinator = factories.coordinator("astana")
    client = signed_in(coordinator)
    assert client.get("/en/region/astana/").status_code == 200
    assert client.get("/en/region/astana/").status_code == 200  # from the cache
    grants = RoleGrant.objects.filter(user=coordinator)
    if how == "delete":
        grants.get().delete()
    else:
        grants.delete()
    assert client.get("/en/region/astana/").status_code == 403


def test_a_new_role_opens_its_pages_at_once():
    coordinator = factories.coordinator("astana")
    client = signed_in(coordinator)
    assert client.get("/en/region/almaty/").status_code == 403
    services.role_grant(user=coordinator, role=RoleGrant.Role.COORDINATOR, region=factories.region("almaty"))
    assert client.get("/en/region/almaty/").status_code == 200


def test_a_role_given_to_someone_else_leaves_the_one_who_had_it():
    coordinator, other = factories.coordinator("astana"), factories.coordinator("almaty")
    client = signed_in(coordinator)
    assert client.get("/en/region/astana/").status_code == 200
    grant = RoleGrant.objects.get(user=coordinator)
    grant.user = other  # as an organizer does in the admin
    grant.save()
    assert client.get("/en/region/astana/").status_code == 403
    assert signed_in(other).get("/en/region/astana/").status_code == 200


def test_a_participant_record_moved_twice_leaves_every_account_it_was_on():
    first, second, third = (factories.student_with_consent(), factories.StudentFactory(), factories.StudentFactory())
    client = signed_in(first)
    assert client.get("/en/me/").status_code == 200
    participant = Participant.objects.get(user=first)
    participant.user = second
    participant.save()
    as_second = signed_in(second)
    assert as_second.get("/en/me/").status_code == 200
    participant.user = third
    participant.save()
    for account in (client, as_second):
        response = account.get("/en/me/")
        assert response.status_code == 302 and response["Location"].endswith("/me/consent/")


def test_two_people_signed_in_at_once_each_see_their_own_page():
    one, two = factories.student_with_consent(), factories.student_with_consent()
    one.first_name, two.first_name = "Айгерим", "Нурлан"
    one.save()
    two.save()
    as_one, as_two = signed_in(one), signed_in(two)
    for _ in range(2):
        page_one, page_two = as_one.get("/en/me/").content.decode(), as_two.get("/en/me/").content.decode()
        assert "Айгерим" in page_one and "Нурлан" not in page_one
        assert "Нурлан" in page_two and "Айгерим" not in page_two


def test_a_single_account_update_leaves_the_others_cached():
    one, two = factories.student_with_consent(), factories.student_with_consent()
    as_two = signed_in(two)
    as_two.get("/en/me/")
    with CaptureQueriesContext(connection) as warm:
        as_two.get("/en/me/")
    User.objects.filter(pk=one.pk).update(phone="+7 701 000 00 00")
    with CaptureQueriesContext(connection) as after:
        as_two.get("/en/me/")
    assert len(after) == len(warm)


def test_a_deactivation_is_honoured_even_when_the_cache_refuses_writes():
    """A full Redis refuses SET but still serves GET and DEL: forgetting a person drops their version."""
    student = factories.student_with_consent()
    client = signed_in(student)
    assert client.get("/en/me/").status_code == 200

    def refused(*args, **kwargs):
        raise OSError("OOM command not allowed when used memory > 'maxmemory'")

    with mock.patch.object(cache, "set", refused), mock.patch.object(cache, "add", refused):
        student.is_active = False
        student.save()
        response = client.get("/en/me/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_user_cache_never_sees_another_site_that_shares_redis():
    """Keys name the database server and the database: two sites sharing one Redis keep apart."""
    key = user_cache._copies._version_key("42")
    assert connection.settings_dict["NAME"] in key and f":{connection.settings_dict['PORT']}/" in key
