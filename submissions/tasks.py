"""Thin tasks: take ids, re-read, call a service."""

import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from . import imports, services
from .checks import film_check
from .imports import TIME_LIMIT, import_file_delete, import_refuse, participants_import
from .media import MediaTimeout
from .models import Film, ImportJob
from .notifications import entry_state_letters, film_rejected_letters
from .storage import local_copy


@shared_task(bind=True, acks_late=True, max_retries=3)
def check_film(self, film_id):
    film = Film.objects.filter(pk=film_id).select_related("entry__nomination").first()
    if film is not None:
        try:
            film_check(film=film)
        except (OSError, MediaTimeout) as error:
            # A timeout or a full disk is the server's fault, not the film's: try again later, a few times;
            # then tell the authors to upload again instead of leaving the film "being checked" for ever.
            if self.request.retries < self.max_retries:
                raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error
            Film.objects.filter(pk=film.pk, status=Film.Status.CHECKING).update(
                status=Film.Status.REJECTED, problem="check_failed", checked_at=timezone.now()
            )
            film.refresh_from_db()
        if film.status == Film.Status.OK:
            services.film_accepted(film=film)
        elif film.status == Film.Status.REJECTED:
            film_rejected_letters(film_id=film.pk)


@shared_task
def films_check_watchdog():
    return services.films_check_watchdog()


@shared_task
def uploads_expire():
    return services.uploads_expire()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_entry_state(entry_id, state):
    entry_state_letters(entry_id=entry_id, state=state)


# The list is checked for at most TIME_LIMIT seconds (participants_import stops itself); Celery's limits are
# the backstop for a stop inside the parser or the save: the soft one raises in the task (refused and recorded
# below), the hard one ends the worker process (the job is then refused by import_files_expire).
@shared_task(acks_late=True, soft_time_limit=TIME_LIMIT + 30, time_limit=TIME_LIMIT + 60)
def import_participants(job_id):
    # Delivered twice or after a worker died: only a queued (or interrupted) job is run.
    job = ImportJob.objects.filter(pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]).first()
    if job is None:
        return
    job.status, job.started_at = ImportJob.Status.RUNNING, timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(status=job.status, started_at=job.started_at)
    # However it ends, the list (children's names, IINs, parents' phones) is deleted; the report stays.
    try:
        with local_copy(job.file) as path:
            participants_import(job=job, path=path, deadline=time.monotonic() + TIME_LIMIT)
    except SoftTimeLimitExceeded:
        import_refuse(job=job, code="too_slow")
    except FileNotFoundError:
        import_refuse(job=job, code="unreadable")
    except Exception:
        import_refuse(job=job, code="error")
        raise
    finally:
        import_file_delete(job=job)


@shared_task
def import_files_expire():
    return imports.import_files_expire()
