"""Issuing the festival's documents: numbers and codes, revocation and reissue, the bulk jobs run by the
workers, and the letters that say a document is ready. Who is owed what is read in selectors."""

import contextlib
import datetime
import logging
import os
import secrets
import shutil
import tempfile
import zipfile
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from festival.models import Participant, Region, User
from festival.services import queue_after_commit
from judging.models import Award
from submissions.models import Entry, EntryAuthor
from submissions.storage import is_local, local_copy, private_storage, put_bytes, put_file, stored

from . import designs, render
from .models import (
    Archive,
    Counter,
    Document,
    DocumentTemplate,
    Font,
    IssueChunk,
    IssueJob,
    Kind,
    TemplateImage,
    number_display,
)
from .selectors import missing, owed

logger = logging.getLogger(__name__)

# A job none of whose chunks finished this long after its messages were sent has them all sent again: a
# restarted broker forgot the messages no worker had taken yet.
STALE_AFTER = datetime.timedelta(minutes=5)
# A worker holds the chunk it works on for LEASE and renews the hold every LEASE_RENEW_EVERY while it works
# (each step of a chunk — issuing, a page drawn, a file stored — takes well under a second). A hold that ran
# out means the worker stopped: the watchdog (run by beat every WATCHDOG_EVERY) sends the chunk again, so a
# killed worker costs a job under a minute, not STALE_AFTER.
LEASE = datetime.timedelta(seconds=30)
LEASE_RENEW_EVERY = datetime.timedelta(seconds=10)
WATCHDOG_EVERY = datetime.timedelta(seconds=15)
# Crockford's alphabet: no I, L, O, U — a code typed from paper is read back without confusion.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 bits
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})

PLACES = {1: gettext_lazy("1st place"), 2: gettext_lazy("2nd place"), 3: gettext_lazy("3rd place")}


class DocumentError(Exception):
    def __init__(self, code, **params):
        super().__init__(code)
        self.code, self.params = code, params


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text):
    """A code as printed ("ABCD-EFGH-JKMN") or typed ("abcd efgh jkmn", O for 0): the stored form, or ""."""
    code = "".join(ch for ch in (text or "").upper() if ch.isalnum()).translate(_TYPO)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return ""
    return code


def verify_url(code):
    return f"{settings.SITE_URL.rstrip('/')}/v/{code}/"


# ---------------------------------------------------------------- templates


def templates_ensure(edition):
    """The edition's templates, the ready-made bilingual design for each kind that has none yet."""
    have = set(DocumentTemplate.objects.filter(edition=edition).values_list("kind", flat=True))
    for kind in Kind.values:
        if kind not in have:
            template = DocumentTemplate(
                edition=edition,
                kind=kind,
                language=DocumentTemplate.Language.BILINGUAL,
                elements=designs.default_elements(kind, DocumentTemplate.Language.BILINGUAL),
            )
            template.background = put_bytes(
                f"documents/{edition.year}/design/{kind}-background.jpg", designs.default_background("landscape")
            )
            template.save()
    return list(DocumentTemplate.objects.filter(edition=edition))


def template_for(edition, kind, language):
    """The template a recipient's document is drawn with: their language's if there is one, else the
    bilingual one, else any of the kind."""
    templates = {t.language: t for t in DocumentTemplate.objects.filter(edition=edition, kind=kind)}
    if not templates:
        templates_ensure(edition)
        return template_for(edition, kind, language)
    for wanted in (language, DocumentTemplate.Language.BILINGUAL, "ru", "kk"):
        if wanted in templates:
            return templates[wanted]
    return next(iter(templates.values()))


def template_save(*, template, page, orientation, elements, by, background=None, clear_background=False):
    """Save a design. `background` is an uploaded file (re-encoded here); refused with ImageProblem.

    Side effects: the template row; a new background's file in private storage; after commit, the background
    it replaces (or clears) is deleted, unless another template still shows it (a template made as a copy).
    """
    old_background = template.background
    if background is not None:
        data = render.process_background(background, page=page, orientation=orientation)
        template.background = put_bytes(
            f"documents/{template.edition.year}/design/{template.kind}-{template.language}-{new_code()}.jpg", data
        )
    elif clear_background:
        template.background = ""
    template.page, template.orientation, template.elements, template.updated_by = page, orientation, elements, by
    with transaction.atomic():
        template.save()
        if old_background and old_background != template.background:
            transaction.on_commit(lambda: _background_release(old_background))
    return template


