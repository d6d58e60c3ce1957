"""Participant lists hold children's personal data and come from outside: each file is deleted once its import
ends, and a file that would unpack to far more than any list is refused before it is parsed."""

import datetime
import io
import time
import zipfile

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from festival.models import Participant, Region
from submissions import imports, tasks
from submissions.models import ImportJob
from submissions.storage import private_storage
from tests import factories
from tests.test_imports import GOOD_ROWS, xlsx

pytestmark = pytest.mark.django_db

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
OFFICE = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="' + OFFICE + b'/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="' + OFFICE + b'">'
    b'<sheets><sheet name="List" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/></Relationships>'
)


def handmade_xlsx(path, rows):
    """A workbook whose one sheet holds the rows given (an iterable of XML chunks), written as they come: a sheet
    that unpacks to gigabytes costs the test its packed size on disk and a fraction of a second."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?>')
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for chunk in rows:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return path


def bomb_rows(unpacked):
    """The same child, row after row, until the sheet unpacks to `unpacked` bytes."""
    row = '<row><c t="inlineStr"><is><t>Сапарова</t></is></c><c t="inlineStr"><is><t>Айгерім</t></is></c></row>'
    chunk = row.encode() * 5000
    for _ in range(unpacked // len(chunk) + 1):
        yield chunk


def numbered_rows(count):
    """`count` different rows (a list this long is honest, only too long)."""
    for number in range(2, count + 2):
        yield (f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>Фамилия {number}</t></is></c></row>').encode()


@pytest.fixture
def coordinator(client):
    user = factories.coordinator("kostanay")
    client.force_login(user)
    return user


def post(client, django_capture_on_commit_callbacks, path):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("submissions:region_import", args=["kostanay"]),
            {"file": SimpleUploadedFile("list.xlsx", path.read_bytes())},
        )


def stored_imports():
    root = settings.PRIVATE_MEDIA_ROOT / "imports"
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def queued_job(user, path_or_bytes, **fields):
    """A job whose file is in private storage, as participants_import_start leaves it."""
    content = path_or_bytes.read_bytes() if hasattr(path_or_bytes, "read_bytes") else path_or_bytes
    name = private_storage().save("imports/kostanay/list.xlsx", ContentFile(content))
    return ImportJob.objects.create(
        region=Region.objects.get(code="kostanay"), created_by=user, file=name, original_name="list.xlsx", **fields
    )


# ---------------------------------------------------------------- finding 3: the lists are not kept


def test_import_done_deletes_the_file_and_keeps_the_report(client, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("submissions:region_import", args=["kostanay"]), {"file": xlsx(GOOD_ROWS)})
    job = ImportJob.objects.get()
    assert (job.status, job.imported, job.file) == ("done", 3, "") and job.file_deleted_at is not None
    assert stored_imports() == []
    page = client.get(reverse("submissions:region_import_job", args=["kostanay", job.pk])).content.decode()
    assert "Imported 3 participants" in page and 'data-testid="import-file-deleted"' in page


def test_import_refused_for_errors_deletes_the_file_and_keeps_the_report(
    client, coordinator, django_capture_on_commit_callbacks
):
    wrong = [["", "Без фамилии", "", "01.04.2013", "", "№5 мектеп", 6, "Кто-то", "мать", ""]]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("submissions:region_import", args=["kostanay"]), {"file": xlsx(wrong)})
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.errors[0]["code"] == "required" and job.file == ""
    assert stored_imports() == []
    page = client.get(reverse("submissions:region_import_job", args=["kostanay", job.pk])).content.decode()
    assert "Fill this cell in." in page and 'data-testid="import-file-deleted"' in page


def test_import_of_a_damaged_file_deletes_it(coordinator):
    job = queued_job(coordinator, b"PK\x03\x04 but nothing of a zip archive after it")
    tasks.import_participants(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.errors[0]["code"] == "not_xlsx" and job.file == ""
    assert stored_imports() == []


def test_import_files_expire_deletes_lists_of_ended_lost_and_stalled_jobs(coordinator, tmp_path):
    now = timezone.now()
    good = xlsx(GOOD_ROWS).read()
    ended = queued_job(coordinator, good, status=ImportJob.Status.DONE, finished_at=now - datetime.timedelta(days=3))
    lost = queued_job(coordinator, good)
    ImportJob.objects.filter(pk=lost.pk).update(created_at=now - datetime.timedelta(days=2))
    stalled = queued_job(
        coordinator, good, status=ImportJob.Status.RUNNING, started_at=now - datetime.timedelta(hours=1)
    )
    waiting = queued_job(coordinator, good)  # sent a minute ago: the worker will take it
    assert imports.import_files_expire(now=now) == 3
    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses == {ended.pk: "done", lost.pk: "failed", stalled.pk: "failed", waiting.pk: "queued"}
    codes = {job.pk: job.errors[0]["code"] for job in ImportJob.objects.filter(status="failed")}
    assert codes == {lost.pk: "not_processed", stalled.pk: "too_slow"}
    assert list(ImportJob.objects.exclude(file="").values_list("pk", flat=True)) == [waiting.pk]
    assert len(stored_imports()) == 1
    # The lost job's task, delivered at last, runs nothing.
    tasks.import_participants(lost.pk)
    assert ImportJob.objects.get(pk=lost.pk).errors[0]["code"] == "not_processed"


def test_import_files_expire_runs_on_the_beat_schedule():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "submissions.tasks.import_files_expire" in scheduled


# ---------------------------------------------------------------- finding 4: zip bombs and endless lists


def test_import_zip_bomb_refused_by_the_form_before_parsing(
    client, coordinator, django_capture_on_commit_callbacks, tmp_path
):
    bomb = handmade_xlsx(tmp_path / "bomb.xlsx", bomb_rows(imports.MAX_UNPACKED + 10 * 1024 * 1024))
    assert bomb.stat().st_size < 2 * 1024 * 1024
    started = time.monotonic()
    response = post(client, django_capture_on_commit_callbacks, bomb)
    assert time.monotonic() - started < 2
    assert response.status_code == 200
    assert "unpacks to more than 50 MB" in str(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists() and stored_imports() == []


def test_import_zip_bomb_refused_by_the_worker_before_parsing(coordinator, tmp_path):
    # A file kept before the form checked archives (or put there by other means) is checked again.
    bomb = handmade_xlsx(tmp_path / "bomb.xlsx", bomb_rows(imports.MAX_UNPACKED + 10 * 1024 * 1024))
    job = queued_job(coordinator, bomb)
    started = time.monotonic()
    tasks.import_participants(job.pk)
    assert time.monotonic() - started < 2
    job.refresh_from_db()
    assert (job.status, job.errors[0]["code"], job.file) == ("failed", "too_large", "")
    assert stored_imports() == []


def test_import_absurdly_packed_file_refused(client, coordinator, django_capture_on_commit_callbacks, tmp_path):
    # Small when unpacked (5 MB), but 5 MB of one row repeated packs a thousand times: no typed list does.
    packed = handmade_xlsx(tmp_path / "packed.xlsx", bomb_rows(5 * 1024 * 1024))
    response = post(client, django_capture_on_commit_callbacks, packed)
    assert "not packed the way Excel saves a table" in str(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_import_longer_than_the_row_limit_refused(coordinator, tmp_path):
    rows = handmade_xlsx(tmp_path / "long.xlsx", numbered_rows(imports.MAX_ROWS + 1))
    assert imports.archive_problem(str(rows)) is None  # an honest archive, only too long a list
    job = queued_job(coordinator, rows)
    tasks.import_participants(job.pk)
    job.refresh_from_db()
    assert (job.status, job.errors, job.file) == (
        "failed",
        [{"row": 0, "column": "", "code": "too_many_rows", "params": {}}],
        "",
    )
    assert not Participant.objects.exists()


def test_import_stopped_at_its_deadline_imports_nothing(coordinator, tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(xlsx(GOOD_ROWS).read())
    job = queued_job(coordinator, path)
    imports.participants_import(job=job, path=str(path), deadline=time.monotonic() - 1)
    job.refresh_from_db()
    assert (job.status, job.errors[0]["code"]) == ("failed", "too_slow")
    assert not Participant.objects.exists()
    assert "took too long" in imports.import_error_message(job.errors[0])


def test_import_task_has_time_limits():
    assert tasks.import_participants.soft_time_limit > imports.TIME_LIMIT
    assert tasks.import_participants.time_limit > tasks.import_participants.soft_time_limit


def test_import_form_accepts_a_real_list_of_the_largest_size(tmp_path):
    # The limits leave room for the longest list a region sends.
    path = handmade_xlsx(tmp_path / "big.xlsx", numbered_rows(imports.MAX_ROWS))
    assert imports.archive_problem(io.BytesIO(path.read_bytes())) is None
