"""Operations on entries and their films. Views, tasks, admin and tests call these."""

import datetime
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from festival.models import Edition, Region
from festival.phases import phase_check
from festival.services import queue_after_commit

from .models import Entry, EntryAuthor, Film, ImportJob, RegionQuota, RegionSignoff, Upload
from .storage import private_storage, put_file, upload_path

logger = logging.getLogger(__name__)


class EntryError(Exception):
    """An operation refused for a reason the user must see: `code` picks the message, `params` fill it."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


# ---------------------------------------------------------------- entries


def entry_phase_action(entry):
    """The phase action an author's change needs: a returned entry can be fixed while the coordinator
    still reviews, a new one only while films are being sent."""
    return "resubmit" if entry.state == Entry.State.RETURNED else "submit_entry"


def entry_save(
    *,
    entry=None,
    user,
    edition,
    nomination,
    title,
    synopsis,
    language,
    age_group,
    region,
    school,
    school_other,
    authors,
    supervisors,
    external_url="",
):
    """Create or update an entry with its team. `authors`: [(participant, role)]; `supervisors`: users.

    Side effects: the Entry row, its EntryAuthor rows replaced, its supervisors set. Checks the phase.
    """
    phase_check(edition=edition, action="submit_entry" if entry is None else entry_phase_action(entry))
    with transaction.atomic():
        if entry is None:
            entry = Entry(edition=edition, created_by=user)
        else:
            # Locked and re-read: the state may have changed since the form was shown.
            entry = Entry.objects.select_for_update().get(pk=entry.pk)
            if entry.state not in (Entry.State.DRAFT, Entry.State.RETURNED):
                raise EntryError("wrong_state", state=entry.state)
        entry.nomination = nomination
        entry.title = title
        entry.synopsis = synopsis
        entry.language = language
        entry.age_group = age_group
        entry.region = region
        entry.school = school
        entry.school_other = school_other
        entry.external_url = external_url
        if entry.pk is None:
            entry.save()
        else:
            entry.save(
                update_fields=[
                    "nomination",
                    "title",
                    "synopsis",
                    "language",
                    "age_group",
                    "region",
                    "school",
                    "school_other",
                    "external_url",
                    "updated_at",
                ]
            )
        entry.authors.all().delete()
        EntryAuthor.objects.bulk_create(
            EntryAuthor(entry=entry, participant=participant, role=role) for participant, role in authors
        )
        entry.supervisors.set(supervisors)
    return entry


def entry_set_cover(*, entry, uploaded):
    """The authors' poster picture: only JPEG/PNG/WebP, size-checked before decoding, re-encoded as JPEG
    without metadata, with a thumbnail. Raises media.BadImage. Side effects: two files in private storage
    (the previous ones removed), Entry.cover and Entry.cover_thumbnail."""
    import uuid

    from django.core.files.base import ContentFile

    from .media import clean_image, make_thumbnail

    picture = clean_image(uploaded)
    thumbnail = make_thumbnail(picture)
    storage = private_storage()
    stamp = uuid.uuid4().hex[:8]
    old = [entry.cover, entry.cover_thumbnail]
    entry.cover = storage.save(f"films/{entry.pk}/cover-{stamp}.jpg", ContentFile(picture))
    entry.cover_thumbnail = storage.save(f"films/{entry.pk}/cover-{stamp}-thumb.jpg", ContentFile(thumbnail))
    Entry.objects.filter(pk=entry.pk).update(cover=entry.cover, cover_thumbnail=entry.cover_thumbnail)
    _remove_files([name for name in old if name])
    return entry


def entry_submit(*, entry, user):
    """Send a draft (or a returned entry) to the regional coordinator.

    Refuses (EntryError) without a checked film or an allowed link, or with a team outside the nomination's
    size. Side effects: state SUBMITTED, submitted_at; letters after commit.
    """
    phase_check(edition=entry.edition, action=entry_phase_action(entry))
    film = entry.film
    if not (film and film.status == Film.Status.OK) and not (entry.external_url and entry.edition.allow_external_links):
        raise EntryError("no_film")
    team = entry.authors.values("participant").distinct().count()
    nomination = entry.nomination
    if not nomination.min_team_size <= team <= nomination.max_team_size:
        raise EntryError("team_size", count=team, low=nomination.min_team_size, high=nomination.max_team_size)
    _transition(entry, {Entry.State.DRAFT, Entry.State.RETURNED}, Entry.State.SUBMITTED, submitted_at=timezone.now())
    return entry


def entry_withdraw(*, entry, user):
    """Side effects: state WITHDRAWN (any state before the republican stage); letters after commit."""
    allowed = {
        Entry.State.DRAFT,
        Entry.State.SUBMITTED,
        Entry.State.ACCEPTED,
        Entry.State.RETURNED,
        Entry.State.REGIONAL_FINALIST,
    }
    _transition(entry, allowed, Entry.State.WITHDRAWN)
    return entry


def entry_accept(*, entry, by):
    """The coordinator finds the entry eligible. Side effects: state ACCEPTED; letters after commit."""
    phase_check(edition=entry.edition, action="regional_review")
    with transaction.atomic():
        _check_not_signed_off(entry)
        _transition(entry, {Entry.State.SUBMITTED, Entry.State.RETURNED}, Entry.State.ACCEPTED, return_reason="")
    return entry


def entry_return(*, entry, by, reason):
    """Back to the authors with a reason they can act on. Side effects: state RETURNED; letters after commit."""
    reason = reason.strip()
    if not reason:
        raise EntryError("reason_required")
    phase_check(edition=entry.edition, action="regional_review")
    with transaction.atomic():
        _check_not_signed_off(entry)
        _transition(entry, {Entry.State.SUBMITTED, Entry.State.ACCEPTED}, Entry.State.RETURNED, return_reason=reason)
    return entry


def entry_outcome_set(*, ids, outcome):
    """The republican stage's outcome of the entries `ids`: AWARDED or NOT_AWARDED for entries in the republican
    stage (the results are locked), or None to take a decided outcome back (the results are reopened).

    Side effects: the entries' state, in one conditional UPDATE that leaves entries in other states as they are;
    no letters (the published results say it). Returns how many entries changed.
    """
    decided = {Entry.State.AWARDED, Entry.State.NOT_AWARDED}
    if outcome is None:
        allowed, target = decided, Entry.State.REPUBLICAN_PARTICIPANT
    elif outcome in decided:
        allowed, target = {Entry.State.REPUBLICAN_PARTICIPANT}, outcome
    else:
        raise ValueError(f"Not an outcome: {outcome!r}")
    return Entry.objects.filter(pk__in=list(ids), state__in=allowed).update(state=target, updated_at=timezone.now())


def finalist_quota(*, edition, region, nomination):
    row = RegionQuota.objects.filter(edition=edition, region=region, nomination=nomination).first()
    return row.quota if row else RegionQuota.DEFAULT


def entry_set_finalist(*, entry, by, finalist):
    """Pick (or unpick) an accepted entry as a regional finalist, within the region × nomination quota.

    Side effects: state REGIONAL_FINALIST or back to ACCEPTED. The quota is counted under a lock on the
    region's entries of the nomination, so two coordinators' clicks cannot both take the last place.
    """
    phase_check(edition=entry.edition, action="select_finalists")
    with transaction.atomic():
        _check_not_signed_off(entry)
        peers = list(
            Entry.objects.select_for_update()
            .filter(edition=entry.edition, region=entry.region, nomination=entry.nomination)
            .values_list("pk", "state")
        )
        if finalist:
            taken = sum(state == Entry.State.REGIONAL_FINALIST for _pk, state in peers)
            quota = finalist_quota(edition=entry.edition, region=entry.region, nomination=entry.nomination)
            if taken >= quota:
                raise EntryError("quota_full", quota=quota)
            _transition(entry, {Entry.State.ACCEPTED}, Entry.State.REGIONAL_FINALIST)
        else:
            _transition(entry, {Entry.State.REGIONAL_FINALIST}, Entry.State.ACCEPTED)
    return entry


def region_signoff(*, edition, region, by):
    """Sign the region's finalists off: the list locks and the finalists enter the republican stage.

    Side effects: a RegionSignoff row; the region's REGIONAL_FINALIST entries become REPUBLICAN_PARTICIPANT
    (letters after commit). Refuses when there is no finalist or it was signed already.
    """
    phase_check(edition=edition, action="finalist_signoff")
    with transaction.atomic():
        # The region's row is the lock that orders sign-off against finalist changes and a second sign-off.
        Region.objects.select_for_update().get(pk=region.pk)
        if RegionSignoff.objects.filter(edition=edition, region=region).exists():
            raise EntryError("signed_off")
        finalists = list(
            Entry.objects.select_for_update().filter(
                edition=edition, region=region, state=Entry.State.REGIONAL_FINALIST
            )
        )
        if not finalists:
            raise EntryError("no_finalists")
        signoff = RegionSignoff.objects.create(edition=edition, region=region, signed_by=by)
        for entry in finalists:
            _transition(entry, {Entry.State.REGIONAL_FINALIST}, Entry.State.REPUBLICAN_PARTICIPANT)
    return signoff


def _check_not_signed_off(entry):
    """Inside a transaction: takes the region's lock, so that a sign-off cannot slip in before the change."""
    Region.objects.select_for_update().get(pk=entry.region_id)
    if RegionSignoff.objects.filter(edition=entry.edition_id, region=entry.region_id).exists():
        raise EntryError("signed_off")


