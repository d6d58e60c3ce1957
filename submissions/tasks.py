"""Thin tasks: take ids, re-read, call a service."""

from celery import shared_task
from django.utils import timezone

from . import services
from .checks import film_check
from .imports import participants_import
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


@shared_task(acks_late=True)
def import_participants(job_id):
    # Delivered twice or after a worker died: only a queued (or interrupted) job is run.
    job = ImportJob.objects.filter(pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]).first()
    if job is None:
        return
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    with local_copy(job.file) as path:
        participants_import(job=job, path=path)
