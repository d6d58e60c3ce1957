"""The film uploader's tus endpoint: creation, resuming, checksums, locking, termination, expiry and access."""

import base64
import datetime
import fcntl
import hashlib
import http.client
import io
import os
import threading
import time
import tracemalloc
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from submissions import services, tus
from submissions.models import Entry, Film, Upload
from submissions.storage import private_storage, upload_path
from tests import factories

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


@pytest.fixture(autouse=True)
def queued_checks(monkeypatch):
    """The film check is another part of the system: here it is only recorded as queued."""
    queued = []
    monkeypatch.setattr("submissions.tasks.check_film.delay", lambda *args: queued.append(args))
    return queued


def make_entry(edition, user, title="Наш двор"):
    return Entry.objects.create(
        edition=edition,
        nomination=edition.nominations.get(code="tv-story"),
        title=title,
        language="ru",
        region=factories.region("astana"),
        created_by=user,
    )


@pytest.fixture
def student(db):
    return factories.student_with_consent()


@pytest.fixture
def entry(edition, student):
    return make_entry(edition, student)


def signed_in(user, **defaults):
    # Messages in English unless a test asks otherwise: /tus/ has no language prefix, so the header decides.
    client = Client(HTTP_ACCEPT_LANGUAGE="en", **defaults)
    client.force_login(user)
    return client


@pytest.fixture
def client(student):
    return signed_in(student)


def encode_metadata(**values):
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items())


def create(client, entry, length, filename="film.mp4", **headers):
    metadata = encode_metadata(entry=str(entry.pk), filename=filename, filetype="video/mp4")
    return client.generic(
        "POST",
        reverse("tus:collection"),
        headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata, **headers},
    )


def created(client, entry, length, **kwargs):
    response = create(client, entry, length, **kwargs)
    assert response.status_code == 201, response.content
    return response["Location"]


def patch(client, url, offset, body, **headers):
    headers = {**TUS, "Upload-Offset": str(offset), "Content-Type": OCTETS, **headers}
    return client.generic("PATCH", url, body, headers=headers)


def patch_stream(client, url, offset, stream, content_length, **headers):
    """A PATCH whose body is read from `stream`, never held in memory; Content-Length may promise more."""
    headers = {**TUS, "Upload-Offset": str(offset), "Content-Type": OCTETS, **headers}
    extra = {"wsgi.input": stream, "CONTENT_LENGTH": str(content_length)}
    return client.generic("PATCH", url, headers=headers, **extra)


def head(client, url, **headers):
    return client.head(url, headers={**TUS, **headers})


def data_file(url):
    return upload_path(url.rstrip("/").rsplit("/", 1)[-1])


def checksum(algorithm, body):
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, body).digest()).decode()}"


def upload_area_files(settings):
    root = Path(settings.UPLOAD_TEMP_ROOT)
    return list(root.iterdir()) if root.exists() else []


# ---------------------------------------------------------------- the whole journey


def test_upload_in_pieces_becomes_the_entry_film(client, entry, queued_checks, django_capture_on_commit_callbacks):
    film_bytes = os.urandom(3 * MIB + 123)
    response = create(client, entry, len(film_bytes), filename="Наш двор.MP4")
    assert response.status_code == 201
    assert response["Tus-Resumable"] == "1.0.0"
    url = response["Location"]
    assert url.startswith("http://testserver/tus/")
    assert response["Upload-Expires"].endswith(" GMT")
    assert data_file(url).stat().st_size == 0

    response = head(client, url)
    assert response.status_code == 200
    assert (response["Upload-Offset"], response["Upload-Length"]) == ("0", str(len(film_bytes)))
    assert response["Cache-Control"] == "no-store"
    assert "filename " + base64.b64encode("Наш двор.MP4".encode()).decode() in response["Upload-Metadata"]

    offset = 0
    with django_capture_on_commit_callbacks(execute=True):
        while offset < len(film_bytes):
            piece = film_bytes[offset : offset + MIB]
            response = patch(client, url, offset, piece)
            assert response.status_code == 204, response.content
            assert response["Tus-Resumable"] == "1.0.0"
            offset += len(piece)
            assert response["Upload-Offset"] == str(offset)

    assert Upload.objects.get().completed_at is not None
    assert not data_file(url).exists()
    film = Film.objects.get(entry=entry)
    assert (film.size, film.original_name, film.status) == (len(film_bytes), "Наш двор.MP4", Film.Status.CHECKING)
    assert film.file.endswith(".mp4")
    assert Path(private_storage().path(film.file)).read_bytes() == film_bytes
    assert queued_checks == [(film.pk,)]
    response = head(client, url)
    assert response.status_code == 200
    assert response["Upload-Offset"] == response["Upload-Length"] == str(len(film_bytes))