def _background_release(name):
    """Delete a background no template shows any more. Documents already issued keep their own PDFs; a job
    drawing documents reads the template again for each batch, so it takes up the new background."""
    if not DocumentTemplate.objects.filter(background=name).exists():
        private_storage().delete(name)


def template_add_image(*, template, label, uploaded):
    data = render.process_signature(uploaded)
    name = put_bytes(f"documents/{template.edition.year}/design/image-{new_code()}.png", data)
    return TemplateImage.objects.create(template=template, label=label[:100] or _("Signature"), file=name)


def font_add(*, name, uploaded, by):
    """Keep an uploaded TrueType font; refused with render.FontProblem naming the missing letters."""
    storage = private_storage()
    kept = storage.save(f"documents/fonts/{new_code()}.ttf", uploaded)
    try:
        with local_copy(kept) as path:
            render.check_font(path)
    except render.FontProblem:
        storage.delete(kept)
        raise
    return Font.objects.create(name=name[:100], file=kept, uploaded_by=by)


# ---------------------------------------------------------------- what a document says


def _award_texts(award):
    texts = {}
    for code in ("kk", "ru", "en"):
        with translation.override(code):
            if award is None:
                texts[f"award_{code}"] = ""
            elif award.kind == award.Kind.PLACE:
                texts[f"award_{code}"] = str(PLACES.get(award.place, award.place))
            else:
                texts[f"award_{code}"] = str(award.Kind(award.kind).label)
    if award is not None and award.note:
        for code in ("kk", "ru", "en"):
            texts[f"award_{code}"] = f"{texts[f'award_{code}']} — {award.note}"
    return texts


def _compose(edition, items):
    """The data printed on each item's document, read in a few queries for the whole list."""
    participant_ids = {i["participant"] for i in items if i.get("participant")}
    user_ids = {i["user"] for i in items if i.get("user")}
    entry_ids = {i["entry"] for i in items if i.get("entry")}
    participants = Participant.objects.select_related("school", "region", "user").in_bulk(participant_ids)
    users = User.objects.select_related("school", "region").in_bulk(user_ids)
    entries = Entry.objects.select_related("nomination", "school", "region").in_bulk(entry_ids)
    awards = {a.entry_id: a for a in Award.objects.filter(entry__in=entry_ids)}
    supervisors = defaultdict(list)
    for entry_id, last, first, patronymic in Entry.supervisors.through.objects.filter(entry__in=entry_ids).values_list(
        "entry_id", "user__last_name", "user__first_name", "user__patronymic"
    ):
        supervisors[entry_id].append(" ".join(p for p in (last, first, patronymic) if p))
    authors = defaultdict(list)
    for entry_id, last, first in (
        EntryAuthor.objects.filter(entry__in=entry_ids)
        .order_by("pk")
        .values_list("entry_id", "participant__last_name", "participant__first_name")
    ):
        name = f"{last} {first}"
        if name not in authors[entry_id]:
            authors[entry_id].append(name)
    regions = Region.objects.in_bulk({i["region"] for i in items if i.get("region")})
    base = {"year": str(edition.year), "date": timezone.localdate().strftime("%d.%m.%Y")}
    base.update({f"edition_{code}": getattr(edition, f"title_{code}") for code in ("kk", "ru", "en")})
    composed = []
    for item in items:
        data = dict(base)
        entry = entries.get(item.get("entry"))
        person = participants.get(item.get("participant"))
        account = None
        if person is not None:
            data["full_name"] = person.full_name
            data["school"] = person.school_display
            account = person.user
        else:
            supervisor = users[item["user"]]
            data["full_name"] = supervisor.get_full_name()
            data["school"] = supervisor.school_display or (entry.school_display if entry else "")
            account = supervisor
        region = regions.get(item.get("region"))
        for code in ("kk", "ru", "en"):
            data[f"region_{code}"] = getattr(region, f"name_{code}") if region else ""
        if entry is not None:
            data["film"] = entry.title
            for code in ("kk", "ru", "en"):
                data[f"nomination_{code}"] = getattr(entry.nomination, f"name_{code}")
            data["supervisor"] = ", ".join(supervisors[entry.pk])
            data["authors"] = ", ".join(authors[entry.pk])
        if item["kind"] != Kind.CERTIFICATE:
            data.update(_award_texts(awards.get(item.get("entry"))))
        composed.append((item, data, account, entry))
    return composed


