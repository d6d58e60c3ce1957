"""The festival's documents: diplomas, thank-you letters and certificates, their templates and the jobs
that issue them in bulk."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from festival.models import Edition, Nomination, Participant, Region


class Kind(models.TextChoices):
    DIPLOMA = "diploma", _("Diploma")
    THANKS = "thanks", _("Thank-you letter")
    CERTIFICATE = "certificate", _("Certificate of participation")


# Printed in the document number: language-neutral, so one number reads the same in Kazakh and Russian.
KIND_DIGIT = {Kind.DIPLOMA: 1, Kind.THANKS: 2, Kind.CERTIFICATE: 3}


def number_display(year, kind, number):
    return f"{year}-{KIND_DIGIT[kind]}-{number:06d}"


class Font(models.Model):
    """A TrueType font an organizer uploaded; accepted only with the whole Kazakh and Russian alphabet."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    file = models.CharField(_("file"), max_length=500)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("font")
        verbose_name_plural = _("fonts")

    def __str__(self):
        return self.name

    @property
    def key(self):
        return f"font-{self.pk}"


class DocumentTemplate(models.Model):
    """How one kind of document of an edition looks, in one language or in both on one page."""

    class Language(models.TextChoices):
        BILINGUAL = "kk+ru", _("Kazakh and Russian on one page")
        KAZAKH = "kk", _("Kazakh")
        RUSSIAN = "ru", _("Russian")

    class Page(models.TextChoices):
        A4 = "A4", "A4"
        A5 = "A5", "A5"

    class Orientation(models.TextChoices):
        LANDSCAPE = "landscape", _("Landscape")
        PORTRAIT = "portrait", _("Portrait")

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="document_templates", verbose_name=_("edition")
    )
    kind = models.CharField(_("document"), max_length=12, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.BILINGUAL)
    page = models.CharField(_("page size"), max_length=4, choices=Page.choices, default=Page.A4)
    orientation = models.CharField(
        _("orientation"), max_length=10, choices=Orientation.choices, default=Orientation.LANDSCAPE
    )
    # The background as stored after re-encoding (a small JPEG), in private storage.
    background = models.CharField(_("background image"), max_length=500, blank=True)
    # [{"type": "text"|"qr"|"image", "x": mm, "y": mm, …}] — see certificates.render.
    elements = models.JSONField(_("elements"), default=list, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        ordering = ["edition", "kind", "language"]
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        constraints = [
            models.UniqueConstraint(fields=["edition", "kind", "language"], name="template_one_per_kind_language")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_language_display()}"


class TemplateImage(models.Model):
    """A signature or a stamp placed on a template."""

    template = models.ForeignKey(DocumentTemplate, on_delete=models.CASCADE, related_name="images")
    label = models.CharField(_("label"), max_length=100)
    file = models.CharField(max_length=500)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("signature or stamp")
        verbose_name_plural = _("signatures and stamps")

    def __str__(self):
        return self.label


class Counter(models.Model):
    """The last number given to a kind of document in an edition: numbers run without gaps."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["edition", "kind"], name="counter_one_per_kind")]

    def __str__(self):
        return f"{self.edition_id} · {self.kind}: {self.last}"


class IssueJob(models.Model):
    """An organizer's run: the documents owed for an edition (filtered), issued and rendered in chunks by
    any number of workers. The rows are the truth; a lost message is re-sent from them."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Finished")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="issue_jobs", verbose_name=_("edition"))
    kinds = models.JSONField(_("documents"), default=list)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    nomination = models.ForeignKey(
        Nomination, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("nomination")
    )
    send_letters = models.BooleanField(_("e-mail the recipients"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(_("documents"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # When a message was last sent for the job's chunks: the watchdog re-sends those a lost broker dropped.
    kicked_at = models.DateTimeField(_("last sent to the workers"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("issuing job")
        verbose_name_plural = _("issuing jobs")
        constraints = [
            # One job at a time per edition: a second start joins the running one.
            models.UniqueConstraint(fields=["edition"], condition=Q(status="running"), name="issue_job_one_running")
        ]

    def __str__(self):
        return f"{self.edition.year} · {self.created_at:%Y-%m-%d %H:%M}"


class IssueChunk(models.Model):
    """A slice of a job: up to a few hundred documents of one kind and region, and their print-ready PDF.
    One worker at a time works on it, under a lease (see certificates.services.chunk_run)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DONE = "done", _("Done")

    job = models.ForeignKey(IssueJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # What is owed: [{"basis": …, …}] — the recipients as the plan found them.
    owed = models.JSONField(default=list)
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    batch_file = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker working on the chunk holds it until then and renews it while it works: a lease not renewed
    # means its worker stopped (killed, out of memory, the machine gone), and the watchdog sends it again.
    leased_until = models.DateTimeField(null=True, blank=True)
    # When the watchdog last found the chunk's worker gone and sent the chunk again: the job's page says so.
    lost_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="chunk_unique_index")]
        indexes = [models.Index(fields=["job", "status"])]

    def __str__(self):
        return f"{self.job_id} · {self.index}"


class Archive(models.Model):
    """The documents of one region and kind of an edition in one .zip, rebuilt by each job."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    file = models.CharField(max_length=500)
    count = models.PositiveIntegerField(default=0)
    size = models.BigIntegerField(default=0)
    built_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "region__order"]
        constraints = [models.UniqueConstraint(fields=["edition", "kind", "region"], name="archive_one_per_region")]

    def __str__(self):
        return self.file


class Document(models.Model):
    """One issued document. What it says is frozen in `data` when it is issued; a correction revokes it
    and issues a new one with a new number."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")
        REPLACED = "replaced", _("Replaced by a corrected document")

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="documents", verbose_name=_("edition"))
    kind = models.CharField(_("document"), max_length=12, choices=Kind.choices)
    number = models.PositiveIntegerField(_("number"))
    code = models.CharField(_("verification code"), max_length=16, unique=True)
    # Who it is owed to and why, e.g. "participant:12" or "entry:5:supervisor:9": one valid document each.
    basis = models.CharField(_("basis"), max_length=80)
    participant = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("participant"),
    )
    # The account that may download it: the participant's own, or the supervisor's.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("account"),
    )
    entry = models.ForeignKey(
        "submissions.Entry", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("entry")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    nomination = models.ForeignKey(
        Nomination, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("nomination")
    )
    full_name = models.CharField(_("recipient"), max_length=300)
    language = models.CharField(_("language"), max_length=5)
    data = models.JSONField(default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.VALID)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    job = models.ForeignKey(
        IssueJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("issuing job")
    )
    file = models.CharField(_("file"), max_length=500, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason"), max_length=500, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replaced_by = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )
    # "Your document is ready": due once a job issued it with letters on; sent by the scheduler in batches.
    letter_due = models.BooleanField(_("letter due"), default=False)
    letter_sent_at = models.DateTimeField(_("letter sent at"), null=True, blank=True)

    class Meta:
        ordering = ["edition", "kind", "number"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(fields=["edition", "kind", "number"], name="document_unique_number"),
            models.UniqueConstraint(
                fields=["edition", "kind", "basis"], condition=Q(status="valid"), name="document_once_per_basis"
            ),
        ]
        indexes = [
            models.Index(fields=["edition", "kind", "region"]),
            models.Index(fields=["job"]),
            models.Index(
                fields=["letter_due"],
                condition=Q(letter_due=True, letter_sent_at__isnull=True),
                name="document_letters_due",
            ),
        ]

    def __str__(self):
        return f"{self.display_number} · {self.full_name}"

    @property
    def display_number(self):
        return self.data.get("number") or number_display(self.edition.year, self.kind, self.number)

    @property
    def display_code(self):
        return f"{self.code[:4]}-{self.code[4:8]}-{self.code[8:]}"