def test_options_describes_the_server(edition):
    response = Client().options(reverse("tus:collection"))
    assert response.status_code == 204
    assert response["Tus-Resumable"] == response["Tus-Version"] == "1.0.0"
    assert response["Tus-Extension"] == "creation,expiration,checksum,termination"
    assert response["Tus-Checksum-Algorithm"] == "sha1,md5,sha256"
    largest = max(n.max_file_size_bytes for n in edition.nominations.all())
    assert response["Tus-Max-Size"] == str(largest)


def test_options_on_upload_needs_no_version_header(client, entry):
    url = created(client, entry, 10)
    response = client.options(url)
    assert response.status_code == 204
    assert response["Tus-Extension"] == "creation,expiration,checksum,termination"


# ---------------------------------------------------------------- creation


def test_create_too_large_refused_with_size_and_limit(client, entry, settings):
    response = create(client, entry, 2 * 1024 * MIB + 1)
    assert response.status_code == 413
    assert response["Tus-Resumable"] == "1.0.0"
    assert response.content.decode() == "The file is 2.1 GB; the limit for «TV story» is 2 GB."
    assert not Upload.objects.exists()
    assert upload_area_files(settings) == []


def test_create_too_large_message_in_reader_language(client, entry, student):
    # /tus/ has no language prefix: the language the person chose on the site is used.
    student.language = "ru"
    student.save(update_fields=["language"])
    response = create(client, entry, int(2.3 * 1024 * MIB), **{"Accept-Language": "en"})
    assert response.status_code == 413
    text = response.content.decode()
    assert "«Телевизионный сюжет»" in text
    assert "2,3\xa0ГБ" in text or "2,3 ГБ" in text
    assert "2\xa0ГБ" in text or "2 ГБ" in text


def test_create_at_the_limit_accepted(client, entry):
    assert create(client, entry, 2 * 1024 * MIB).status_code == 201


def test_create_wrong_extension_refused(client, entry, settings):
    response = create(client, entry, 1000, filename="film.exe")
    assert response.status_code == 415
    assert response.content.decode() == (
        "Files of this type are not accepted for «TV story». Allowed formats: mp4, mov, webm, mkv."
    )
    assert not Upload.objects.exists()
    assert upload_area_files(settings) == []


def test_create_without_filename_refused(client, entry):
    response = client.generic(
        "POST",
        reverse("tus:collection"),
        headers={**TUS, "Upload-Length": "10", "Upload-Metadata": encode_metadata(entry=str(entry.pk))},
    )
    assert response.status_code == 415


@pytest.mark.parametrize("length", [None, "", "-1", "abc", "1.5", "١٢"])
def test_create_bad_length_refused(client, entry, length):
    headers = {**TUS, "Upload-Metadata": encode_metadata(entry=str(entry.pk), filename="film.mp4")}
    if length is not None:
        headers["Upload-Length"] = length
    response = client.generic("POST", reverse("tus:collection"), headers=headers)
    assert response.status_code == 400
    assert not Upload.objects.exists()


def test_create_empty_file_refused(client, entry):
    assert create(client, entry, 0).status_code == 400


@pytest.mark.parametrize("metadata", ["entry", "entry !!!", "entry MQ==,entry MQ==", "entry MQ== x", "filename //4="])
def test_create_bad_metadata_refused(client, entry, metadata):
    response = client.generic(
        "POST", reverse("tus:collection"), headers={**TUS, "Upload-Length": "10", "Upload-Metadata": metadata}
    )
    assert response.status_code == 400


