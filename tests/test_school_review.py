"""School names typed into a coordinator's imported list are not shown to everyone until an organizer approves them."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from festival.forms import SupervisorRegistrationForm
from festival.models import School
from tests import factories
from tests.test_imports import GOOD_ROWS, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(client, django_capture_on_commit_callbacks):
    """Kostanay's list names two schools nobody entered before: «№5 мектеп» and «Гимназия №2»."""
    known = factories.SchoolFactory(region=factories.region("kostanay"), name="Гимназия №1")
    client.force_login(factories.coordinator("kostanay"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("submissions:region_import", args=["kostanay"]), {"file": xlsx(GOOD_ROWS)})
    client.logout()
    return known


def test_school_from_an_import_not_in_the_public_picker(client, imported):
    assert set(School.objects.filter(approved=False).values_list("name", flat=True)) == {"№5 мектеп", "Гимназия №2"}
    body = client.get(reverse("school_options"), {"region": imported.region_id}).content.decode()
    assert "Гимназия №1" in body and "№5 мектеп" not in body and "Гимназия №2" not in body


def test_school_from_an_import_refused_by_the_registration_form(imported):
    waiting = School.objects.get(name="№5 мектеп")
    form = SupervisorRegistrationForm(data={"region": str(imported.region_id), "school": str(waiting.pk)})
    assert not form.is_valid() and "school" in form.errors
    assert list(form.fields["school"].queryset) == [imported]


def test_school_from_an_import_shown_to_its_coordinator(client, imported):
    client.force_login(factories.coordinator("kostanay"))
    body = client.get(reverse("region_workspace", args=["kostanay"])).content.decode()
    assert "№5 мектеп" in body and "Гимназия №2" in body


def test_school_made_by_the_organizers_is_approved():
    school = School.objects.create(region=factories.region("astana"), name="Лицей №8")
    assert school.approved


def test_schools_approved_by_the_organizer_join_the_picker(client, edition, imported):
    client.force_login(factories.organizer())
    dashboard = client.get(reverse("organizer_dashboard")).content.decode()
    assert "waiting for approval: 2" in dashboard and reverse("organizing:schools") in dashboard
    page = client.get(reverse("organizing:schools"))
    assert [s.name for s in page.context["schools"]] == ["Гимназия №2", "№5 мектеп"]
    waiting = School.objects.get(name="№5 мектеп")
    response = client.post(reverse("organizing:schools"), {"schools": [waiting.pk]})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Schools approved: 1. They are offered in the registration forms now."
    ]
    assert list(School.objects.filter(approved=False).values_list("name", flat=True)) == ["Гимназия №2"]
    body = client.get(reverse("school_options"), {"region": imported.region_id}).content.decode()
    assert "№5 мектеп" in body and "Гимназия №2" not in body


def test_schools_approval_with_nothing_ticked_approves_nothing(client, imported):
    client.force_login(factories.organizer())
    response = client.post(reverse("organizing:schools"), {})
    assert response.status_code == 200 and "Tick the schools to approve." in response.content.decode()
    assert School.objects.filter(approved=False).count() == 2


def test_schools_approval_page_for_organizers_only(client, imported):
    client.force_login(factories.coordinator("kostanay"))
    assert client.post(reverse("organizing:schools"), {"schools": [1]}).status_code == 403
    assert School.objects.filter(approved=False).count() == 2


def test_school_admin_approves_and_filters(client, imported):
    client.force_login(factories.organizer())
    url = reverse("admin:festival_school_changelist")
    assert client.get(url, {"approved__exact": "0"}).context["cl"].result_count == 2
    waiting = list(School.objects.filter(approved=False).values_list("pk", flat=True))
    client.post(url, {"action": "approve", "_selected_action": waiting})
    assert not School.objects.filter(approved=False).exists()
