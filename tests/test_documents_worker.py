"""An issuing job on real Celery worker processes (Redis broker, PostgreSQL): a worker killed with SIGKILL
in the middle of the job, and the job still ends with every document issued exactly once."""

import datetime
import os
import signal
import time
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import Archive, Document, IssueChunk, IssueJob, Kind
from festival.models import Participant, Region
from submissions.models import RegionalParticipant
from submissions.storage import private_storage
from tests import factories
from tests.workers import start_worker, wait_for

# One of the fault tests (make faults): the other faults are in test_faults.py.
pytestmark = [
    pytest.mark.worker,
    pytest.mark.fault,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

PEOPLE = 480


def listed_edition():
    """An open edition with PEOPLE children on Turkistan's imported list (each owed a certificate), and an
    organizer to issue them."""
    edition = factories.open_edition()
    region = Region.objects.get(code="turkistan")
    people = Participant.objects.bulk_create(
        [
            Participant(last_name=f"Оқушы{i:04d}", first_name="Әсел", birth_date="2012-03-03", region=region)
            for i in range(PEOPLE)
        ]
    )
    RegionalParticipant.objects.bulk_create([RegionalParticipant(edition=edition, participant=p) for p in people])
    return edition, factories.organizer()


def test_a_worker_killed_mid_job_and_the_job_issues_each_document_once(document_worker_env, tmp_path, settings):
    settings.DOCUMENT_CHUNK_SIZE = 20
    edition, organizer = listed_edition()

    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed at the end
    worker = start_worker(log)
    try:
        job = services.job_start(edition=edition, kinds=[Kind.CERTIFICATE], by=organizer)
        assert job.total == PEOPLE and IssueChunk.objects.filter(job=job).count() == PEOPLE // 20
        done = lambda: IssueChunk.objects.filter(job=job, status="done").count()  # noqa: E731
        wait_for(lambda: done() >= 3, 120, "the first chunks")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        killed_at = done()
        assert killed_at < PEOPLE // 20, "the job finished before the kill: make it bigger"

        worker = start_worker(log)
        # The scheduler's watchdog finds the job stalled and sends its unfinished chunks again.
        services.jobs_watchdog(now=timezone.now() + services.STALE_AFTER + datetime.timedelta(seconds=1))
        wait_for(lambda: IssueJob.objects.get(pk=job.pk).status == IssueJob.Status.DONE, 240, "the job to finish")
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
        log.close()

    documents = Document.objects.filter(edition=edition, kind=Kind.CERTIFICATE)
    assert documents.count() == PEOPLE
    assert documents.values("basis").distinct().count() == PEOPLE
    assert sorted(documents.values_list("number", flat=True)) == list(range(1, PEOPLE + 1))
    storage = private_storage()
    files = list(documents.values_list("file", flat=True))
    assert len(set(files)) == PEOPLE and all(storage.exists(name) for name in files)
    # No stray file from the interrupted chunk: the folder holds exactly one PDF per document.
    folder = Path(storage.path(files[0])).parent
    assert len(list(folder.glob("*.pdf"))) == PEOPLE
    archive = Archive.objects.get(edition=edition, kind=Kind.CERTIFICATE, region__code="turkistan")
    with storage.open(archive.file, "rb") as handle, zipfile.ZipFile(handle) as content:
        assert len(content.namelist()) == PEOPLE == len(set(content.namelist()))


def test_a_worker_killed_mid_chunk_and_its_chunk_is_redone_within_a_minute(document_worker_env, tmp_path, settings):
    """No clock moved by hand: the killed worker's lease runs out, the watchdog (as beat runs it, every
    WATCHDOG_EVERY) sends its chunk again within about a minute of the kill, and the job ends."""
    settings.DOCUMENT_CHUNK_SIZE = 20
    edition, organizer = listed_edition()

    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed at the end
    worker = start_worker(log)
    try:
        job = services.job_start(edition=edition, kinds=[Kind.CERTIFICATE], by=organizer)
        pending = IssueChunk.objects.filter(job=job, status=IssueChunk.Status.PENDING)
        held = lambda: pending.filter(leased_until__gt=timezone.now())  # noqa: E731
        wait_for(lambda: pending.count() < PEOPLE // 20 - 2 and held().exists(), 120, "a worker in the middle")
        os.killpg(worker.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        worker.wait(10)
        lost = set(held().values_list("pk", flat=True))
        assert lost, "no chunk was held at the kill: nothing to redo"

        worker = start_worker(log)
        # The lost chunks are sent again once their lease runs out (at the watchdog's next round), not after
        # STALE_AFTER (5 minutes). How long the rest takes depends on the machine's load, so only the resend is
        # timed; the job must just end well before STALE_AFTER would have done anything.
        redone_after = None
        while IssueJob.objects.get(pk=job.pk).status != IssueJob.Status.DONE:
            assert time.monotonic() - killed_at < services.STALE_AFTER.total_seconds(), "the job did not finish"
            services.jobs_watchdog()
            if redone_after is None and IssueChunk.objects.filter(pk__in=lost).exclude(lost_at=None).exists():
                redone_after = time.monotonic() - killed_at
            time.sleep(services.WATCHDOG_EVERY.total_seconds())
        assert redone_after is not None
        assert redone_after < (services.LEASE + 2 * services.WATCHDOG_EVERY).total_seconds() + 10, redone_after
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
        log.close()

    # The killed worker's chunks were found lost and redone; the others were not.
    assert set(IssueChunk.objects.filter(job=job).exclude(lost_at=None).values_list("pk", flat=True)) == lost
    # They waited for their lease to run out: nothing was taken from a worker still alive.
    assert redone_after > (services.LEASE - services.LEASE_RENEW_EVERY).total_seconds()
    documents = Document.objects.filter(edition=edition, kind=Kind.CERTIFICATE)
    assert documents.count() == PEOPLE == documents.values("basis").distinct().count()
    assert sorted(documents.values_list("number", flat=True)) == list(range(1, PEOPLE + 1))
