"""The private files in S3-compatible object storage (MEDIA_STORAGE=s3): a film uploaded through /tus/ goes to
the bucket, the worker's check reads it from there with ffmpeg and puts the poster and preview beside it;
documents, their print batches and archives are written there; uploaded fonts are checked from there; and
every download is a redirect to a short-lived signed link that the bucket answers with the right type, name
and caching. Nothing lands in the local private folder.

The bucket is moto's S3 server on a free port of the loopback, spoken to over HTTP by boto3 as a real one
would be: it stands for the object storage that in production is another machine.
"""

import io
import socket
import urllib.request
import uuid
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.urls import reverse
from moto import server as moto_server
from pypdf import PdfReader

from certificates import services as documents
from certificates.models import Archive, Document, DocumentTemplate, Font, IssueChunk, Kind
from submissions.models import Film
from submissions.storage import private_storage
from tests import factories, videos
from tests.test_documents import festival_at_its_end, run_job
from tests.test_tus import OCTETS, TUS, encode_metadata, make_entry, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3_endpoint():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(settings, s3_endpoint):
    """A fresh bucket, and the portal's settings as MEDIA_STORAGE=s3 makes them."""
    name = f"festival-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    client.create_bucket(Bucket=name)
    settings.PRIVATE_STORAGE_S3 = {
        "bucket_name": name,
        "endpoint_url": s3_endpoint,
        "access_key": "test",
        "secret_key": "test",
        "region_name": "us-east-1",
        "addressing_style": "path",
        "default_acl": None,
        "querystring_auth": True,
        "location": "private",
        "file_overwrite": True,
        "querystring_expire": 600,
    }

    def keys(prefix=""):
        listing = client.list_objects_v2(Bucket=name, Prefix=f"private/{prefix}")
        return sorted(item["Key"].removeprefix("private/") for item in listing.get("Contents", []))

    def read(key):
        return client.get_object(Bucket=name, Key=f"private/{key}")["Body"].read()

    return {"name": name, "keys": keys, "read": read}


@pytest.fixture
def festival(edition):
    return festival_at_its_end(edition)


def local_private_files(settings):
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def follow_signed_link(response, endpoint):
    """The portal's answer is a redirect to the bucket; the bucket's answer to that link."""
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    link = response["Location"]
    assert link.startswith(endpoint + "/")
    query = parse_qs(urlsplit(link).query)
    assert "Signature" in query or "X-Amz-Signature" in query
    with urllib.request.urlopen(link, timeout=10) as answer:
        return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()


def test_a_film_goes_to_the_bucket_is_checked_from_there_and_played_through_a_signed_link(
    bucket, s3_endpoint, edition, settings, tmp_path, django_capture_on_commit_callbacks
):
    student = factories.student_with_consent()
    entry = make_entry(edition, student)
    client = signed_in(student)
    film_bytes = videos.mp4(tmp_path, seconds=2).read_bytes()
    metadata = encode_metadata(entry=str(entry.pk), filename="film.mp4", filetype="video/mp4")
    response = client.generic(
        "POST",
        reverse("tus:collection"),
        headers={**TUS, "Upload-Length": str(len(film_bytes)), "Upload-Metadata": metadata},
    )
    assert response.status_code == 201, response.content
    # The last byte arrives: the film moves to the bucket and the check runs (inline here, as Celery's task).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.generic(
            "PATCH",
            response["Location"],
            film_bytes,
            headers={**TUS, "Upload-Offset": "0", "Content-Type": OCTETS},
        )
    assert response.status_code == 204, response.content

    film = Film.objects.get(entry=entry)
    assert film.status == Film.Status.OK, (film.problem, film.problem_params)
    assert (film.video_codec, film.width, film.height) == ("h264", 320, 240)
    folder = f"films/{entry.pk}/"
    assert bucket["keys"](folder) == sorted([film.file, film.poster, film.preview])
    assert bucket["read"](film.file) == film_bytes
    assert bucket["read"](film.poster)[:3] == b"\xff\xd8\xff"  # a JPEG
    assert local_private_files(settings) == []
    assert not any(Path(settings.UPLOAD_TEMP_ROOT).iterdir())

    status, headers, body = follow_signed_link(
        client.get(reverse("submissions:film_preview", args=[entry.pk])), s3_endpoint
    )
    assert status == 200 and body == bucket["read"](film.preview)
    assert headers["content-type"] == "video/mp4"
    assert headers["cache-control"] == "private, no-store"
    # Someone else gets no link at all.
    stranger = signed_in(factories.student_with_consent())
    assert stranger.get(reverse("submissions:film_preview", args=[entry.pk])).status_code in (403, 404)


