"""The workers' side of documents: thin wrappers of certificates.services."""

from celery import shared_task


@shared_task(acks_late=True)
def chunk_run(chunk_id):
    from .services import chunk_run as run

    run(chunk_id)


@shared_task(acks_late=True)
def job_finish(job_id):
    from .services import job_finish as finish

    finish(job_id)


@shared_task(acks_late=True)
def archive_run(job_id, kind, region_id):
    from .services import archive_run as run

    run(job_id, kind, region_id)


@shared_task
def jobs_watchdog():
    from .services import jobs_watchdog as watchdog

    watchdog()


@shared_task
def letters_send():
    from .services import letters_send_batch

    letters_send_batch()
