"""Cases found in review: a good film is kept when its replacement fails, late uploads, returned entries
after the submission phase, edits by co-authors and staff, another region's duplicate."""

import datetime
import shutil

import pytest
from django.urls import reverse
from django.utils import timezone

from festival.models import Phase
from submissions import services, tasks
from submissions.models import Entry, EntryAuthor, Film, Upload
from submissions.storage import private_storage, upload_path
from tests import factories, videos

pytestmark = pytest.mark.django_db


def upload_file(entry, path):
    """What a finished tus upload leaves behind, then the worker's check (run here, inline)."""
    upload = services.upload_create(entry=entry, user=entry.created_by, length=path.stat().st_size, filename=path.name)
    shutil.copyfile(path, upload_path(upload.pk))
    film = services.upload_complete(upload=upload)
    tasks.check_film(film.pk)
    return Film.objects.filter(pk=film.pk).first()


def test_good_film_stays_when_its_replacement_is_refused(edition, tmp_path):
    entry = factories.entry()
    good = upload_file(entry, videos.mp4(tmp_path, "good.mp4"))
    assert good.status == Film.Status.OK
    bad = upload_file(entry, videos.web_page(tmp_path, "page.mp4"))
    assert bad.status == Film.Status.REJECTED
    entry = Entry.objects.get(pk=entry.pk)
    assert entry.film == good and entry.latest_film == bad
    assert private_storage().exists(good.file) and not private_storage().exists(bad.file)
    services.entry_submit(entry=entry, user=entry.created_by)  # the good film still counts


def test_passed_replacement_takes_over_and_old_files_go(edition, tmp_path, django_capture_on_commit_callbacks):
    entry = factories.entry()
    first = upload_file(entry, videos.mp4(tmp_path, "one.mp4"))
    with django_capture_on_commit_callbacks(execute=True):
        second = upload_file(entry, videos.mp4(tmp_path, "two.mp4", seconds=3))
    assert list(Film.objects.filter(entry=entry)) == [second]
    assert not private_storage().exists(first.file) and not private_storage().exists(first.poster)
    assert Entry.objects.get(pk=entry.pk).film == second


def test_upload_finishing_after_submit_is_refused(edition, tmp_path, django_capture_on_commit_callbacks):
    entry = factories.entry()
    upload_file(entry, videos.mp4(tmp_path, "good.mp4"))
    late = services.upload_create(entry=entry, user=entry.created_by, length=10, filename="late.mp4")
    services.entry_submit(entry=Entry.objects.get(pk=entry.pk), user=entry.created_by)
    upload_path(late.pk).write_bytes(b"0123456789")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.EntryError):
        services.upload_complete(upload=late)
    assert Film.objects.filter(entry=entry).count() == 1
    assert not Upload.objects.filter(pk=late.pk).exists()
    assert not any(str(late.pk) in name for name in private_storage().listdir(f"films/{entry.pk}")[1])


def test_returned_entry_can_be_fixed_after_the_submission_phase(client, edition):
    entry = factories.entry()
    factories.checked_film(entry)
    services.entry_submit(entry=entry, user=entry.created_by)
    services.entry_return(entry=entry, by=factories.coordinator("astana"), reason="Звук тихий")
    now = timezone.now()
    edition.phases.filter(kind=Phase.Kind.REGIONAL_SUBMISSION).update(
        starts_at=now - datetime.timedelta(days=10), ends_at=now - datetime.timedelta(days=1)
    )
    edition.phases.filter(kind=Phase.Kind.REGIONAL_JUDGING).update(
        starts_at=now - datetime.timedelta(days=1), ends_at=now + datetime.timedelta(days=5)
    )
    client.force_login(entry.created_by)
    assert client.get(reverse("submissions:edit", args=[entry.pk])).status_code == 200
    client.post(reverse("submissions:submit", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.state == Entry.State.SUBMITTED
    # A new entry cannot be started any more.
    assert client.get(reverse("submissions:create")).status_code == 403


def test_coauthor_edit_keeps_the_team(client, edition):
    supervisor = factories.SupervisorFactory()
    entry = factories.entry(supervisor=supervisor)
    coauthor = factories.student_with_consent("astana")
    EntryAuthor.objects.create(entry=entry, participant=coauthor.participant, role=EntryAuthor.Role.ACTING)
    client.force_login(coauthor)
    page = client.get(reverse("submissions:edit", args=[entry.pk]))
    data = {name: field.value() or "" for name, field in ((f.name, f) for f in page.context["form"])}
    data.update(title="Новое название", age_group=edition.age_groups.get(min_age=11).pk)
    response = client.post(reverse("submissions:edit", args=[entry.pk]), data)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.title == "Новое название" and entry.authors.count() == 2
    assert entry.region.code == "astana" and list(entry.supervisors.all()) == [supervisor]


def test_organizer_edit_keeps_region_and_school(client, edition):
    entry = factories.entry(region_code="shymkent")
    school = entry.school
    client.force_login(factories.organizer())
    page = client.get(reverse("submissions:edit", args=[entry.pk]))
    data = {f.name: f.value() or "" for f in page.context["form"]}
    data.update(title="Правка организатора", age_group=edition.age_groups.get(min_age=11).pk)
    assert client.post(reverse("submissions:edit", args=[entry.pk]), data).status_code == 302
    entry.refresh_from_db()
    assert (entry.title, entry.region.code, entry.school) == ("Правка организатора", "shymkent", school)


def test_duplicate_from_another_region_is_not_named(client, edition, tmp_path):
    source = videos.mp4(tmp_path, "same.mp4")
    other = factories.entry(region_code="shymkent", title="Секретное название")
    upload_file(other, source)
    mine = factories.entry(region_code="astana")
    film = upload_file(mine, source)
    assert film.duplicate_of is not None
    services.entry_submit(entry=Entry.objects.get(pk=mine.pk), user=mine.created_by)
    client.force_login(factories.coordinator("astana"))
    body = client.get(reverse("submissions:region_entry", args=["astana", mine.pk])).content.decode()
    assert "Секретное название" not in body and 'data-testid="duplicate"' in body


def test_film_in_effect_is_the_newest_that_passed_else_the_newest(edition):
    entry = factories.entry()

    def preview():
        film = Entry.objects.prefetch_related("films").get(pk=entry.pk).film
        return film and film.preview

    assert preview() is None
    make = dict(entry=entry, size=10, original_name="f.mp4")
    Film.objects.create(**make, file="films/a.mp4", status=Film.Status.REJECTED, preview="previews/a.mp4")
    assert preview() == "previews/a.mp4"  # none passed: the newest
    Film.objects.create(**make, file="films/b.mp4", status=Film.Status.OK, preview="previews/b.mp4")
    Film.objects.create(**make, file="films/c.mp4", status=Film.Status.CHECKING)
    assert preview() == "previews/b.mp4"  # the newest that passed, not the replacement being checked
