"""The festival's core domain: territory, editions and their phases, nominations, people and roles."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .i18n import LocalizedNameMixin, localized

# ---------------------------------------------------------------- territory


class Region(LocalizedNameMixin, models.Model):
    class Kind(models.TextChoices):
        OBLAST = "oblast", _("Region (oblast)")
        CITY = "city", _("City of republican significance")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name_kk = models.CharField(_("name in Kazakh"), max_length=120)
    name_ru = models.CharField(_("name in Russian"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name


class School(models.Model):
    """A school of a region. Those the organizers enter (the admin, the demo) are approved; a name typed into a
    coordinator's imported list is not until an organizer approves it: only approved schools are offered in the
    public school picker, so a typo or a made-up name is never shown to everyone at once."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="schools", verbose_name=_("region"))
    name = models.CharField(_("name"), max_length=300)
    locality = models.CharField(_("locality"), max_length=120, blank=True)
    approved = models.BooleanField(
        _("approved"), default=True, help_text=_("Offered in the school list of the registration forms.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="school_unique_name_in_region")]

    def __str__(self):
        return self.name


# ---------------------------------------------------------------- editions


class EditionQuerySet(models.QuerySet):
    def current(self):
        """The current edition, or None."""
        return self.filter(is_current=True).first()


class Edition(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=[MinValueValidator(2000)])
    title_kk = models.CharField(_("title in Kazakh"), max_length=200)
    title_ru = models.CharField(_("title in Russian"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200)
    is_current = models.BooleanField(
        _("current edition"), default=False, help_text=_("The edition the public site and all workspaces show.")
    )
    allow_external_links = models.BooleanField(
        _("allow links to external videos"),
        default=False,
        help_text=_("Entries may give a video link instead of a file."),
    )
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="edition_one_current")
        ]

    def __str__(self):
        return f"{self.year} — {self.title}"

    @property
    def title(self):
        return localized(self, "title")


class Phase(models.Model):
    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("Registration")
        REGIONAL_SUBMISSION = "regional_submission", _("Regional stage: submission of films")
        REGIONAL_JUDGING = "regional_judging", _("Regional stage: judging")
        FINALIST_SIGNOFF = "finalist_signoff", _("Sign-off of regional finalists")
        REPUBLICAN_JUDGING = "republican_judging", _("Republican stage: judging")
        RESULTS = "results", _("Results")

    ORDER = list(Kind.values)

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="phases", verbose_name=_("edition"))
    kind = models.CharField(_("phase"), max_length=30, choices=Kind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.UniqueConstraint(fields=["edition", "kind"], name="phase_unique_kind_in_edition"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="phase_ends_after_start"),
        ]

    def __str__(self):
        return self.get_kind_display()

    def is_open(self, moment=None):
        moment = moment or timezone.now()
        return self.starts_at <= moment < self.ends_at


VIDEO_FORMATS = ("mp4", "mov", "m4v", "webm", "mkv", "avi")