def _language_for(account):
    return account.language if account is not None and account.language in ("kk", "ru") else "kk+ru"


@transaction.atomic
def _issue(edition, kind, items, *, job=None):
    """Issue the items that still lack a valid document; return the valid documents of all the items.

    Numbers come from the edition's counter of the kind, locked for the transaction: two workers issuing
    the same items one after the other find the first one's documents and add none.
    """
    counter, _created = Counter.objects.get_or_create(edition=edition, kind=kind)
    counter = Counter.objects.select_for_update().get(pk=counter.pk)
    bases = [item["basis"] for item in items]
    have = set(
        Document.objects.filter(edition=edition, kind=kind, basis__in=bases, status=Document.Status.VALID).values_list(
            "basis", flat=True
        )
    )
    todo = [item for item in items if item["basis"] not in have]
    documents = []
    for offset, (item, data, account, entry) in enumerate(_compose(edition, todo), start=1):
        number, code = counter.last + offset, new_code()
        data.update(number=number_display(edition.year, kind, number), code=f"{code[:4]}-{code[4:8]}-{code[8:]}")
        data["verify_url"] = verify_url(code)
        documents.append(
            Document(
                edition=edition,
                kind=kind,
                number=number,
                code=code,
                file=document_file_name(edition, kind, item.get("region"), number, code),
                basis=item["basis"],
                participant_id=item.get("participant"),
                user=account,
                entry=entry,
                region_id=item.get("region"),
                nomination_id=entry.nomination_id if entry else None,
                full_name=data["full_name"][:300],
                language=_language_for(account),
                data=data,
                job=job,
            )
        )
    Document.objects.bulk_create(documents, batch_size=1000)
    counter.last += len(documents)
    counter.save(update_fields=["last"])
    return list(
        Document.objects.filter(edition=edition, kind=kind, basis__in=bases, status=Document.Status.VALID).order_by(
            "number"
        )
    )


# ---------------------------------------------------------------- rendering and files


def document_file_name(edition, kind, region_id, number, code):
    """Where a document's PDF lives: fixed when it is issued, so a render repeated after a failure writes
    the same file."""
    return f"documents/{edition.year}/{kind}/{region_id or 'all'}/{number:06d}-{code}.pdf"


class _Specs:
    """Render specs per (kind, language) of an edition, read once per chunk."""

    def __init__(self, edition):
        self.edition, self.cache, self.fonts = edition, {}, designs.template_fonts()

    def __call__(self, document):
        key = (document.kind, document.language)
        if key not in self.cache:
            template = template_for(self.edition, document.kind, document.language)
            self.cache[key] = designs.spec_for(template)
        return self.cache[key]


def document_pdf(document):
    """The document's PDF: the stored file, or rendered now (and not stored) when there is none."""
    if document.file and stored(document.file):
        with private_storage().open(document.file, "rb") as handle:
            return handle.read()
    specs = _Specs(document.edition)
    return render.render_one(specs(document), document.data, fonts=specs.fonts)


def document_filename(document):
    return f"{document.display_number}.pdf"


def _render_files(documents, specs, *, fresh=False, progress=None):
    """Store the PDF of each document whose file is not there yet (all of them when `fresh`: just issued)."""
    todo = [d for d in documents if fresh or not stored(d.file)]
    for document in todo:
        put_bytes(document.file, render.render_one(specs(document), document.data, fonts=specs.fonts))
        if progress is not None:
            progress()
    return todo


