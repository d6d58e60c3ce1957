"""Entries from draft to the republican stage: the people who may act, the phases, the quota, the letters."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from festival.models import Phase
from submissions import services
from submissions.models import Entry, RegionQuota
from tests import factories
from tests.queries import page_queries

pytestmark = pytest.mark.django_db


def open_phase(edition, kind):
    """Move `kind` to now, so that the actions of that phase are allowed."""
    now = timezone.now()
    edition.phases.filter(kind=kind).update(
        starts_at=now - datetime.timedelta(days=1), ends_at=now + datetime.timedelta(days=1)
    )


def entry_form_data(edition, student, **overrides):
    data = {
        "title": "Менің ауылым",
        "nomination": edition.nominations.get(code="tv-story").pk,
        "age_group": edition.age_groups.get(min_age=11).pk,
        "language": "kk",
        "synopsis": "Ауыл туралы сюжет.",
        f"role_{student.participant.pk}": "director",
    }
    data.update(overrides)
    return data


def test_student_creates_a_draft_entry(client, edition):
    student = factories.student_with_consent()
    client.force_login(student)
    response = client.post(reverse("submissions:create"), entry_form_data(edition, student))
    entry = Entry.objects.get()
    assert response.status_code == 302 and response.url == reverse("submissions:entry", args=[entry.pk])
    assert entry.state == Entry.State.DRAFT and entry.created_by == student
    assert [(a.participant, a.role) for a in entry.authors.all()] == [(student.participant, "director")]
    assert entry.region == student.participant.region


def test_entry_form_age_group_must_fit_authors(client, edition):
    student = factories.student_with_consent()
    client.force_login(student)
    data = entry_form_data(edition, student, age_group=edition.age_groups.get(min_age=15).pk)
    response = client.post(reverse("submissions:create"), data)
    assert "age_group" in response.context["form"].errors
    assert not Entry.objects.exists()


def test_entry_form_needs_an_author(client, edition):
    student = factories.student_with_consent()
    client.force_login(student)
    data = entry_form_data(edition, student, **{f"role_{student.participant.pk}": ""})
    response = client.post(reverse("submissions:create"), data)
    assert response.context["form"].non_field_errors()
    assert not Entry.objects.exists()


def test_supervisor_entry_team_size_checked(client, edition):
    supervisor = factories.SupervisorFactory()
    members = [factories.participant(supervisor=supervisor) for _ in range(6)]
    client.force_login(supervisor)
    data = {
        "title": "Жаңалықтар",
        "nomination": edition.nominations.get(code="tv-story").pk,
        "age_group": edition.age_groups.get(min_age=11).pk,
        "language": "ru",
        "synopsis": "",
        **{f"role_{m.pk}": "camera" for m in members},
    }
    response = client.post(reverse("submissions:create"), data)
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    data.pop(f"role_{members[0].pk}")
    response = client.post(reverse("submissions:create"), data)
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert entry.authors.count() == 5 and list(entry.supervisors.all()) == [supervisor]


def test_entry_create_outside_phase_refused(client):
    factories.closed_edition()
    student = factories.student_with_consent()
    client.force_login(student)
    assert client.get(reverse("submissions:create")).status_code == 403


def test_submit_without_film_refused(client, edition):
    entry = factories.entry()
    client.force_login(entry.created_by)
    response = client.post(reverse("submissions:submit", args=[entry.pk]), follow=True)
    entry.refresh_from_db()
    assert entry.state == Entry.State.DRAFT
    assert "Upload the film first" in response.content.decode()


def test_submit_with_checked_film_sends_letter_in_users_language(client, edition, django_capture_on_commit_callbacks):
    entry = factories.entry()
    entry.created_by.language = "kk"
    entry.created_by.save(update_fields=["language"])
    factories.checked_film(entry)
    client.force_login(entry.created_by)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("submissions:submit", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.state == Entry.State.SUBMITTED and entry.submitted_at
    with translation.override("kk"):
        expected = translation.gettext("Submitted").lower()
    assert len(mail.outbox) == 1 and expected in mail.outbox[0].subject
    assert f"/entries/{entry.pk}/" in mail.outbox[0].body


def test_other_student_cannot_see_or_change_entry(client, edition):
    entry = factories.entry()
    other = factories.student_with_consent("astana")
    client.force_login(other)
    for name in ("submissions:entry", "submissions:edit", "submissions:film_status"):
        assert client.get(reverse(name, args=[entry.pk])).status_code == 404, name
    assert client.post(reverse("submissions:withdraw", args=[entry.pk])).status_code == 404
    entry.refresh_from_db()
    assert entry.state == Entry.State.DRAFT


def submitted_entry(region_code="astana"):
    entry = factories.entry(region_code=region_code)
    factories.checked_film(entry)
    services.entry_submit(entry=entry, user=entry.created_by)
    return entry


def test_coordinator_accepts_and_author_is_told(client, edition, django_capture_on_commit_callbacks):
    entry = submitted_entry()
    client.force_login(factories.coordinator("astana"))
    url = reverse("submissions:region_entry", args=["astana", entry.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "accept"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.state == Entry.State.ACCEPTED
    assert [m.to for m in mail.outbox] == [[entry.created_by.email]]


def test_coordinator_return_needs_reason_and_reason_is_sent(client, edition, django_capture_on_commit_callbacks):
    entry = submitted_entry()
    client.force_login(factories.coordinator("astana"))
    url = reverse("submissions:region_entry", args=["astana", entry.pk])
    response = client.post(url, {"action": "return", "reason": ""})
    assert response.status_code == 200 and response.context["return_form"].errors
    entry.refresh_from_db()
    assert entry.state == Entry.State.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "return", "reason": "Дыбыс нашар, қайта монтаждаңыз."})
    entry.refresh_from_db()
    assert entry.state == Entry.State.RETURNED and "Дыбыс нашар" in mail.outbox[-1].body
    # The authors change it and send it again.
    client.force_login(entry.created_by)
    client.post(reverse("submissions:submit", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.state == Entry.State.SUBMITTED


def test_coordinator_of_other_region_sees_nothing(client, edition):
    entry = submitted_entry("astana")
    client.force_login(factories.coordinator("almaty-city"))
    assert client.get(reverse("submissions:region_entries", args=["astana"])).status_code == 403
    assert client.get(reverse("submissions:region_entry", args=["almaty-city", entry.pk])).status_code == 404
    assert client.get(reverse("submissions:entry", args=[entry.pk])).status_code == 404
    listing = client.get(reverse("submissions:region_entries", args=["almaty-city"]))
    assert entry.title not in listing.content.decode()


def test_bulk_accept(client, edition):
    entries = [submitted_entry() for _ in range(3)]
    client.force_login(factories.coordinator("astana"))
    client.post(reverse("submissions:region_entries", args=["astana"]), {"entry": [e.pk for e in entries[:2]]})
    assert sorted(Entry.objects.values_list("state", flat=True)) == ["accepted", "accepted", "submitted"]


def test_finalists_within_quota_then_signoff_locks(client, edition, django_capture_on_commit_callbacks):
    first, second = submitted_entry(), submitted_entry()
    coordinator = factories.coordinator("astana")
    for entry in (first, second):
        services.entry_accept(entry=entry, by=coordinator)
    open_phase(edition, Phase.Kind.REGIONAL_JUDGING)
    client.force_login(coordinator)
    client.post(reverse("submissions:region_entry", args=["astana", first.pk]), {"action": "finalist"})
    response = client.post(
        reverse("submissions:region_entry", args=["astana", second.pk]), {"action": "finalist"}, follow=True
    )
    assert "quota" in response.content.decode().lower() or "квота" in response.content.decode().lower()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (Entry.State.REGIONAL_FINALIST, Entry.State.ACCEPTED)
    RegionQuota.objects.create(edition=edition, region=first.region, nomination=first.nomination, quota=2)
    client.post(reverse("submissions:region_entry", args=["astana", second.pk]), {"action": "finalist"})
    second.refresh_from_db()
    assert second.state == Entry.State.REGIONAL_FINALIST

    open_phase(edition, Phase.Kind.FINALIST_SIGNOFF)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("submissions:region_signoff", args=["astana"]))
    assert set(Entry.objects.values_list("state", flat=True)) == {Entry.State.REPUBLICAN_PARTICIPANT}
    with pytest.raises(services.EntryError) as locked:
        services.entry_set_finalist(entry=first, by=coordinator, finalist=False)
    assert locked.value.code == "signed_off"
    with pytest.raises(services.EntryError):
        services.region_signoff(edition=edition, region=first.region, by=coordinator)


def test_finalist_selection_outside_its_phase_refused(edition):
    from festival.phases import PhaseClosed

    entry = submitted_entry()
    coordinator = factories.coordinator("astana")
    services.entry_accept(entry=entry, by=coordinator)
    with pytest.raises(PhaseClosed):
        services.entry_set_finalist(entry=entry, by=coordinator, finalist=True)


def test_withdraw_by_author(client, edition):
    entry = submitted_entry()
    client.force_login(entry.created_by)
    client.post(reverse("submissions:withdraw", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.state == Entry.State.WITHDRAWN


def test_film_served_with_range_to_owner_and_coordinator_only(client, edition):
    entry = factories.entry()
    content = bytes(range(256)) * 64
    factories.checked_film(entry, content=content)
    url = reverse("submissions:film_original", args=[entry.pk])
    client.force_login(entry.created_by)
    whole = client.get(url)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == content
    assert "no-store" in whole["Cache-Control"]
    part = client.get(url, HTTP_RANGE="bytes=100-299")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-299/{len(content)}"
    assert b"".join(part.streaming_content) == content[100:300]
    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == content[-10:]
    assert client.get(url, HTTP_RANGE=f"bytes={len(content)}-").status_code == 416
    client.force_login(factories.coordinator("astana"))
    assert client.get(url).status_code == 200
    for outsider in (factories.coordinator("shymkent"), factories.student_with_consent(), factories.juror()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_film_served_by_nginx_in_production(client, edition, settings):
    settings.PRIVATE_MEDIA_ACCEL_PREFIX = "/protected/"
    entry = factories.entry()
    film = factories.checked_film(entry)
    client.force_login(entry.created_by)
    response = client.get(reverse("submissions:film_original", args=[entry.pk]))
    assert response["X-Accel-Redirect"] == "/protected/" + film.file and response.content == b""


def test_private_files_have_no_public_url(edition):
    from submissions.storage import private_storage

    with pytest.raises(ValueError):
        private_storage().url("films/1/film.mp4")


def entry_with_two_films(region_code="astana", coauthor=None):
    """A submitted entry with two authors (`coauthor` the second, if given) and a replacement being checked."""
    from submissions.models import EntryAuthor, Film

    entry = submitted_entry(region_code)
    EntryAuthor.objects.create(
        entry=entry, participant=coauthor or factories.participant(region_code=region_code), role="camera"
    )
    Film.objects.create(entry=entry, file=f"films/{entry.pk}/next.mp4", size=1, original_name="next.mp4")
    return entry


def test_region_entries_query_count_does_not_grow_with_the_films(client, edition):
    client.force_login(factories.coordinator("astana"))
    url = reverse("submissions:region_entries", args=["astana"])
    entry_with_two_films()
    one, _page = page_queries(client, url)
    for _ in range(2):
        entry_with_two_films()
    three, page = page_queries(client, url)
    assert page.content.decode().count('data-testid="region-entry"') == 3
    assert len(three) == len(one)


def test_my_entries_query_count_does_not_grow_with_the_films(client, edition):
    student = factories.student_with_consent()
    client.force_login(student)
    entries = [entry_with_two_films(coauthor=student.participant)]
    one, _page = page_queries(client, reverse("submissions:mine"))
    entries += [entry_with_two_films(coauthor=student.participant) for _ in range(2)]
    three, page = page_queries(client, reverse("submissions:mine"))
    body = page.content.decode()
    assert all(f'href="{reverse("submissions:entry", args=[entry.pk])}"' in body for entry in entries)
    assert len(three) == len(one)


def test_region_entries_show_the_film_in_effect(client, edition):
    from submissions.models import Film

    entry = entry_with_two_films()
    # The film that passed is the one in effect: its duplicate mark shows, not the replacement's.
    other = factories.checked_film(factories.entry(region_code="shymkent"))
    Film.objects.filter(entry=entry, status=Film.Status.OK).update(duplicate_of=other)
    client.force_login(factories.coordinator("astana"))
    body = client.get(reverse("submissions:region_entries", args=["astana"])).content.decode()
    assert body.count('data-testid="region-entry"') == 1 and "same file sent twice" in body


def test_region_entries_search_by_author_finds_an_entry_once(client, edition):
    entry = submitted_entry()
    supervisor = factories.SupervisorFactory()
    for first_name in ("Айгерим", "Арман"):
        author = factories.participant(supervisor=supervisor)
        author.last_name, author.first_name = "Сейткали", first_name
        author.save(update_fields=["last_name", "first_name"])
        entry.authors.create(participant=author, role="acting")
    client.force_login(factories.coordinator("astana"))
    body = client.get(reverse("submissions:region_entries", args=["astana"]), {"q": "Сейтк"}).content.decode()
    assert body.count('data-testid="region-entry"') == 1 and "Айгерим" in body and "Арман" in body


def test_student_cannot_review(client, edition):
    entry = submitted_entry()
    client.force_login(entry.created_by)
    response = client.post(reverse("submissions:region_entry", args=["astana", entry.pk]), {"action": "accept"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.state == Entry.State.SUBMITTED


def _picture(image_format, size=(800, 600)):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, image_format)
    return buffer.getvalue()


def test_cover_picture_reencoded_with_thumbnail(client, edition):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from submissions.storage import private_storage

    entry = factories.entry()
    client.force_login(entry.created_by)
    upload = SimpleUploadedFile("poster.png", _picture("PNG"))
    client.post(reverse("submissions:cover_upload", args=[entry.pk]), {"picture": upload})
    entry.refresh_from_db()
    storage = private_storage()
    with storage.open(entry.cover) as cover, storage.open(entry.cover_thumbnail) as thumbnail:
        big, small = Image.open(cover), Image.open(thumbnail)
        assert big.format == small.format == "JPEG" and max(small.size) < max(big.size)
    response = client.get(reverse("submissions:cover_thumbnail", args=[entry.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(("name", "content"), [("poster.gif", "GIF"), ("poster.png", b"<html></html>")])
def test_cover_picture_bad_input_refused_with_message(client, edition, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    entry = factories.entry()
    client.force_login(entry.created_by)
    data = _picture(content) if isinstance(content, str) else content
    response = client.post(
        reverse("submissions:cover_upload", args=[entry.pk]), {"picture": SimpleUploadedFile(name, data)}, follow=True
    )
    entry.refresh_from_db()
    assert entry.cover == ""
    assert "JPEG, PNG or WebP" in response.content.decode()


def test_cover_picture_bomb_refused(client, edition):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.videos import png_bomb

    entry = factories.entry()
    client.force_login(entry.created_by)
    bomb = png_bomb()
    client.post(reverse("submissions:cover_upload", args=[entry.pk]), {"picture": SimpleUploadedFile("a.png", bomb)})
    entry.refresh_from_db()
    assert entry.cover == ""


def test_cover_picture_of_someone_elses_entry_refused(client, edition):
    from django.core.files.uploadedfile import SimpleUploadedFile

    entry = factories.entry()
    client.force_login(factories.student_with_consent())
    response = client.post(
        reverse("submissions:cover_upload", args=[entry.pk]),
        {"picture": SimpleUploadedFile("p.png", _picture("PNG"))},
    )
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.cover == ""


def test_coauthor_cannot_withdraw(client, edition):
    from submissions.models import EntryAuthor

    entry = submitted_entry()
    coauthor = factories.student_with_consent()
    EntryAuthor.objects.create(entry=entry, participant=coauthor.participant, role=EntryAuthor.Role.ACTING)
    client.force_login(coauthor)
    assert client.post(reverse("submissions:withdraw", args=[entry.pk])).status_code == 403
    entry.refresh_from_db()
    assert entry.state == Entry.State.SUBMITTED


def test_letters_keep_punctuation_as_typed(edition, django_capture_on_commit_callbacks):
    entry = factories.entry(title="Том & Джерри's «день»")
    factories.checked_film(entry)
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_submit(entry=entry, user=entry.created_by)
    assert "Том & Джерри's «день»" in mail.outbox[0].subject + mail.outbox[0].body
    assert "&amp;" not in mail.outbox[0].body and "&#x27;" not in mail.outbox[0].body


def test_link_instead_of_file_where_the_edition_allows(client, edition):
    edition.allow_external_links = True
    edition.save(update_fields=["allow_external_links"])
    student = factories.student_with_consent()
    client.force_login(student)
    data = entry_form_data(edition, student, external_url="youtu.be/abc123")
    assert client.post(reverse("submissions:create"), data).status_code == 302
    entry = Entry.objects.get()
    assert entry.external_url == "https://youtu.be/abc123"
    client.post(reverse("submissions:submit", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.state == Entry.State.SUBMITTED


def test_link_ignored_where_the_edition_wants_files(client, edition):
    student = factories.student_with_consent()
    client.force_login(student)
    client.post(reverse("submissions:create"), entry_form_data(edition, student, external_url="https://x.kz/v"))
    entry = Entry.objects.get()
    assert entry.external_url == ""
    client.post(reverse("submissions:submit", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.state == Entry.State.DRAFT


def test_region_entries_in_pages_of_fifty_with_the_filters_kept(client, edition):
    entries = [submitted_entry() for _ in range(53)]
    for i, entry in enumerate(entries):
        entry.title = f"Фильм {i:03d}"
        Entry.objects.filter(pk=entry.pk).update(title=entry.title)
    nomination = entries[0].nomination
    assert {entry.nomination_id for entry in entries} == {nomination.pk}
    client.force_login(factories.coordinator("astana"))
    url = reverse("submissions:region_entries", args=["astana"])
    first = client.get(url, {"state": "submitted", "nomination": nomination.pk}).content.decode()
    assert first.count('data-testid="region-entry"') == 50
    assert ">1 / 2<" in first
    assert f"?state=submitted&amp;nomination={nomination.pk}&amp;page=2" in first
    second = client.get(url, {"state": "submitted", "nomination": nomination.pk, "page": 2}).content.decode()
    assert second.count('data-testid="region-entry"') == 3
    shown = set(re.findall(r"Фильм \d{3}", first)) | set(re.findall(r"Фильм \d{3}", second))
    assert shown == {entry.title for entry in entries}
    # With a filter the counts by state and nomination cannot answer, counted by a query of its own.
    assert entries[0].school_id is not None
    Entry.objects.filter(pk__in=[entry.pk for entry in entries]).update(school=entries[0].school_id)
    by_school = client.get(url, {"school": entries[0].school_id, "page": 2}).content.decode()
    assert by_school.count('data-testid="region-entry"') == 3
    assert ">2 / 2<" in by_school
    assert set(re.findall(r"Фильм \d{3}", by_school)) == set(re.findall(r"Фильм \d{3}", second))


def test_outcome_set_only_on_entries_in_the_republican_stage(edition):
    finalist, other = submitted_entry(), submitted_entry()
    Entry.objects.filter(pk=finalist.pk).update(state=Entry.State.REPUBLICAN_PARTICIPANT)
    ids = {finalist.pk, other.pk}
    assert services.entry_outcome_set(ids=ids, outcome=Entry.State.AWARDED) == 1
    assert dict(Entry.objects.values_list("pk", "state")) == {
        finalist.pk: Entry.State.AWARDED,
        other.pk: Entry.State.SUBMITTED,
    }
    assert services.entry_outcome_set(ids=ids, outcome=None) == 1
    assert Entry.objects.get(pk=finalist.pk).state == Entry.State.REPUBLICAN_PARTICIPANT
    with pytest.raises(ValueError):
        services.entry_outcome_set(ids=ids, outcome=Entry.State.ACCEPTED)
