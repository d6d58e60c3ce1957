"""Validation only. Every message is translatable and says what to do."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .consent import CONSENT_ITEMS, consent_text
from .iin import InvalidIIN, iin_birth_date
from .models import ADULT_AGE, Consent, Participant, Region, School, User, age_on

# The festival is for school students; the default age groups cover the same span.
MIN_PARTICIPANT_AGE = 6
MAX_PARTICIPANT_AGE = 18

# The one refusal that depends on the database, worded so that it does not confirm whose IIN is registered: the
# form must not tell a stranger that a child with this IIN (which gives the birth date and sex) takes part.
# The refusals computable from the digits alone (IIN_ERRORS, the date of birth) stay specific.
IIN_REFUSED_MESSAGE = _(
    "This participant could not be registered with this IIN. Check the digits against the document; if they are "
    "right and the child already takes part in the festival, ask the regional coordinator for help."
)

IIN_ERRORS = {
    "format": _("An IIN is 12 digits, for example 100512500123."),
    "century": _("The 7th digit of an IIN is 1 to 6 (it encodes the century of birth); check the number."),
    "date": _("The first six digits of an IIN are the date of birth (YYMMDD); these are not a real date."),
    "checksum": _("This IIN has a typo: its last digit does not match the others. Check it against the document."),
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SchoolChoiceMixin:
    """Region, then a school of that region, or the school's name typed in when it is not listed."""

    def _setup_school_fields(self):
        self.fields["region"].queryset = Region.objects.all()
        region_id = self.data.get(self.add_prefix("region")) or self.initial.get("region")
        if hasattr(region_id, "pk"):
            region_id = region_id.pk
        schools = School.objects.none()
        if str(region_id or "").isdigit():
            # The approved schools, as the picker offers them, and the one already on the record (a participant
            # imported with a school not yet approved keeps it).
            current = getattr(getattr(self, "instance", None), "school_id", None)
            schools = School.objects.filter(Q(approved=True) | Q(pk=current), region_id=region_id)
        self.fields["school"].queryset = schools
        self.fields["school"].required = False
        self.fields["region"].widget.attrs.update(
            {
                "data-hx-get": reverse_lazy("school_options"),
                "data-hx-target": "#id_school",
                "data-hx-trigger": "change",
                "data-hx-include": "this",
            }
        )

    def _clean_school(self, cleaned):
        region, school, other = cleaned.get("region"), cleaned.get("school"), cleaned.get("school_other", "").strip()
        if school and region and school.region_id != region.pk:
            self.add_error("school", _("This school is not in the chosen region."))
        if region and not school and not other:
            self.add_error("school", _("Choose the school or type its name below if it is not in the list."))
        return cleaned


def clean_birth_date_for_participant(value):
    today = timezone.localdate()
    if value > today:
        raise forms.ValidationError(_("The date of birth is in the future."))
    age = age_on(value, today)
    if not MIN_PARTICIPANT_AGE <= age <= MAX_PARTICIPANT_AGE:
        raise forms.ValidationError(
            _("Participants are school students aged %(min)s to %(max)s; this date of birth gives %(age)s.")
            % {"min": MIN_PARTICIPANT_AGE, "max": MAX_PARTICIPANT_AGE, "age": age}
        )
    return value