# ---------------------------------------------------------------- bulk jobs


def job_start(*, edition, kinds, by, region=None, nomination=None, send_letters=True):
    """Plan the documents still owed (filtered) and queue their chunks. While a job of the edition runs,
    a second start joins it: the running job is returned and nothing is planned twice."""
    kinds = [k for k in Kind.values if k in kinds]
    if not kinds:
        raise DocumentError("no_kinds")
    running = IssueJob.objects.filter(edition=edition, status=IssueJob.Status.RUNNING).first()
    if running is not None:
        return running
    templates_ensure(edition)
    items = missing(edition, owed(edition, kinds=kinds, region=region, nomination=nomination))
    from django.db import IntegrityError

    try:
        with transaction.atomic():
            job = IssueJob.objects.create(
                edition=edition,
                kinds=kinds,
                region=region,
                nomination=nomination,
                send_letters=send_letters,
                created_by=by,
                total=len(items),
                kicked_at=timezone.now(),
            )
            groups = defaultdict(list)
            for item in items:
                groups[(item["kind"], item.get("region"))].append(item)
            chunks, index = [], 0
            for (kind, region_id), group in sorted(
                groups.items(), key=lambda g: (Kind.values.index(g[0][0]), g[0][1] or 0)
            ):
                size = settings.DOCUMENT_CHUNK_SIZE
                for start in range(0, len(group), size):
                    part = group[start : start + size]
                    chunks.append(
                        IssueChunk(job=job, index=index, kind=kind, region_id=region_id, owed=part, size=len(part))
                    )
                    index += 1
            IssueChunk.objects.bulk_create(chunks, batch_size=500)
            for kind in kinds:
                Counter.objects.get_or_create(edition=edition, kind=kind)
            if not chunks:
                queue_after_commit("certificates.tasks.job_finish", job.pk)
            else:
                for chunk in chunks:
                    queue_after_commit("certificates.tasks.chunk_run", chunk.pk)
    except IntegrityError:
        # Another organizer started one at the same moment: join it.
        return IssueJob.objects.get(edition=edition, status=IssueJob.Status.RUNNING)
    return job


class _ChunkGone(Exception):
    """The chunk was finished by another worker meanwhile."""


class _Lease:
    """A worker's hold on a chunk: taken when it starts, renewed while it works (at most every
    LEASE_RENEW_EVERY, whatever the number of calls), dropped when the work fails with an error."""

    def __init__(self, chunk_id):
        self.chunk_id, self.renewed = chunk_id, None

    def _pending(self):
        return IssueChunk.objects.filter(pk=self.chunk_id, status=IssueChunk.Status.PENDING)

    def take(self):
        """Hold the chunk unless another worker holds it now; False if it does (or the chunk is done)."""
        now = timezone.now()
        taken = (
            self._pending()
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
            .update(leased_until=now + LEASE)
        )
        self.renewed = now
        return bool(taken)

    def renew(self):
        now = timezone.now()
        if now - self.renewed < LEASE_RENEW_EVERY:
            return
        if not self._pending().update(leased_until=now + LEASE):
            raise _ChunkGone
        self.renewed = now

    def drop(self):
        self._pending().update(leased_until=None)


def chunk_run(chunk_id):
    """Issue and render one chunk, holding it under a lease (_Lease) that a message delivered twice finds
    held. Safe to run twice or after a killed worker: documents are issued once (see _issue) and files are
    written under fixed names."""
    chunk = IssueChunk.objects.select_related("job__edition").filter(pk=chunk_id).first()
    if chunk is None or chunk.status == IssueChunk.Status.DONE or chunk.job.status != IssueJob.Status.RUNNING:
        return False
    lease = _Lease(chunk.pk)
    if not lease.take():
        return False  # another worker is on it; if that one stops, the watchdog sends the chunk again
    try:
        return _chunk_work(chunk, lease)
    except _ChunkGone:
        return False
    except Exception:
        # An error, not a lost worker: the chunk waits for the next nudge (STALE_AFTER) rather than being
        # retried within the minute for as long as the error lasts.
        lease.drop()
        raise


