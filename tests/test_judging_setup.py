"""The organizers' set-up of the jury without code: panels in one click, their settings, members and chair,
criteria, building assignments with a report of the conflicts, and the results page's decisions."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_setup_pages_open_for_an_organizer(client, edition):
    from judging import services
    from judging.models import Panel

    organizer = factories.organizer()
    client.force_login(organizer)
    assert client.get(reverse("judging:organizer_panels")).status_code == 200
    assert client.post(reverse("judging:organizer_panels"), {"action": "regional"}).status_code == 302
    assert Panel.objects.count() == 20
    panel = Panel.objects.first()
    assert client.get(reverse("judging:setup_panel", args=[panel.pk])).status_code == 200
    assert client.get(reverse("judging:criteria")).status_code == 200
    services.criteria_default_create(edition=edition)
    assert client.get(reverse("judging:criteria")).status_code == 200
    assert client.get(reverse("judging:organizer_panels")).status_code == 200
