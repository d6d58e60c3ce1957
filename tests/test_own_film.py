"""The authors watch their own film on its page once the server has checked it: the light preview the jury sees,
or the original while a film has no preview."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from submissions.models import Film
from submissions.storage import private_storage
from tests import factories

pytestmark = pytest.mark.django_db

PREVIEW = b"\x00\x00\x00\x18ftypmp42" + b"p" * 4096


def with_preview(film):
    film.preview = private_storage().save(f"films/{film.entry_id}/preview-{film.pk}.mp4", ContentFile(PREVIEW))
    film.save(update_fields=["preview"])
    return film


def test_own_film_plays_its_preview_on_the_entry_page(client, edition):
    entry = factories.entry()
    with_preview(factories.checked_film(entry))
    client.force_login(entry.created_by)
    page = client.get(reverse("submissions:entry", args=[entry.pk])).content.decode()
    assert 'data-testid="own-player"' in page
    preview = reverse("submissions:film_preview", args=[entry.pk])
    assert f'<source src="{preview}" type="video/mp4">' in page
    response = client.get(preview, HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206 and response["Content-Type"] == "video/mp4"
    assert b"".join(response.streaming_content) == PREVIEW[:100]


def test_own_film_without_a_preview_plays_the_original(client, edition):
    entry = factories.entry()
    factories.checked_film(entry)
    client.force_login(entry.created_by)
    page = client.get(reverse("submissions:entry", args=[entry.pk])).content.decode()
    original = reverse("submissions:film_original", args=[entry.pk])
    assert f'<source src="{original}" type="video/mp4">' in page
    assert client.get(original).status_code == 200


def test_own_film_being_checked_has_no_player_yet(client, edition):
    entry = factories.entry()
    film = factories.checked_film(entry)
    Film.objects.filter(pk=film.pk).update(status=Film.Status.CHECKING)
    client.force_login(entry.created_by)
    page = client.get(reverse("submissions:film_status", args=[entry.pk])).content.decode()
    assert "own-player" not in page and "checking" in page


def test_own_film_preview_is_not_for_another_student(client, edition):
    entry = factories.entry()
    with_preview(factories.checked_film(entry))
    client.force_login(factories.student_with_consent())
    assert client.get(reverse("submissions:film_preview", args=[entry.pk])).status_code == 404