def test_create_missing_entry_is_404(client, entry):
    metadata = encode_metadata(entry=str(entry.pk + 1000), filename="film.mp4")
    response = client.generic(
        "POST", reverse("tus:collection"), headers={**TUS, "Upload-Length": "10", "Upload-Metadata": metadata}
    )
    assert response.status_code == 404


def test_create_on_another_users_entry_is_not_found(edition, entry):
    # Somebody else's entry answers as one that does not exist: the answer tells nothing of which ids exist.
    stranger = signed_in(factories.student_with_consent())
    response = create(stranger, entry, 1000)
    missing = create(stranger, Entry(pk=entry.pk + 1000), 1000)
    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content
    assert not Upload.objects.exists()
    # The region's coordinator sees the entry but uploads nothing to it: that is said plainly.
    assert create(signed_in(factories.coordinator("astana")), entry, 1000).status_code == 403


def test_create_anonymous_forbidden(entry):
    response = create(Client(), entry, 1000)
    assert response.status_code == 403
    assert response["Tus-Resumable"] == "1.0.0"
    assert not Upload.objects.exists()


def test_create_outside_submission_phase_forbidden(student):
    past = factories.closed_edition()
    entry = make_entry(past, student)
    response = create(signed_in(student), entry, 1000)
    assert response.status_code == 403
    assert response.content.decode().startswith("Films are accepted from ")
    assert not Upload.objects.exists()


def test_create_submitted_entry_forbidden(client, entry):
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.SUBMITTED)
    assert create(client, entry, 1000).status_code == 403


def test_request_without_version_header_refused(client, entry):
    metadata = encode_metadata(entry=str(entry.pk), filename="film.mp4")
    response = client.generic(
        "POST", reverse("tus:collection"), headers={"Upload-Length": "10", "Upload-Metadata": metadata}
    )
    assert response.status_code == 412
    assert response["Tus-Version"] == "1.0.0"
    assert response["Tus-Resumable"] == "1.0.0"
    assert not Upload.objects.exists()
    url = created(client, entry, 10)
    assert client.generic("PATCH", url, b"x", headers={"Upload-Offset": "0", "Content-Type": OCTETS}).status_code == 412


def test_csrf_token_required(student, entry):
    browser = signed_in(student, enforce_csrf_checks=True)
    assert create(browser, entry, 10).status_code == 403
    assert not Upload.objects.exists()
    token = "k" * 32
    browser.cookies["csrftoken"] = token
    url = created(browser, entry, 10, **{"X-CSRFToken": token})
    assert patch(browser, url, 0, b"0123456789").status_code == 403
    assert patch(browser, url, 0, b"0123456789", **{"X-CSRFToken": token}).status_code == 204


def test_method_override_only_from_post(client, entry):
    url = created(client, entry, 20)
    response = client.generic(
        "POST",
        url,
        b"0123456789",
        content_type=OCTETS,
        headers={**TUS, "Upload-Offset": "0", "X-HTTP-Method-Override": "PATCH"},
    )
    assert response.status_code == 204
    assert response["Upload-Offset"] == "10"
    response = client.get(url, headers={**TUS, "X-HTTP-Method-Override": "DELETE"})
    assert response.status_code == 405
    assert Upload.objects.exists()


# ---------------------------------------------------------------- appending


def test_patch_wrong_offset_conflict_leaves_file(client, entry):
    url = created(client, entry, 100)
    assert patch(client, url, 0, b"a" * 40).status_code == 204
    response = patch(client, url, 20, b"b" * 40)
    assert response.status_code == 409
    assert response["Tus-Resumable"] == "1.0.0"
    assert data_file(url).read_bytes() == b"a" * 40
    assert head(client, url)["Upload-Offset"] == "40"