def _transition(entry, allowed, target, **fields):
    """Move an entry between states with a conditional UPDATE: of two simultaneous requests, one wins."""
    changed = Entry.objects.filter(pk=entry.pk, state__in=allowed).update(
        state=target, updated_at=timezone.now(), **fields
    )
    if changed != 1:
        entry.refresh_from_db(fields=["state"])
        raise EntryError("wrong_state", state=entry.state)
    entry.state = target
    for name, value in fields.items():
        setattr(entry, name, value)
    queue_after_commit("submissions.tasks.notify_entry_state", entry.pk, target)


def upload_create(*, entry, user, length, filename="", metadata=None):
    """Start a resumable upload. Side effects: an Upload row and its empty file in the upload area; earlier
    unfinished uploads of the entry are ended, so that one entry cannot hold many gigabytes of partial files."""
    for earlier in Upload.objects.filter(entry=entry):
        upload_delete(upload=earlier)
    upload = Upload.objects.create(
        entry=entry,
        created_by=user,
        length=length,
        filename=filename[:255],
        metadata=metadata or {},
        expires_at=timezone.now() + datetime.timedelta(hours=settings.TUS_UPLOAD_EXPIRY_HOURS),
    )
    upload_path(upload.pk).touch()
    return upload


def upload_delete(*, upload):
    """Side effects: the Upload row and its partial file are gone."""
    upload_path(upload.pk).unlink(missing_ok=True)
    upload.delete()


