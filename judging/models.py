"""Jury panels, criteria, assignments, scores, conflicts of interest and the audit trail."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from festival.i18n import LocalizedNameMixin
from festival.models import Edition, Nomination, Region
from submissions.models import Entry


class Criterion(LocalizedNameMixin, models.Model):
    """What jurors score, on a scale from 0 to `maximum`, counted with `weight`. A criterion without a
    nomination applies to every nomination of the edition."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("edition"))
    nomination = models.ForeignKey(
        Nomination,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="criteria",
        verbose_name=_("nomination"),
        help_text=_("Empty: every nomination."),
    )
    code = models.SlugField(_("code"), max_length=40)
    name_kk = models.CharField(_("name in Kazakh"), max_length=200)
    name_ru = models.CharField(_("name in Russian"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    maximum = models.PositiveSmallIntegerField(
        _("scale maximum"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=1)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["edition", "nomination", "code"], name="criterion_unique_code"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self):
        return self.name


class Panel(LocalizedNameMixin, models.Model):
    """A jury: its members score the entries of its nominations (at the regional stage, of its region) until
    the deadline. Its name is kept in Kazakh, Russian and English; `name` reads in the reader's language."""

    class Stage(models.TextChoices):
        REGIONAL = "regional", _("Regional stage")
        REPUBLICAN = "republican", _("Republican stage")

    class Method(models.TextChoices):
        MEAN = "mean", _("Mean")
        MEDIAN = "median", _("Median")
        TRIMMED = "trimmed", _("Trimmed mean (without the highest and the lowest)")

    class Assigning(models.TextChoices):
        ALL = "all", _("Every member scores every entry")
        PER_ENTRY = "per_entry", _("A set number of jurors per entry")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="panels", verbose_name=_("edition"))
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    name_kk = models.CharField(_("name in Kazakh"), max_length=200, blank=True)
    name_ru = models.CharField(_("name in Russian"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    nominations = models.ManyToManyField(Nomination, related_name="panels", verbose_name=_("nominations"))
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chair"),
    )
    deadline = models.DateTimeField(_("scores until"))
    method = models.CharField(_("aggregation"), max_length=10, choices=Method.choices, default=Method.MEAN)
    normalise = models.BooleanField(_("normalise harsh and lenient jurors (z-scores)"), default=False)
    assigning = models.CharField(_("assignment"), max_length=10, choices=Assigning.choices, default=Assigning.ALL)
    jurors_per_entry = models.PositiveSmallIntegerField(_("jurors per entry"), default=3)
    # [["criterion", "<code>"], ["chair"]]: applied in order to entries with equal scores.
    tie_break = models.JSONField(_("tie-break rules"), default=list, blank=True)

    class Meta:
        ordering = ["edition", "stage", "name_ru"]
        verbose_name = _("jury panel")
        verbose_name_plural = _("jury panels")
        constraints = [
            models.CheckConstraint(
                condition=Q(stage="regional", region__isnull=False) | Q(stage="republican", region__isnull=True),
                name="panel_region_only_for_regional_stage",
            )
        ]

    def __str__(self):
        return self.name


class PanelMember(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members", verbose_name=_("panel"))
    juror = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="panel_memberships", verbose_name=_("juror")
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("Off when the juror dropped out."))

    class Meta:
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        constraints = [models.UniqueConstraint(fields=["panel", "juror"], name="panel_member_once")]

    def __str__(self):
        return f"{self.panel}: {self.juror}"


class Assignment(models.Model):
    """One juror, one entry of the panel. Inactive when reassigned or recused; its score is kept."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("panel"))
    juror = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("juror")
    )
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("entry"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["panel", "juror", "entry"], name="assignment_once")]
        indexes = [models.Index(fields=["juror", "panel", "active"])]

    def __str__(self):
        return f"{self.juror} → {self.entry_id}"


class Score(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="score")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    note = models.TextField(_("note on the film"), blank=True, max_length=3000)
    # Raised by every save: a form shown before another tab's save is refused rather than overwriting it.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")

    def __str__(self):
        return f"{self.assignment} ({self.get_status_display()})"


class ScoreItem(models.Model):
    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="items")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(_("points"))
    note = models.CharField(_("note"), max_length=1000, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["score", "criterion"], name="score_item_once")]

    def __str__(self):
        return f"{self.criterion}: {self.value}"


class Conflict(models.Model):
    """A conflict of interest: found by the rules (same school; same region at the republican stage) or
    declared by the juror. The organizer decides on declared ones."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("Same school")
        REGION = "region", _("Same region")
        DECLARED = "declared", _("Declared by the juror")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for the organizer")
        UPHELD = "upheld", _("Upheld: the juror does not score this entry")
        DISMISSED = "dismissed", _("Dismissed: the juror scores this entry")

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("panel"))
    juror = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("juror")
    )
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+", verbose_name=_("entry"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = models.TextField(_("reason"), blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [models.UniqueConstraint(fields=["panel", "juror", "entry"], name="conflict_once")]

    def __str__(self):
        return f"{self.juror} / {self.entry_id}: {self.get_kind_display()}"


class AuditEvent(models.Model):
    """Who did what, when, with the values before and after: score changes, recusals, decisions, locks."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    panel = models.ForeignKey(Panel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    subject = models.CharField(_("subject"), max_length=100)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit trail")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject}"


class Award(models.Model):
    """The organizer's decision for an entry of the republican stage: a place, the grand prix (the «best
    film» nomination), or a special mention."""

    class Kind(models.TextChoices):
        PLACE = "place", _("Place")
        GRAND_PRIX = "grand_prix", _("Grand prix")
        MENTION = "mention", _("Special mention")

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="award", verbose_name=_("entry"))
    kind = models.CharField(_("award"), max_length=12, choices=Kind.choices)
    place = models.PositiveSmallIntegerField(
        _("place"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    note = models.CharField(_("wording"), max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["entry__nomination__order", "place"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="place", place__isnull=False) | (~Q(kind="place") & Q(place__isnull=True)),
                name="award_place_only_for_places",
            )
        ]

    def __str__(self):
        return f"{self.entry}: {self.get_kind_display()} {self.place or ''}".strip()


class ResultsLock(models.Model):
    """While locked, the edition's results (scores and awards) cannot change and are public."""

    edition = models.OneToOneField(Edition, on_delete=models.CASCADE, related_name="results_lock")
    locked = models.BooleanField(_("locked"), default=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("results lock")
        verbose_name_plural = _("results locks")

    def __str__(self):
        return f"{self.edition}: {'locked' if self.locked else 'open'}"


class Showcase(models.Model):
    """A film the organizers chose to show on the public results page (its light preview)."""

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="showcase", verbose_name=_("entry"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at"]
        verbose_name = _("film shown on the results page")
        verbose_name_plural = _("films shown on the results page")

    def __str__(self):
        return str(self.entry)