class PasswordPairMixin(forms.Form):
    """A new password typed twice, checked by Django's password validators (call _clean_passwords in clean)."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def _clean_passwords(self, cleaned, user):
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(p1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)


class RegistrationForm(PasswordPairMixin, forms.ModelForm):
    DUPLICATE_EMAIL_MESSAGE = _(
        "An account with this e-mail already exists. Log in, or reset the password if you forgot it."
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(self.DUPLICATE_EMAIL_MESSAGE)
        return email

    def clean(self):
        cleaned = super().clean()
        probe = User(**{f: cleaned.get(f) for f in ("email", "first_name", "last_name") if cleaned.get(f)})
        self._clean_passwords(cleaned, probe)
        return cleaned


class StudentRegistrationForm(RegistrationForm):
    class Meta:
        model = User
        fields = ["last_name", "first_name", "patronymic", "birth_date", "email"]
        widgets = {"birth_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].required = True

    def clean_birth_date(self):
        return clean_birth_date_for_participant(self.cleaned_data["birth_date"])


class SupervisorRegistrationForm(SchoolChoiceMixin, RegistrationForm):
    class Meta:
        model = User
        fields = ["last_name", "first_name", "patronymic", "email", "phone", "region", "school", "school_other"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].required = True
        self._setup_school_fields()

    def clean(self):
        return self._clean_school(super().clean())


class ParticipantConsentForm(SchoolChoiceMixin, forms.ModelForm):
    """A participant's data together with the consent that allows processing it: saved together or not at all.

    For a student's own record the name and date of birth come from the account (with_identity=False);
    a supervisor registering a child types them (with_identity=True).
    """

    given_by_name = forms.CharField(label=_("Full name of the parent or guardian"), max_length=300)
    # No preselected answer: the record must say what the family said, not what the form suggested.
    relation = forms.ChoiceField(
        label=_("Relation to the participant"), choices=[("", _("— choose —")), *Consent.Relation.choices]
    )
    given_by_phone = forms.CharField(
        label=_("Their phone"),
        max_length=40,
        required=False,
        help_text=_("Required for a parent or guardian: the organizers may call to check the consent."),
    )

    class Meta:
        model = Participant
        fields = [
            "last_name",
            "first_name",
            "patronymic",
            "birth_date",
            "region",
            "school",
            "school_other",
            "grade",
            "iin",
        ]
        widgets = {
            "birth_date": DateInput(),
            "iin": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 12}),
        }
        help_texts = {"iin": _("Optional. 12 digits from the ID card or birth certificate.")}

    def __init__(self, *args, with_identity, birth_date=None, supervisor=None, own_user=None, language="ru", **kwargs):
        super().__init__(*args, **kwargs)
        self.known_birth_date = birth_date
        self.supervisor = supervisor
        self.own_user = own_user
        if not with_identity:
            for name in ("last_name", "first_name", "patronymic"):
                del self.fields[name]
            if birth_date is not None:
                del self.fields["birth_date"]
        self.fields["region"].required = True
        self._setup_school_fields()
        _lang, text = consent_text(language)
        for key, label in CONSENT_ITEMS:
            self.fields[f"agree_{key}"] = forms.BooleanField(
                label=f"{label}: {text[key]}",
                required=True,
                error_messages={"required": _("Consent must cover this item; tick it to continue.")},
            )

    def clean_birth_date(self):
        return clean_birth_date_for_participant(self.cleaned_data["birth_date"])

    def clean_iin(self):
        iin = (self.cleaned_data.get("iin") or "").strip().replace(" ", "")
        if not iin:
            return None
        try:
            born = iin_birth_date(iin)
        except InvalidIIN as error:
            raise forms.ValidationError(IIN_ERRORS[error.code], code=error.code) from None
        self._iin_birth_date = born
        return iin

    def validate_unique(self):
        """Uniqueness of the IIN is checked in clean(), after it matched the date of birth, and by the service."""

    def clean(self):
        cleaned = self._clean_school(super().clean())
        birth_date = cleaned.get("birth_date") or self.known_birth_date
        iin = cleaned.get("iin")
        iin_born = getattr(self, "_iin_birth_date", None)
        if iin_born and birth_date and iin_born != birth_date:
            self.add_error(
                "iin",
                _("The IIN gives the date of birth %(date)s, which differs from the one entered.")
                % {"date": iin_born.strftime("%d.%m.%Y")},
            )
        elif iin and self._iin_taken(iin):
            # Only once the IIN matched the date of birth, in neutral words, and the views limit how often
            # (festival/throttle.py): the form is no oracle for other people's IINs.
            self.add_error("iin", IIN_REFUSED_MESSAGE)
        relation = cleaned.get("relation")
        if birth_date and relation == Consent.Relation.SELF and age_on(birth_date, timezone.localdate()) < ADULT_AGE:
            self.add_error("relation", _("A participant under 18 needs the consent of a parent or guardian."))
        if relation and relation != Consent.Relation.SELF and not cleaned.get("given_by_phone", "").strip():
            self.add_error("given_by_phone", _("Give the phone of the parent or guardian."))
        if self.supervisor and birth_date and cleaned.get("last_name") and cleaned.get("first_name"):
            twin = self.supervisor.supervised_participants.filter(
                last_name__iexact=cleaned["last_name"].strip(),
                first_name__iexact=cleaned["first_name"].strip(),
                birth_date=birth_date,
            )
            if twin.exists():
                raise forms.ValidationError(_("This child is already on your team."), code="duplicate")
        return cleaned

    def _iin_taken(self, iin):
        taken = Participant.objects.filter(iin=iin)
        if self.own_user is not None:
            taken = taken.exclude(user=self.own_user)  # a student renewing a withdrawn consent keeps their IIN
        return taken.exists()

    def split(self):
        """The cleaned data as the three parts services.participant_register takes."""
        c = self.cleaned_data
        identity = {k: c[k] for k in ("last_name", "first_name", "patronymic", "birth_date") if k in c}
        profile = {k: c.get(k) for k in ("region", "school", "school_other", "grade", "iin")}
        consent = {k: c[k] for k in ("given_by_name", "relation", "given_by_phone")}
        return identity, profile, consent


class EmailAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The e-mail or the password is wrong. Passwords are case-sensitive."),
        "inactive": _("This account is blocked. Contact the organizers."),
        "unconfirmed": _(
            "Confirm your e-mail first: open the link in the letter we sent. No letter? Ask for a new one below."
        ),
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.email_confirmed_at is None:
            raise forms.ValidationError(self.error_messages["unconfirmed"], code="unconfirmed")


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's form, with the letter sent by the Celery worker instead of inside the request."""

    def save(self, *, request, **_ignored):
        from .services import password_reset_send

        password_reset_send(
            email=self.cleaned_data["email"], language=get_language(), base_url=request.build_absolute_uri("/")
        )