def upload_complete(*, upload):
    """The last byte arrived: the file becomes a film of the entry, to be checked by the worker.

    `upload` is the row as it was read, its file complete. When the file is gone before it could be moved (the
    upload was terminated or expired just then), nothing is made and the answer is None. Once the file is in
    private storage the film is made, even if the row went meanwhile: every byte arrived, and a retried last
    PATCH that found the file moved must not cost the child the whole film.
    Side effects: the file moves into private storage; a Film row (an earlier film stays until this one
    passes its check, see film_accepted); the Upload row is marked complete (offset = length, completed_at) and
    kept until it expires, so that a client that lost the last answer can still ask and learn that every byte
    arrived (tus HEAD); after commit, the check task is queued.
    Raises EntryError when the entry can no longer change (the file is then removed, and the row with it).
    """
    name = f"films/{upload.entry_id}/{upload.pk}{_extension(upload.filename)}"
    try:
        put_file(upload_path(upload.pk), name, durable=True)
    except FileNotFoundError:
        # Gone before the move, or during a copy to another disk or a bucket: whatever was copied goes too.
        _remove_files([name])
        return None
    with transaction.atomic():
        state = Entry.objects.select_for_update().values_list("state", flat=True).get(pk=upload.entry_id)
        if state not in (Entry.State.DRAFT, Entry.State.RETURNED):
            # Sent (or withdrawn) while the last bytes were on their way: the entry keeps the film it was sent with.
            Upload.objects.filter(pk=upload.pk).delete()
            transaction.on_commit(lambda: _remove_files([name]))
            film = None
        else:
            Upload.objects.filter(pk=upload.pk).update(offset=upload.length, completed_at=timezone.now())
            film = Film.objects.create(
                entry_id=upload.entry_id, file=name, size=upload.length, original_name=upload.filename
            )
    if film is None:
        raise EntryError("wrong_state", state=state)
    queue_after_commit("submissions.tasks.check_film", film.pk)
    return film