def test_patch_wrong_content_type_refused(client, entry):
    url = created(client, entry, 100)
    response = client.generic(
        "PATCH", url, b"a" * 10, content_type="application/octet-stream", headers={**TUS, "Upload-Offset": "0"}
    )
    assert response.status_code == 415
    assert data_file(url).read_bytes() == b""


def test_patch_without_offset_refused(client, entry):
    url = created(client, entry, 100)
    response = client.generic("PATCH", url, b"a", headers={**TUS, "Content-Type": OCTETS})
    assert response.status_code == 400


def test_patch_beyond_length_refused_whole(client, entry):
    url = created(client, entry, 10)
    assert patch(client, url, 0, b"a" * 4).status_code == 204
    response = patch(client, url, 4, b"b" * 7)
    assert response.status_code == 400
    assert data_file(url).read_bytes() == b"a" * 4
    assert head(client, url)["Upload-Offset"] == "4"


def test_patch_chunked_body_refused(client, entry):
    url = created(client, entry, 100)
    response = patch(client, url, 0, b"a" * 10, **{"Transfer-Encoding": "chunked"})
    assert response.status_code == 411
    assert data_file(url).read_bytes() == b""


def test_empty_patch_at_the_end_completes_a_stalled_upload(client, entry, student):
    # Every byte is recorded but the upload never became a film (the move into private storage failed, say):
    # the client's retried last PATCH, with nothing left to send, completes it.
    upload = services.upload_create(entry=entry, user=student, length=10, filename="film.mp4")
    upload_path(upload.pk).write_bytes(b"0123456789")
    Upload.objects.filter(pk=upload.pk).update(offset=10)
    response = patch(client, reverse("tus:resource", args=[upload.pk]), 10, b"")
    assert response.status_code == 204
    assert response["Upload-Offset"] == "10"
    film = Film.objects.get(entry=entry)
    assert Path(private_storage().path(film.file)).read_bytes() == b"0123456789"
    assert Upload.objects.get().completed_at is not None


def test_patch_wrong_checksum_keeps_nothing_then_retry_succeeds(client, entry):
    url = created(client, entry, 100)
    assert patch(client, url, 0, b"a" * 30).status_code == 204
    piece = b"b" * 30
    response = patch(client, url, 30, piece, **{"Upload-Checksum": checksum("sha1", b"c" * 30)})
    assert response.status_code == 460
    assert response["Tus-Resumable"] == "1.0.0"
    assert data_file(url).read_bytes() == b"a" * 30
    assert head(client, url)["Upload-Offset"] == "30"
    response = patch(client, url, 30, piece, **{"Upload-Checksum": checksum("sha1", piece)})
    assert response.status_code == 204
    assert response["Upload-Offset"] == "60"
    assert data_file(url).read_bytes() == b"a" * 30 + piece


@pytest.mark.parametrize("algorithm", ["sha1", "md5", "sha256"])
def test_patch_checksum_algorithms_accepted(client, entry, algorithm):
    url = created(client, entry, 100)
    piece = os.urandom(50)
    response = patch(client, url, 0, piece, **{"Upload-Checksum": checksum(algorithm, piece)})
    assert response.status_code == 204
    assert data_file(url).read_bytes() == piece


@pytest.mark.parametrize("header", ["crc32 AAAAAA==", "sha1", "sha1 not-base64!", "sha256 " + "A" * 8])
def test_patch_unusable_checksum_refused(client, entry, header):
    url = created(client, entry, 100)
    response = patch(client, url, 0, b"a" * 10, **{"Upload-Checksum": header})
    assert response.status_code == 400
    assert data_file(url).read_bytes() == b""


def test_patch_while_locked_answers_423(client, entry):
    url = created(client, entry, 100)
    upload = Upload.objects.get()
    with tus.hold_upload(upload.pk):
        response = patch(client, url, 0, b"a" * 10)
    assert response.status_code == 423
    assert response["Tus-Resumable"] == "1.0.0"
    assert data_file(url).read_bytes() == b""
    assert patch(client, url, 0, b"a" * 10).status_code == 204


