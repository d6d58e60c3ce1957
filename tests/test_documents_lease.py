"""A chunk of an issuing job is held by one worker under a lease: a lease that runs out (the worker was
killed) has the watchdog send the chunk again within the minute, and the job's page says so. The same with
real worker processes: tests/test_documents_worker.py."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates import services
from certificates.models import Document, IssueChunk, IssueJob, Kind
from tests.test_documents import festival_at_its_end

pytestmark = pytest.mark.django_db


@pytest.fixture
def festival(edition):
    return festival_at_its_end(edition)


def held_by_a_stopped_worker(job):
    """The job's first chunk as a worker left it when it was killed a moment after taking it."""
    chunk = IssueChunk.objects.filter(job=job).order_by("index").first()
    IssueChunk.objects.filter(pk=chunk.pk).update(leased_until=timezone.now() + services.LEASE)
    return chunk


def test_lease_a_chunk_held_by_another_worker_is_not_run_twice(festival):
    job = services.job_start(edition=festival["edition"], kinds=[Kind.CERTIFICATE], by=festival["organizer"])
    chunk = held_by_a_stopped_worker(job)
    # The message delivered again (or the organizer's nudge) while the lease holds: nothing is done.
    assert services.chunk_run(chunk.pk) is False
    assert not Document.objects.exists()


def test_lease_expired_the_watchdog_sends_the_chunk_again_and_the_page_says_so(
    festival, client, django_capture_on_commit_callbacks
):
    job = services.job_start(edition=festival["edition"], kinds=[Kind.CERTIFICATE], by=festival["organizer"])
    chunk = held_by_a_stopped_worker(job)
    IssueChunk.objects.exclude(pk=chunk.pk).update(status=IssueChunk.Status.DONE)  # the others went through

    # While the lease holds, the worker may still be working: the watchdog leaves the chunk alone.
    with django_capture_on_commit_callbacks(execute=False) as sent:
        services.jobs_watchdog(now=timezone.now() + services.LEASE - datetime.timedelta(seconds=5))
    assert sent == []

    # Run out (a killed worker renews nothing): sent again at the next run of the watchdog, well before
    # STALE_AFTER.
    expired = timezone.now() + services.LEASE + datetime.timedelta(seconds=1)
    assert expired - timezone.now() + services.WATCHDOG_EVERY < datetime.timedelta(minutes=1) < services.STALE_AFTER
    with django_capture_on_commit_callbacks(execute=False) as sent:
        services.jobs_watchdog(now=expired)
    assert len(sent) == 1
    chunk.refresh_from_db()
    assert chunk.lost_at == expired and chunk.leased_until is None and chunk.status == IssueChunk.Status.PENDING

    client.force_login(festival["organizer"])
    page = client.get(reverse("certificates:job_progress", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en")
    redoing = page.content.decode()
    assert "A worker stopped; these parts are being redone: 1." in redoing and "no need to cancel" in redoing

    for callback in sent:  # the message the watchdog sent reaches a worker
        callback()
    chunk.refresh_from_db()
    assert chunk.status == IssueChunk.Status.DONE
    assert Document.objects.filter(job=job).count() == chunk.size
    page = client.get(reverse("certificates:job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "being redone" not in page


def test_lease_expired_also_sends_again_the_chunks_a_stopped_worker_took_but_never_started(
    festival, settings, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_CHUNK_SIZE = 1
    job = services.job_start(edition=festival["edition"], kinds=[Kind.CERTIFICATE], by=festival["organizer"])
    _held, _taken, *others = IssueChunk.objects.filter(job=job).order_by("index")
    held_by_a_stopped_worker(job)
    # The killed worker had also taken the second chunk's message from the queue, not yet started (no lease);
    # the rest went through.
    IssueChunk.objects.filter(pk__in=[c.pk for c in others]).update(status=IssueChunk.Status.DONE)
    expired = timezone.now() + services.LEASE + datetime.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        services.jobs_watchdog(now=expired)
    assert len(sent) == 2
    for callback in sent:
        callback()
    assert set(IssueChunk.objects.filter(job=job).values_list("status", flat=True)) == {IssueChunk.Status.DONE}
    assert Document.objects.filter(job=job).count() == 2  # the two chunks of one document each


def test_lease_a_chunk_renewed_by_its_worker_is_not_taken_from_it(festival, django_capture_on_commit_callbacks):
    job = services.job_start(edition=festival["edition"], kinds=[Kind.CERTIFICATE], by=festival["organizer"])
    chunk = IssueChunk.objects.filter(job=job).first()
    lease = services._Lease(chunk.pk)
    assert lease.take() is True
    assert services._Lease(chunk.pk).take() is False  # a second worker finds it held
    # The worker goes on working: within LEASE_RENEW_EVERY of taking it nothing is written; later (here: a
    # lease about to run out) the lease moves on by LEASE.
    first = IssueChunk.objects.get(pk=chunk.pk).leased_until
    lease.renew()
    assert IssueChunk.objects.get(pk=chunk.pk).leased_until == first
    almost = timezone.now() + datetime.timedelta(seconds=1)
    IssueChunk.objects.filter(pk=chunk.pk).update(leased_until=almost)
    lease.renewed -= services.LEASE_RENEW_EVERY
    lease.renew()
    assert IssueChunk.objects.get(pk=chunk.pk).leased_until >= almost + services.LEASE - datetime.timedelta(seconds=2)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        services.jobs_watchdog(now=almost + datetime.timedelta(seconds=1))
    assert sent == [] and IssueChunk.objects.get(pk=chunk.pk).lost_at is None


def test_lease_dropped_when_the_work_fails_with_an_error(festival):
    """An error is not a lost worker: the chunk is not redone every minute while the error lasts."""
    job = services.job_start(edition=festival["edition"], kinds=[Kind.CERTIFICATE], by=festival["organizer"])
    chunk = IssueChunk.objects.filter(job=job).first()
    IssueChunk.objects.filter(pk=chunk.pk).update(owed=[{"kind": Kind.CERTIFICATE, "basis": "participant:0"}])
    with pytest.raises(KeyError):
        services.chunk_run(chunk.pk)
    chunk.refresh_from_db()
    assert chunk.leased_until is None and chunk.status == IssueChunk.Status.PENDING
    services.jobs_watchdog(now=timezone.now() + services.LEASE + datetime.timedelta(seconds=1))
    assert IssueChunk.objects.get(pk=chunk.pk).lost_at is None
    assert IssueJob.objects.get(pk=job.pk).status == IssueJob.Status.RUNNING


def test_lease_the_scheduler_runs_the_watchdog_as_often_as_the_lease_expects(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["resume-stalled-document-jobs"]
    assert schedule["task"] == "certificates.tasks.jobs_watchdog"
    assert schedule["schedule"] == services.WATCHDOG_EVERY.total_seconds()
    # A lost chunk is sent again at most LEASE + WATCHDOG_EVERY after its worker's last renewal.
    assert datetime.timedelta(minutes=1) >= services.LEASE + services.WATCHDOG_EVERY