class Nomination(LocalizedNameMixin, models.Model):
    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="nominations", verbose_name=_("edition")
    )
    code = models.SlugField(_("code"), max_length=40)
    name_kk = models.CharField(_("name in Kazakh"), max_length=200)
    name_ru = models.CharField(_("name in Russian"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    description_kk = models.TextField(_("description in Kazakh"), blank=True)
    description_ru = models.TextField(_("description in Russian"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    max_duration_seconds = models.PositiveIntegerField(
        _("maximum film duration, seconds"), validators=[MinValueValidator(10), MaxValueValidator(4 * 3600)]
    )
    max_file_size_mb = models.PositiveIntegerField(
        _("maximum file size, MB"), validators=[MinValueValidator(1), MaxValueValidator(50 * 1024)]
    )
    allowed_formats = models.CharField(
        _("allowed formats"),
        max_length=100,
        default="mp4,mov,webm,mkv",
        help_text=_("Comma-separated, from: mp4, mov, m4v, webm, mkv, avi"),
    )
    min_team_size = models.PositiveSmallIntegerField(_("minimum team size"), default=1)
    max_team_size = models.PositiveSmallIntegerField(_("maximum team size"), default=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("accepting entries"), default=True)

    class Meta:
        ordering = ["edition", "order", "code"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="nomination_unique_code_in_edition"),
            models.CheckConstraint(
                condition=Q(min_team_size__gte=1) & Q(max_team_size__gte=models.F("min_team_size")),
                name="nomination_team_size_range",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def description(self):
        return localized(self, "description")

    @property
    def format_list(self):
        return [f.strip() for f in self.allowed_formats.split(",") if f.strip()]

    @property
    def max_duration_display(self):
        """Minutes, as "15" or "7:30" — read as "up to 15 min", never as a clock time."""
        minutes, seconds = divmod(self.max_duration_seconds, 60)
        return f"{minutes}:{seconds:02d}" if seconds else str(minutes)

    @property
    def max_file_size_bytes(self):
        return self.max_file_size_mb * 1024 * 1024

    def clean(self):
        from django.core.exceptions import ValidationError

        unknown = sorted(set(self.format_list) - set(VIDEO_FORMATS))
        if unknown or not self.format_list:
            raise ValidationError(
                {
                    "allowed_formats": _("Unknown formats: %(unknown)s. Allowed: %(allowed)s.")
                    % {"unknown": ", ".join(unknown) or "—", "allowed": ", ".join(VIDEO_FORMATS)}
                }
            )
        self.allowed_formats = ",".join(dict.fromkeys(self.format_list))
        if self.max_team_size < self.min_team_size:
            raise ValidationError({"max_team_size": _("The maximum team size is below the minimum.")})


class AgeGroup(LocalizedNameMixin, models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="age_groups", verbose_name=_("edition"))
    name_kk = models.CharField(_("name in Kazakh"), max_length=100)
    name_ru = models.CharField(_("name in Russian"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100)
    min_age = models.PositiveSmallIntegerField(_("minimum age"))
    max_age = models.PositiveSmallIntegerField(_("maximum age"))

    class Meta:
        ordering = ["edition", "min_age"]
        verbose_name = _("age group")
        verbose_name_plural = _("age groups")
        constraints = [
            models.CheckConstraint(condition=Q(max_age__gte=models.F("min_age")), name="age_group_range"),
        ]

    def __str__(self):
        return self.name


# ---------------------------------------------------------------- people


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True, kind=User.Kind.STAFF)
        fields.setdefault("email_confirmed_at", timezone.now())
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. Children's festival data lives in Participant, created only with a recorded consent."""

    class Kind(models.TextChoices):
        STUDENT = "student", _("Student")
        SUPERVISOR = "supervisor", _("Supervisor (teacher)")
        STAFF = "staff", _("Festival staff")

    email = models.EmailField(_("e-mail"), unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    kind = models.CharField(_("account type"), max_length=12, choices=Kind.choices, default=Kind.STUDENT)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # A supervisor's own school; a student's school is on their Participant record.
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("school")
    )
    school_other = models.CharField(_("school, if not in the list"), max_length=300, blank=True)
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    # Letters to this person are written in it: the language they registered in or last switched to.
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="ru")
    # When the last confirmation / password letter was queued: a form cannot be used to flood a mailbox.
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    password_reset_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the admin"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case")]

    def clean(self):
        super().clean()
        # Logins compare lower-cased addresses; an address typed with capitals in the admin must match.
        self.email = self.email.strip().lower()

    def __str__(self):
        return f"{self.get_full_name()} <{self.email}>"

    def get_full_name(self):
        return " ".join(part for part in (self.last_name, self.first_name, self.patronymic) if part)

    def get_short_name(self):
        return self.first_name

    @property
    def school_display(self):
        return self.school.name if self.school_id else self.school_other


def age_on(birth_date, day):
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


ADULT_AGE = 18


class Participant(models.Model):
    """A child taking part: registered by themselves, by a supervisor, or imported from a regional list."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="participant", verbose_name=_("account")
    )
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"))
    # Optional; validated with its check digit; never put in a URL or a GET form.
    iin = models.CharField(_("IIN"), max_length=12, null=True, blank=True, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="participants", verbose_name=_("region"))
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="participants", verbose_name=_("school")
    )
    school_other = models.CharField(_("school, if not in the list"), max_length=300, blank=True)
    grade = models.PositiveSmallIntegerField(
        _("grade"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    supervisor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervised_participants",
        verbose_name=_("supervisor"),
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        indexes = [models.Index(fields=["region", "last_name"])]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return " ".join(part for part in (self.last_name, self.first_name, self.patronymic) if part)

    @property
    def school_display(self):
        return self.school.name if self.school_id else self.school_other

    def age(self, day=None):
        return age_on(self.birth_date, day or timezone.localdate())

    @property
    def is_minor(self):
        return self.age() < ADULT_AGE

    @property
    def iin_masked(self):
        return f"{self.iin[:2]}••••••••{self.iin[-2:]}" if self.iin else ""


class Consent(models.Model):
    """Consent to process a participant's personal data, as Kazakhstan's personal-data law requires.

    Given by a parent or guardian for a minor, by the participant for an adult. What it covers is stored
    verbatim, in the language it was shown in, so the record says exactly what was agreed to.
    """

    class Relation(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        GUARDIAN = "guardian", _("Guardian or trustee")
        SELF = "self", _("The participant (adult)")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="consents", verbose_name=_("participant")
    )
    given_by_name = models.CharField(_("consent given by (full name)"), max_length=300)
    relation = models.CharField(_("relation to the participant"), max_length=12, choices=Relation.choices)
    given_by_phone = models.CharField(_("phone of the person giving consent"), max_length=40, blank=True)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    text_version = models.CharField(_("text version"), max_length=20)
    language = models.CharField(_("language of the text"), max_length=5)
    operator = models.TextField(_("operator"))
    data_kept = models.TextField(_("data processed"))
    purpose = models.TextField(_("purpose"))
    term = models.TextField(_("term"))
    third_parties = models.TextField(_("transfer to third parties"))
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("recorded by")
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("consent to personal data processing")
        verbose_name_plural = _("consents to personal data processing")

    def __str__(self):
        return f"{self.participant} — {self.given_by_name} ({self.get_relation_display()})"


class RoleGrant(models.Model):
    """A staff role with its scope: a coordinator has one region; a juror's panel is set by judging."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Regional coordinator")
        JUROR = "juror", _("Juror")
        ORGANIZER = "organizer", _("Organizer")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="coordinator", region__isnull=False)
                | (~Q(role="coordinator") & Q(region__isnull=True)),
                name="role_grant_region_only_for_coordinator",
            ),
            models.UniqueConstraint(fields=["user", "role", "region"], name="role_grant_unique"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(region__isnull=True), name="role_grant_unique_unscoped"
            ),
        ]

    def __str__(self):
        if self.region_id:
            return f"{self.get_role_display()}: {self.region}"
        return self.get_role_display()