def test_stranger_learns_nothing_of_an_upload_being_written(client, entry):
    url = created(client, entry, 100)
    stranger = signed_in(factories.student_with_consent())
    with tus.hold_upload(Upload.objects.get().pk):
        assert patch(stranger, url, 0, b"b" * 10).status_code == 404
        assert patch(client, url, 0, b"a" * 10).status_code == 423
    assert data_file(url).read_bytes() == b""


def test_last_piece_reads_the_row_once_and_makes_the_film(client, entry, django_capture_on_commit_callbacks):
    # The row read under the lock, then the film made with the row marked complete in one transaction: no second
    # read of the offset, no update of it of its own.
    url = created(client, entry, 20)
    assert patch(client, url, 0, b"a" * 10).status_code == 204
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as queries:
        response = patch(client, url, 10, b"b" * 10)
    assert response.status_code == 204
    statements = [query["sql"].split(" ", 1)[0] for query in queries if "submissions_" in query["sql"]]
    assert statements == ["SELECT", "SELECT", "UPDATE", "INSERT"], statements
    film = Film.objects.get(entry=entry)
    assert Path(private_storage().path(film.file)).read_bytes() == b"a" * 10 + b"b" * 10
    upload = Upload.objects.get()
    assert (upload.offset, upload.length) == (20, 20)