def _chunk_work(chunk, lease):
    job, edition = chunk.job, chunk.job.edition
    documents = _issue(edition, chunk.kind, chunk.owed, job=job)
    lease.renew()
    specs = _Specs(edition)
    pages = [(specs(d), d.data) for d in documents]
    todo = [d for d in documents if not stored(d.file)]
    if len(todo) == len(documents):  # the usual case: each page is laid out once for its file and the batch
        files, batch = render.render_each_and_batch(pages, fonts=specs.fonts, progress=lease.renew)
        for document, pdf in zip(documents, files, strict=True):
            put_bytes(document.file, pdf)
            lease.renew()
    else:
        _render_files(todo, specs, fresh=True, progress=lease.renew)
        batch = render.render(pages, fonts=specs.fonts, progress=lease.renew)
    name = put_bytes(f"documents/{edition.year}/batches/job-{job.pk}-{chunk.index:05d}-{chunk.kind}.pdf", batch)
    if job.send_letters:
        Document.objects.filter(pk__in=[d.pk for d in documents if d.user_id and d.letter_sent_at is None]).update(
            letter_due=True
        )
    updated = IssueChunk.objects.filter(pk=chunk.pk, status=IssueChunk.Status.PENDING).update(
        status=IssueChunk.Status.DONE, batch_file=name, finished_at=timezone.now()
    )
    if updated and not IssueChunk.objects.filter(job=job, status=IssueChunk.Status.PENDING).exists():
        queue_after_commit("certificates.tasks.job_finish", job.pk)
    return True


def job_finish(job_id):
    """Once every chunk is done: queue the archives of the regions and kinds the job touched, one task each
    so that the workers build them side by side. The last one finishes the job."""
    job = IssueJob.objects.select_related("edition").get(pk=job_id)
    if job.status != IssueJob.Status.RUNNING or IssueChunk.objects.filter(job=job, status="pending").exists():
        return False
    pairs = _job_archives(job)
    if not pairs:
        _job_done(job)
    for kind, region_id in pairs:
        queue_after_commit("certificates.tasks.archive_run", job.pk, kind, region_id)
    return True


def _job_archives(job):
    return sorted(set(IssueChunk.objects.filter(job=job).values_list("kind", "region_id")), key=str)


def _job_done(job):
    IssueJob.objects.filter(pk=job.pk, status=IssueJob.Status.RUNNING).update(
        status=IssueJob.Status.DONE, finished_at=timezone.now()
    )


def archive_run(job_id, kind, region_id):
    """Build one archive of a job; the job is finished when all of its archives are newer than its last chunk."""
    job = IssueJob.objects.select_related("edition").get(pk=job_id)
    if job.status != IssueJob.Status.RUNNING:
        return False
    archive_build(edition=job.edition, kind=kind, region_id=region_id)
    with transaction.atomic():
        job = IssueJob.objects.select_for_update().get(pk=job.pk)
        last_chunk = IssueChunk.objects.filter(job=job).order_by("-finished_at").values_list("finished_at", flat=True)
        built = {
            (a.kind, a.region_id)
            for a in Archive.objects.filter(edition=job.edition, built_at__gte=last_chunk.first() or job.created_at)
        }
        if job.status == IssueJob.Status.RUNNING and set(_job_archives(job)) <= built:
            _job_done(job)
    return True


