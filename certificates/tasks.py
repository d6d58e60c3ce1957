"""The workers' side of documents: thin wrappers of certificates.services."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def chunk_run(chunk_id):
    services.chunk_run(chunk_id)


@shared_task(acks_late=True)
def job_finish(job_id):
    services.job_finish(job_id)


@shared_task(acks_late=True)
def archive_run(job_id, kind, region_id):
    services.archive_run(job_id, kind, region_id)


@shared_task
def jobs_watchdog():
    services.jobs_watchdog()


@shared_task
def letters_send():
    services.letters_send_batch()