def test_completing_a_terminated_upload_makes_no_film(entry, student, django_capture_on_commit_callbacks):
    # The row as the last PATCH read it, then terminated (row and file) before the file could be moved.
    upload = services.upload_create(entry=entry, user=student, length=10, filename="film.mp4")
    upload_path(upload.pk).write_bytes(b"0123456789")
    services.upload_delete(upload=Upload.objects.get(pk=upload.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.upload_complete(upload=upload) is None
    assert not Film.objects.exists()
    assert not private_storage().exists(f"films/{entry.pk}/{upload.pk}.mp4")


def test_film_kept_when_the_row_goes_after_the_move(entry, student, monkeypatch):
    # A retried last PATCH finds the file already moved and ends the row: the film the first one made stays.
    upload = services.upload_create(entry=entry, user=student, length=10, filename="film.mp4")
    upload_path(upload.pk).write_bytes(b"0123456789")
    moved = services.put_file

    def move_then_lose_the_row(*args, **kwargs):
        name = moved(*args, **kwargs)
        Upload.objects.filter(pk=upload.pk).delete()
        return name

    monkeypatch.setattr(services, "put_file", move_then_lose_the_row)
    film = services.upload_complete(upload=upload)
    assert Film.objects.get() == film
    assert Path(private_storage().path(film.file)).read_bytes() == b"0123456789"


def test_patch_lock_is_taken_on_the_data_file(entry, student):
    # Any process locking the data file the same way (another worker, a maintenance script) excludes the view.
    upload = services.upload_create(entry=entry, user=student, length=10, filename="film.mp4")
    with open(upload_path(upload.pk), "rb") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(tus.UploadBusy), tus.hold_upload(upload.pk):
            pass
    with tus.hold_upload(upload.pk):
        pass


def test_resume_after_dropped_connection(client, entry, django_capture_on_commit_callbacks):
    film_bytes = os.urandom(3 * MIB)
    url = created(client, entry, len(film_bytes))
    arrived = MIB + MIB // 2
    # The client promised the whole file, then the connection broke after a part of it.
    response = patch_stream(client, url, 0, io.BytesIO(film_bytes[:arrived]), len(film_bytes))
    assert response.status_code == 204
    assert response["Upload-Offset"] == str(arrived)
    assert head(client, url)["Upload-Offset"] == str(arrived)
    assert data_file(url).read_bytes() == film_bytes[:arrived]

    with django_capture_on_commit_callbacks(execute=True):
        response = patch(client, url, arrived, film_bytes[arrived:])
    assert response.status_code == 204
    film = Film.objects.get(entry=entry)
    assert Path(private_storage().path(film.file)).read_bytes() == film_bytes


def test_dropped_connection_with_checksum_keeps_nothing(client, entry):
    film_bytes = os.urandom(2 * MIB)
    url = created(client, entry, len(film_bytes))
    assert patch(client, url, 0, film_bytes[:100]).status_code == 204
    rest = film_bytes[100:]
    response = patch_stream(
        client, url, 100, io.BytesIO(rest[: MIB + 7]), len(rest), **{"Upload-Checksum": checksum("sha256", rest)}
    )
    assert response.status_code == 400
    assert head(client, url)["Upload-Offset"] == "100"
    assert data_file(url).read_bytes() == film_bytes[:100]


def test_patch_without_fadvise_and_fdatasync_syncs_each_piece_before_recording_it(client, entry, monkeypatch):
    """macOS has neither os.posix_fadvise nor os.fdatasync: each piece is written, then fsynced before its
    offset is recorded."""
    monkeypatch.delattr(os, "posix_fadvise", raising=False)
    monkeypatch.delattr(os, "fdatasync", raising=False)
    synced = []  # (bytes in the file, offset on record) at each sync
    fsync = os.fsync

    def recording_fsync(descriptor):
        synced.append((os.fstat(descriptor).st_size, Upload.objects.get().offset))
        fsync(descriptor)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    film_bytes = os.urandom(3 * MIB)
    url = created(client, entry, len(film_bytes))
    for offset, end in ((0, MIB + 5), (MIB + 5, 2 * MIB)):
        response = patch(client, url, offset, film_bytes[offset:end])
        assert response.status_code == 204, response.content
        assert response["Upload-Offset"] == str(end)
    assert synced == [(MIB + 5, 0), (2 * MIB, MIB + 5)]
    assert data_file(url).read_bytes() == film_bytes[: 2 * MIB]


def test_patch_memory_stays_flat_for_large_body(client, entry, tmp_path):
    size = 64 * MIB
    source = tmp_path / "film.mp4"
    digest = hashlib.sha256()
    with open(source, "wb") as out:
        for _ in range(size // MIB):
            block = os.urandom(MIB)
            digest.update(block)
            out.write(block)
    url = created(client, entry, size)
    upload_checksum = f"sha256 {base64.b64encode(digest.digest()).decode()}"

    with open(source, "rb") as body:
        tracemalloc.start()
        try:
            response = patch_stream(client, url, 0, body, size, **{"Upload-Checksum": upload_checksum})
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert response.status_code == 204, response.content
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB"
    film = Film.objects.get(entry=entry)
    stored = hashlib.sha256()
    with open(private_storage().path(film.file), "rb") as saved:
        while block := saved.read(MIB):
            stored.update(block)
    assert stored.digest() == digest.digest()


# ---------------------------------------------------------------- termination, expiry, access


def test_finished_upload_answers_until_it_expires(client, entry, django_capture_on_commit_callbacks):
    # A phone lost the answer to its last PATCH: asking again, it learns that the whole film arrived.
    url = created(client, entry, 20)
    assert patch(client, url, 0, b"a" * 10).status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        assert patch(client, url, 10, b"b" * 10).status_code == 204
    response = head(client, url)
    assert response.status_code == 200
    assert (response["Upload-Offset"], response["Upload-Length"]) == ("20", "20")
    assert response["Tus-Resumable"] == "1.0.0"
    Upload.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert services.uploads_expire() == 1
    assert head(client, url).status_code == 404
    assert Film.objects.get(entry=entry).size == 20


def test_repeated_last_patch_of_a_finished_upload_answers_again_and_makes_nothing(
    client, entry, queued_checks, django_capture_on_commit_callbacks
):
    url = created(client, entry, 20)
    with django_capture_on_commit_callbacks(execute=True):
        assert patch(client, url, 0, b"a" * 20).status_code == 204
    film = Film.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = patch(client, url, 20, b"")
        assert response.status_code == 204
        assert response["Upload-Offset"] == "20"
        assert response["Tus-Resumable"] == "1.0.0"
        assert response["Upload-Expires"].endswith(" GMT")
        # The same last piece sent again is a conflict (the client then asks with HEAD), never a second film.
        assert patch(client, url, 0, b"a" * 20).status_code == 409
        assert patch(client, url, 20, b"c").status_code == 400
    assert list(Film.objects.all()) == [film]
    assert queued_checks == [(film.pk,)]
    assert Upload.objects.get().completed_at is not None
    stranger = signed_in(factories.student_with_consent())
    assert head(stranger, url).status_code == 404
    assert patch(stranger, url, 20, b"").status_code == 404


def test_framework_answers_on_tus_carry_the_version(student, entry, monkeypatch):
    # The CSRF refusal comes from Django, not from the endpoint.
    browser = signed_in(student, enforce_csrf_checks=True)
    response = create(browser, entry, 10)
    assert response.status_code == 403
    assert response["Tus-Resumable"] == "1.0.0"
    # A student without a recorded consent is sent to the consent form before the endpoint is reached.
    unconsented = signed_in(factories.StudentFactory())
    response = head(unconsented, reverse("tus:resource", args=[uuid.uuid4()]))
    assert response.status_code == 302
    assert response["Tus-Resumable"] == "1.0.0"

    # A server error.
    def broken(request, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(tus, "_head", broken)
    failing = signed_in(student, raise_request_exception=False)
    response = head(failing, reverse("tus:resource", args=[uuid.uuid4()]))
    assert response.status_code == 500
    assert response["Tus-Resumable"] == "1.0.0"
    # Pages elsewhere are left as they are.
    assert "Tus-Resumable" not in signed_in(student).get(reverse("landing"))


def test_terminate_removes_row_and_file(client, entry):
    url = created(client, entry, 100)
    assert patch(client, url, 0, b"a" * 10).status_code == 204
    response = client.delete(url, headers=TUS)
    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert not Upload.objects.exists()
    assert not data_file(url).exists()
    assert head(client, url).status_code == 404


def test_head_after_expiry_is_gone(client, entry):
    url = created(client, entry, 100)
    Upload.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = head(client, url)
    assert response.status_code == 410
    assert response["Tus-Resumable"] == "1.0.0"
    assert not Upload.objects.exists()
    assert not data_file(url).exists()


def test_uploads_expire_removes_old_uploads_and_files(client, entry, edition, student):
    old_url = created(client, entry, 100)
    fresh_url = created(client, make_entry(edition, student, title="Второй фильм"), 100)
    assert patch(client, old_url, 0, b"a" * 10).status_code == 204
    Upload.objects.filter(pk=data_file(old_url).name).update(expires_at=timezone.now() - datetime.timedelta(hours=1))
    assert services.uploads_expire() == 1
    assert not data_file(old_url).exists()
    assert data_file(fresh_url).exists()
    assert list(Upload.objects.values_list("pk", flat=True)) == [uuid.UUID(data_file(fresh_url).name)]


def test_second_film_of_an_entry_waits_beside_the_first(
    client, entry, queued_checks, django_capture_on_commit_callbacks
):
    # A replacement sent while the first film is still being checked: both stay, the newest shows.
    for content in (b"first film", b"second film"):
        url = created(client, entry, len(content))
        with django_capture_on_commit_callbacks(execute=True):
            assert patch(client, url, 0, content).status_code == 204
    first, second = Film.objects.filter(entry=entry).order_by("pk")
    assert queued_checks == [(first.pk,), (second.pk,)]
    entry = Entry.objects.get(pk=entry.pk)
    assert entry.film == entry.latest_film == second
    Film.objects.filter(pk=first.pk).update(status=Film.Status.OK)
    assert Entry.objects.get(pk=entry.pk).film == first
    page = client.get(reverse("submissions:film_status", args=[entry.pk]))
    assert page.status_code == 200 and page.context["film"] == first and page.context["latest_film"] == second


def test_new_upload_ends_the_unfinished_one_of_the_entry(client, entry):
    first = created(client, entry, 100)
    assert patch(client, first, 0, b"a" * 10).status_code == 204
    second = created(client, entry, 100)
    assert not data_file(first).exists() and data_file(second).exists()
    assert Upload.objects.count() == 1


def test_another_users_upload_is_not_found(client, entry):
    url = created(client, entry, 100)
    assert patch(client, url, 0, b"a" * 10).status_code == 204
    stranger = signed_in(factories.student_with_consent())
    assert head(stranger, url).status_code == 404
    assert patch(stranger, url, 10, b"b" * 10).status_code == 404
    assert stranger.delete(url, headers=TUS).status_code == 404
    assert head(Client(), url).status_code == 403
    assert data_file(url).read_bytes() == b"a" * 10
    assert Upload.objects.get().offset == 10


def test_unknown_upload_is_not_found(client):
    url = reverse("tus:resource", args=[uuid.uuid4()])
    assert head(client, url).status_code == 404
    assert patch(client, url, 0, b"a").status_code == 404


def test_supervisor_of_entry_may_continue_the_upload(client, entry):
    url = created(client, entry, 20)
    assert patch(client, url, 0, b"a" * 10).status_code == 204
    supervisor = factories.SupervisorFactory()
    entry.supervisors.add(supervisor)
    teacher = signed_in(supervisor)
    assert head(teacher, url)["Upload-Offset"] == "10"
    assert patch(teacher, url, 10, b"b" * 5).status_code == 204


def test_submitted_entry_upload_can_be_seen_and_cancelled_not_written(client, entry):
    url = created(client, entry, 20)
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.SUBMITTED)
    assert head(client, url).status_code == 200
    assert patch(client, url, 0, b"a" * 10).status_code == 403
    assert data_file(url).read_bytes() == b""
    assert client.delete(url, headers=TUS).status_code == 204


# ---------------------------------------------------------------- two writers over real connections


def _send_patch(address, path, cookie, token, body, sent_first=None, go_on=None):
    """PATCH over a socket. With `sent_first`, stop after the first 1.5 MiB until `go_on` is set."""
    connection = http.client.HTTPConnection(*address, timeout=30)
    try:
        connection.putrequest("PATCH", path)
        for name, value in {
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": "0",
            "Content-Type": OCTETS,
            "Content-Length": str(len(body)),
            "Cookie": cookie,
            "X-CSRFToken": token,
        }.items():
            connection.putheader(name, value)
        connection.endheaders()
        if sent_first is None:
            connection.send(body)
        else:
            split = MIB + MIB // 2
            connection.send(body[:split])
            sent_first.set()
            assert go_on.wait(30)
            connection.send(body[split:])
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_one_writes(live_server):
    edition = factories.open_edition()
    student = factories.student_with_consent()
    entry = make_entry(edition, student)
    upload = services.upload_create(entry=entry, user=student, length=8 * MIB, filename="film.mp4")
    browser = Client()
    browser.force_login(student)
    token = "t" * 32
    cookie = f"sessionid={browser.cookies['sessionid'].value}; csrftoken={token}"
    address = live_server.url.removeprefix("http://").split(":")
    address = (address[0], int(address[1]))
    path = reverse("tus:resource", args=[upload.pk])
    first_body, second_body = os.urandom(2 * MIB), os.urandom(2 * MIB)
    statuses = {}
    sent_first, go_on = threading.Event(), threading.Event()

    def first():
        statuses["first"] = _send_patch(address, path, cookie, token, first_body, sent_first, go_on)

    def second():
        try:
            statuses["second"] = _send_patch(address, path, cookie, token, second_body)
        finally:
            go_on.set()

    writer = threading.Thread(target=first)
    writer.start()
    assert sent_first.wait(30)
    # The first request is mid-body once its first chunk is on disk: it holds the lock from then on.
    deadline = time.monotonic() + 30
    while upload_path(upload.pk).stat().st_size < MIB and time.monotonic() < deadline:
        time.sleep(0.01)
    rival = threading.Thread(target=second)
    rival.start()
    rival.join(60)
    writer.join(60)

    assert sorted(statuses.values()) == [204, 423], statuses
    winner = first_body if statuses["first"] == 204 else second_body
    assert upload_path(upload.pk).read_bytes() == winner
    assert Upload.objects.get().offset == len(winner)