def archive_build(*, edition, kind, region_id):
    """One .zip of every valid document of the kind in the region, rendered where a file is missing."""
    documents = list(
        Document.objects.filter(edition=edition, kind=kind, region_id=region_id, status=Document.Status.VALID)
        .select_related("edition")
        .defer("data")  # read only for a document whose file has to be rendered again
        .order_by("number")
    )
    _render_files(documents, _Specs(edition))
    region = Region.objects.filter(pk=region_id).first()
    storage = private_storage()
    name = f"documents/{edition.year}/archives/{kind}-{region.code if region else 'all'}.zip"
    entries = [(d.file, f"{number_display(edition.year, kind, d.number)} {d.full_name}.pdf") for d in documents]
    # Written aside first: a download meanwhile gets the previous archive, never half of one.
    handle, partial = tempfile.mkstemp(prefix="archive-", suffix=".zip.part", dir=_archive_folder(storage, name))
    os.close(handle)
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for file, arcname in entries:
                _add_to_archive(archive, storage, file, arcname)
        size = os.path.getsize(partial)
        put_file(partial, name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
    Archive.objects.update_or_create(
        edition=edition,
        kind=kind,
        region=region,
        defaults={"file": name, "count": len(documents), "size": size},
    )


def _archive_folder(storage, name):
    """Where an archive is put together: beside its place on the folder (then renamed into it), anywhere for
    the bucket (then uploaded)."""
    if not is_local(storage):
        return None
    folder = os.path.dirname(storage.path(name))
    os.makedirs(folder, exist_ok=True)
    return folder


def _add_to_archive(archive, storage, name, arcname):
    """One file into the .zip, streamed: never whole in memory."""
    if is_local(storage):
        archive.write(storage.path(name), arcname)
        return
    info = zipfile.ZipInfo(arcname, date_time=timezone.localtime().timetuple()[:6])
    with storage.open(name, "rb") as source, archive.open(info, "w", force_zip64=True) as target:
        shutil.copyfileobj(source, target, 1024 * 1024)


def job_cancel(*, job):
    IssueJob.objects.filter(pk=job.pk, status=IssueJob.Status.RUNNING).update(
        status=IssueJob.Status.CANCELLED, finished_at=timezone.now()
    )


def job_resume(*, job):
    """Run a cancelled or stalled job on: its unfinished chunks are queued again (finished ones stay)."""
    with transaction.atomic():
        if job.status == IssueJob.Status.CANCELLED:
            if IssueJob.objects.filter(edition=job.edition, status=IssueJob.Status.RUNNING).exists():
                raise DocumentError("another_running")
            IssueJob.objects.filter(pk=job.pk).update(status=IssueJob.Status.RUNNING, finished_at=None)
        elif job.status != IssueJob.Status.RUNNING:
            return
        IssueJob.objects.filter(pk=job.pk).update(kicked_at=timezone.now())
        pending = list(
            IssueChunk.objects.filter(job=job, status=IssueChunk.Status.PENDING).values_list("pk", flat=True)
        )
        for pk in pending:
            queue_after_commit("certificates.tasks.chunk_run", pk)
        if not pending:
            queue_after_commit("certificates.tasks.job_finish", job.pk)


def jobs_watchdog(now=None):
    """Send again the chunks of running jobs whose worker stopped (their lease ran out: a killed worker's
    message would wait hours for the broker's timeout), and all the unfinished chunks of a job that made no
    progress for STALE_AFTER (a restarted broker forgets queued messages).

    Side effects: marks the chunks found lost (lost_at, shown on the job's page), queues chunk_run tasks for
    them and for their jobs' chunks no worker has started."""
    now = now or timezone.now()
    lost = IssueChunk.objects.filter(
        job__status=IssueJob.Status.RUNNING, status=IssueChunk.Status.PENDING, leased_until__lt=now
    ).values_list("pk", "leased_until", "job_id", "index")
    resent, stopped = set(), set()
    for pk, leased_until, job_id, index in lost:
        # Only if no worker took or renewed it meanwhile.
        if IssueChunk.objects.filter(pk=pk, leased_until=leased_until).update(leased_until=None, lost_at=now):
            logger.warning("Job %s: part %s stopped with its worker; sending it again", job_id, index + 1)
            queue_after_commit("certificates.tasks.chunk_run", pk)
            resent.add(pk)
            stopped.add(job_id)
    # A worker that stopped may also have taken messages it never started (their chunks hold no lease): the
    # unstarted chunks of its jobs are sent again too. A copy of a message still queued finds its chunk done
    # or held and does nothing.
    unstarted = IssueChunk.objects.filter(
        job__in=stopped, status=IssueChunk.Status.PENDING, leased_until__isnull=True
    ).exclude(pk__in=resent)
    for pk in unstarted.values_list("pk", flat=True):
        queue_after_commit("certificates.tasks.chunk_run", pk)
    for job in IssueJob.objects.filter(status=IssueJob.Status.RUNNING, kicked_at__lt=now - STALE_AFTER):
        last = (
            IssueChunk.objects.filter(job=job, status=IssueChunk.Status.DONE)
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
        if last is None or last < now - STALE_AFTER:
            job_resume(job=job)


def job_progress(job):
    """Documents done out of the job's total, and the parts sent again after their worker stopped: those
    being redone (`redoing`, their numbers from 1) and how many were redone in all."""
    chunks = list(IssueChunk.objects.filter(job=job).values_list("index", "status", "size", "lost_at"))
    done = sum(size for _index, status, size, _lost in chunks if status == IssueChunk.Status.DONE)
    redoing = [index + 1 for index, status, _size, lost in chunks if lost and status == IssueChunk.Status.PENDING]
    return {
        "done": done,
        "total": job.total,
        "percent": 100 if not job.total else int(100 * done / job.total),
        "redoing": redoing,
        "redone": sum(1 for *_rest, lost in chunks if lost),
    }


# ---------------------------------------------------------------- one document: correction, revocation


@transaction.atomic
def document_revoke(*, document, reason, by):
    reason = (reason or "").strip()
    if not reason:
        raise DocumentError("reason")
    updated = Document.objects.filter(pk=document.pk, status=Document.Status.VALID).update(
        status=Document.Status.REVOKED, revoked_at=timezone.now(), revoked_reason=reason[:500], revoked_by=by
    )
    if not updated:
        raise DocumentError("not_valid")


@transaction.atomic
def document_reissue(*, document, reason, by):
    """A correction: the document is marked replaced and a new one, with the data read afresh (the name as
    corrected), is issued with a new number and code."""
    reason = (reason or "").strip()
    if not reason:
        raise DocumentError("reason")
    current = Document.objects.select_for_update().get(pk=document.pk)
    if current.status != Document.Status.VALID:
        raise DocumentError("not_valid")
    Document.objects.filter(pk=current.pk).update(
        status=Document.Status.REPLACED, revoked_at=timezone.now(), revoked_reason=reason[:500], revoked_by=by
    )
    item = {
        "kind": current.kind,
        "basis": current.basis,
        "participant": current.participant_id,
        "entry": current.entry_id,
        "region": current.region_id,
    }
    if current.basis.split(":")[-2] == "supervisor":
        item["user"] = int(current.basis.split(":")[-1])
    [fresh] = _issue(current.edition, current.kind, [item])
    Document.objects.filter(pk=current.pk).update(replaced_by=fresh)
    return fresh


# ---------------------------------------------------------------- letters


def letters_send_batch(*, limit=None, base_url=None):
    """Send the "your document is ready" letters that are due, at most `limit` (the configured rate per
    run of the scheduler), one letter per person however many documents they received."""
    from django.core.mail import EmailMultiAlternatives, get_connection
    from django.template.loader import render_to_string

    limit = limit or settings.DOCUMENT_LETTERS_PER_RUN
    base_url = (base_url or settings.SITE_URL).rstrip("/")
    with transaction.atomic():
        due = list(
            Document.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(letter_due=True, letter_sent_at__isnull=True, status=Document.Status.VALID, user__isnull=False)
            .select_related("user", "edition")
            .order_by("pk")[:limit]
        )
        by_user = defaultdict(list)
        for document in due:
            by_user[document.user].append(document)
        messages = []
        for user, documents in by_user.items():
            with translation.override(user.language):
                context = {"user": user, "documents": documents, "base_url": base_url, "language": user.language}
                subject = render_to_string("emails/documents_ready_subject.txt", context).strip()
                body = render_to_string("emails/documents_ready_body.txt", context)
            messages.append(EmailMultiAlternatives(subject, body, to=[user.email]))
        if messages:
            get_connection().send_messages(messages)
        Document.objects.filter(pk__in=[d.pk for d in due]).update(letter_sent_at=timezone.now())
    return len(messages)
