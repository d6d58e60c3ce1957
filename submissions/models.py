"""Entries: a film sent to the festival by a student or a team, its upload and the checks on it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from festival.models import AgeGroup, Edition, Nomination, Participant, Region, School


class Entry(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned for changes")
        REGIONAL_FINALIST = "regional_finalist", _("Regional finalist")
        REPUBLICAN_PARTICIPANT = "republican", _("Republican stage participant")
        AWARDED = "awarded", _("Winner")
        NOT_AWARDED = "not_awarded", _("Participant")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Language(models.TextChoices):
        KAZAKH = "kk", _("Kazakh")
        RUSSIAN = "ru", _("Russian")
        ENGLISH = "en", _("English")
        OTHER = "other", _("Other / no speech")

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="entries", verbose_name=_("edition"))
    nomination = models.ForeignKey(
        Nomination, on_delete=models.PROTECT, related_name="entries", verbose_name=_("nomination")
    )
    age_group = models.ForeignKey(
        AgeGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("age group")
    )
    title = models.CharField(_("title"), max_length=200)
    synopsis = models.TextField(_("synopsis"), max_length=2000, blank=True)
    language = models.CharField(_("language of the film"), max_length=8, choices=Language.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="entries", verbose_name=_("region"))
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("school")
    )
    school_other = models.CharField(_("school, if not in the list"), max_length=300, blank=True)
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="supervised_entries", verbose_name=_("supervisors")
    )
    external_url = models.URLField(_("link to the video"), blank=True)
    # The authors' own poster picture, re-encoded on upload; names in private storage.
    cover = models.CharField(_("poster picture"), max_length=500, blank=True)
    cover_thumbnail = models.CharField(_("poster thumbnail"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    return_reason = models.TextField(_("reason for return"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_entries", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        # A region's entries by state; with the nomination in it, the coordinator's counts by state and
        # nomination come from the index alone, without reading the region's rows.
        indexes = [models.Index(fields=["edition", "region", "state", "nomination"])]

    def __str__(self):
        return self.title

    @property
    def school_display(self):
        return self.school.name if self.school_id else self.school_other

    @property
    def film(self):
        """The film in effect: the newest that passed the check, else the newest one (being checked, or refused).

        Picked from the entry's films, so a list reads them for all its entries at once with
        prefetch_related("films"), and a query of other rows with prefetch_related("entry__films"): the rule is
        written here only."""
        films = self.films.all()
        checked = [film for film in films if film.status == Film.Status.OK]
        return max(checked or films, key=_pk, default=None)

    @property
    def latest_film(self):
        """The newest film, whatever its check says: the one the authors sent last."""
        return max(self.films.all(), key=_pk, default=None)


def _pk(row):
    return row.pk


class EntryAuthor(models.Model):
    class Role(models.TextChoices):
        DIRECTOR = "director", _("Director")
        SCREENWRITER = "screenwriter", _("Screenwriter")
        CAMERA = "camera", _("Camera")
        EDITING = "editing", _("Editing")
        ACTING = "acting", _("Acting")
        SOUND = "sound", _("Sound and music")
        ANIMATION = "animation", _("Animation")
        OTHER = "other", _("Other")

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="authors", verbose_name=_("entry"))
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="authorships", verbose_name=_("participant")
    )
    role = models.CharField(_("part in the film"), max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["entry", "participant__last_name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        constraints = [
            models.UniqueConstraint(fields=["entry", "participant", "role"], name="entry_author_unique_role")
        ]

    def __str__(self):
        return f"{self.participant} — {self.get_role_display()}"


class Upload(models.Model):
    """A resumable (tus) upload of an entry's film: bytes arrive in pieces into a file of the upload area."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="uploads", verbose_name=_("entry"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    length = models.BigIntegerField(_("size, bytes"))
    offset = models.BigIntegerField(_("bytes received"), default=0)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        constraints = [
            models.CheckConstraint(
                condition=Q(offset__gte=0) & Q(offset__lte=models.F("length")), name="upload_offset_in_range"
            )
        ]

    def __str__(self):
        return f"{self.filename or self.pk} ({self.offset}/{self.length})"

    @property
    def is_complete(self):
        return self.offset == self.length