def test_documents_batches_and_archives_live_in_the_bucket(
    bucket,
    s3_endpoint,
    festival,
    client,
    settings,
    django_capture_on_commit_callbacks,
):
    edition, organizer = festival["edition"], festival["organizer"]
    job = run_job(django_capture_on_commit_callbacks, edition=edition, kinds=Kind.values, by=organizer)
    assert job.total == 7
    stored = set(bucket["keys"]("documents/"))
    for document in Document.objects.filter(edition=edition):
        assert document.file in stored
        assert PdfReader(io.BytesIO(bucket["read"](document.file))).pages[0].extract_text()
    chunk = IssueChunk.objects.get(job=job, kind=Kind.CERTIFICATE, region__code="almaty-city")
    assert len(PdfReader(io.BytesIO(bucket["read"](chunk.batch_file))).pages) == 3
    assert local_private_files(settings) == []

    archive = Archive.objects.get(edition=edition, kind=Kind.CERTIFICATE, region__code="almaty-city")
    client.force_login(organizer)
    status, headers, body = follow_signed_link(
        client.get(reverse("certificates:archive", args=[archive.pk])), s3_endpoint
    )
    assert status == 200 and headers["content-type"] == "application/zip"
    assert headers["content-disposition"] == f'attachment; filename="{edition.year}-certificate-almaty-city.zip"'
    with zipfile.ZipFile(io.BytesIO(body)) as bundle:
        names = bundle.namelist()
        assert len(names) == 3 and all("Тізім" in name for name in names)
        for name in names:
            assert len(PdfReader(io.BytesIO(bundle.read(name))).pages) == 1
    # A document's own download is rendered from the stored file.
    document = Document.objects.filter(edition=edition, kind=Kind.CERTIFICATE).first()
    assert documents.document_pdf(document) == bucket["read"](document.file)


def test_fonts_are_checked_from_the_bucket_and_a_refused_one_is_removed(bucket, client, edition, tmp_path):
    from certificates import render
    from certificates.designs import template_fonts

    client.force_login(factories.organizer())
    template = DocumentTemplate.objects.filter(edition=edition, kind=Kind.CERTIFICATE).first()
    template = template or documents.templates_ensure(edition)[0]
    upload = reverse("certificates:font_upload", args=[template.pk])
    good = io.BytesIO((render.SYSTEM_FONT_DIR / "DejaVuSans.ttf").read_bytes())
    good.name = "good.ttf"
    client.post(upload, {"name": "Менің қаріпім", "file": good})
    bad = io.BytesIO(b"this is not a font at all")
    bad.name = "bad.ttf"
    client.post(upload, {"name": "Бұзық", "file": bad})
    font = Font.objects.get()
    assert bucket["keys"]("documents/fonts/") == [font.file]
    # The renderer gets a local copy of the stored font.
    path = Path(template_fonts()[font.key])
    assert path.read_bytes() == bucket["read"](font.file)


def test_a_missing_file_is_not_found_not_a_broken_link(bucket, edition, settings):
    student = factories.student_with_consent()
    entry = make_entry(edition, student)
    Film.objects.create(
        entry=entry,
        file=f"films/{entry.pk}/gone.mp4",
        preview=f"films/{entry.pk}/gone-preview.mp4",
        size=1,
        status=Film.Status.OK,
    )
    assert not private_storage().exists(f"films/{entry.pk}/gone-preview.mp4")
    assert signed_in(student).get(reverse("submissions:film_preview", args=[entry.pk])).status_code == 404