# A film still being checked after this long, while no check has ended meanwhile, was lost on its way to the
# worker; the watchdog sends such films again at most once in this time.
CHECK_STALE_AFTER = datetime.timedelta(minutes=15)


def films_check_watchdog(now=None):
    """Send again the checks of films that have waited longer than CHECK_STALE_AFTER while no film's check
    ended in that time: their message was lost (a broker that restarted without its data, or could not be
    reached when the upload ended), and the child's film would show "being checked" for ever. A queue that
    moves (checks end, a backlog is being worked through) is left alone: its films are on their way. A film
    checked twice is left as the first check left it (checks.film_check). Returns how many were sent."""
    now = now or timezone.now()
    cutoff = now - CHECK_STALE_AFTER
    if Film.objects.filter(checked_at__gte=cutoff).exists():
        return 0
    stale = list(
        Film.objects.filter(status=Film.Status.CHECKING, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
    # Once in CHECK_STALE_AFTER: a check that takes longer than that (a long film on a busy worker) must not
    # have the queue filled with copies of the films waiting behind it.
    if not stale or not cache.add("submissions:films-check-resent", now.isoformat(), CHECK_STALE_AFTER.total_seconds()):
        return 0
    logger.warning("Sending the check of %s films again: none was checked for %s", len(stale), CHECK_STALE_AFTER)
    for pk in stale:
        queue_after_commit("submissions.tasks.check_film", pk)
    return len(stale)


def film_accepted(*, film):
    """A film passed its check: it takes over from the entry's earlier films.

    Side effects: the earlier Film rows and their files are removed (after commit).
    """
    with transaction.atomic():
        Entry.objects.select_for_update().filter(pk=film.entry_id).first()
        older = list(Film.objects.filter(entry_id=film.entry_id, pk__lt=film.pk))
        files = [name for old in older for name in _film_files(old)]
        Film.objects.filter(pk__in=[old.pk for old in older]).delete()
        transaction.on_commit(lambda: _remove_files(files))


def uploads_expire(*, now=None):
    """Remove uploads past their expiry, finished ones too (their row only answered a client's last question).
    Side effects: rows and partial files deleted. Returns the count."""
    now = now or timezone.now()
    expired = list(Upload.objects.filter(expires_at__lte=now))
    for upload in expired:
        upload_delete(upload=upload)
    return len(expired)


def _extension(filename):
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f".{suffix}" if suffix.isalnum() and len(suffix) <= 5 else ""


def _film_files(film):
    return [name for name in (film.file, film.poster, film.preview) if name]


def _remove_files(names):
    storage = private_storage()
    for name in names:
        storage.delete(name)


def participants_import_start(*, region, user, uploaded):
    """Keep the uploaded .xlsx and queue its import. Side effects: a file in private storage, an ImportJob."""
    name = private_storage().save(f"imports/{region.code}/{uploaded.name[-80:]}", uploaded)
    job = ImportJob.objects.create(
        region=region,
        edition=Edition.objects.current(),
        created_by=user,
        file=name,
        original_name=uploaded.name[:255],
    )
    queue_after_commit("submissions.tasks.import_participants", job.pk)
    return job