class Film(models.Model):
    """The film of an entry, as the server checked it."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        OK = "ok", _("Checked")
        REJECTED = "rejected", _("Rejected")

    # An entry may hold two films for a while: the one in effect and a replacement being checked. The
    # replacement takes over only once it passes; until then the earlier film stays.
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="films", verbose_name=_("entry"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file = models.CharField(_("file"), max_length=500)
    size = models.BigIntegerField(_("size, bytes"))
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CHECKING)
    # Why a film was rejected, as a code and its values: the message is written in the reader's language.
    problem = models.CharField(_("problem"), max_length=40, blank=True)
    problem_params = models.JSONField(default=dict, blank=True)
    container = models.CharField(_("container"), max_length=60, blank=True)
    video_codec = models.CharField(_("video codec"), max_length=40, blank=True)
    audio_codec = models.CharField(_("audio codec"), max_length=40, blank=True)
    duration = models.FloatField(_("duration, seconds"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    poster = models.CharField(_("poster frame"), max_length=500, blank=True)
    preview = models.CharField(_("preview for the jury"), max_length=500, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("same film as")
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("film")
        verbose_name_plural = _("films")

    def __str__(self):
        return self.original_name or self.file

    @property
    def problem_message(self):
        from .problems import problem_message

        return problem_message(self.problem, self.problem_params) if self.problem else ""


class RegionQuota(models.Model):
    """How many finalists a region sends to the republican stage in a nomination."""

    DEFAULT = 1  # 150 finalists over 20 regions and 8 nominations: about one each

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("edition"))
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="+", verbose_name=_("nomination"))
    quota = models.PositiveSmallIntegerField(_("finalists"), default=DEFAULT)

    class Meta:
        verbose_name = _("finalist quota")
        verbose_name_plural = _("finalist quotas")
        constraints = [
            models.UniqueConstraint(fields=["edition", "region", "nomination"], name="quota_unique_region_nomination")
        ]

    def __str__(self):
        return f"{self.region} · {self.nomination}: {self.quota}"


class RegionSignoff(models.Model):
    """The coordinator's signature under the region's finalists: the list is locked from then on."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="signoffs", verbose_name=_("edition"))
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sign-off of finalists")
        verbose_name_plural = _("sign-offs of finalists")
        constraints = [models.UniqueConstraint(fields=["edition", "region"], name="signoff_once_per_region")]

    def __str__(self):
        return f"{self.edition.year} · {self.region}"


class ImportJob(models.Model):
    """A region's participant list from an offline stage, imported by the worker. The row is the truth:
    the file (deleted once the import ends: it holds children's personal data), the state, and the row-by-row
    report of what is wrong."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Checking")
        FAILED = "failed", _("Not imported: errors in the file")
        DONE = "done", _("Imported")

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    # The edition whose regional stage the list is of (the current one when it was sent).
    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("edition")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The stored name of the uploaded list while it waits and is checked; empty once deleted.
    file = models.CharField(max_length=500, blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    # [{"row": 12, "column": "iin", "code": "checksum", "params": {...}}, …] — worded at display time.
    errors = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("participant list import")
        verbose_name_plural = _("participant list imports")

    def __str__(self):
        return f"{self.region} · {self.original_name}"


class RegionalParticipant(models.Model):
    """A child on a region's list of an edition's regional stage (imported): owed a certificate."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+", verbose_name=_("edition"))
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="regional_stages", verbose_name=_("participant")
    )
    job = models.ForeignKey(ImportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("regional stage participant")
        verbose_name_plural = _("regional stage participants")
        constraints = [
            models.UniqueConstraint(fields=["edition", "participant"], name="regional_participant_once_per_edition")
        ]

    def __str__(self):
        return f"{self.edition.year} · {self.participant}"
