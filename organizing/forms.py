"""The organizers' forms: validation only. Dates are entered and shown in Asia/Almaty (settings.TIME_ZONE),
whatever time zone a request may have activated."""

import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from festival.models import AgeGroup, Nomination, Phase, School

from . import services

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class AlmatyDateTimeField(forms.DateTimeField):
    """A `datetime-local` input read and shown in the festival's time zone (UTC+5)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format=LOCAL_INPUT)
    default_error_messages = {"invalid": _("Enter a date and a time.")}

    def to_python(self, value):
        with timezone.override(settings.TIME_ZONE):
            return super().to_python(value)

    def prepare_value(self, value):
        with timezone.override(settings.TIME_ZONE):
            return super().prepare_value(value)


class PhasesForm(forms.Form):
    """The start of each of the six phases and the end of the last: each phase ends when the next begins."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Phase.ORDER:
            self.fields[kind] = AlmatyDateTimeField(label=Phase.Kind(kind).label)
        self.fields["ends_at"] = AlmatyDateTimeField(
            label=_("End of «%(phase)s»") % {"phase": Phase.Kind(Phase.ORDER[-1]).label}
        )

    @classmethod
    def initial_from(cls, phases):
        """Initial values from {kind: Phase}."""
        initial = {kind: phase.starts_at for kind, phase in phases.items()}
        last = phases.get(Phase.ORDER[-1])
        if last is not None:
            initial["ends_at"] = last.ends_at
        return initial

    def phase_fields(self):
        return [self[kind] for kind in Phase.ORDER]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["dates"] = services.phases_check(
                starts={kind: data[kind] for kind in Phase.ORDER}, ends_at=data["ends_at"]
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(name, message)
        return data


def proposed_phases(year):
    """A sensible calendar for a new edition of `year`, in Astana time: registration from February, the regional
    stage in spring, the republican stage in May, results from June to the end of the year."""
    zone = timezone.get_default_timezone()

    def at(month, day, hour=9):
        return datetime.datetime(year, month, day, hour, 0, tzinfo=zone)

    starts = {
        Phase.Kind.REGISTRATION: at(2, 1),
        Phase.Kind.REGIONAL_SUBMISSION: at(3, 1),
        Phase.Kind.REGIONAL_JUDGING: at(4, 15),
        Phase.Kind.FINALIST_SIGNOFF: at(5, 1),
        Phase.Kind.REPUBLICAN_JUDGING: at(5, 10),
        Phase.Kind.RESULTS: at(6, 1),
    }
    return {**starts, "ends_at": at(12, 31, 18)}


class EditionNewForm(PhasesForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title_kk = forms.CharField(label=_("Title in Kazakh"), max_length=200)
    title_ru = forms.CharField(label=_("Title in Russian"), max_length=200)
    title_en = forms.CharField(label=_("Title in English"), max_length=200)
    make_current = forms.BooleanField(
        label=_("Make it the current edition"),
        required=False,
        help_text=_("The public site and every workspace then show this edition."),
    )

    field_order = ["year", "title_kk", "title_ru", "title_en", "make_current"]


class NominationForm(forms.ModelForm):
    """A nomination's rules. The duration is entered in minutes and kept in seconds."""

    max_duration_minutes = forms.DecimalField(
        label=_("Maximum film duration, minutes"),
        min_value=Decimal("0.5"),
        max_value=240,
        decimal_places=1,
        error_messages={
            "invalid": _("Enter the minutes as a number, such as 5 or 7.5."),
            "min_value": _("At least half a minute."),
            "max_value": _("At most 240 minutes (four hours)."),
            "max_decimal_places": _("Minutes with at most one decimal, such as 7.5."),
        },
    )

    class Meta:
        model = Nomination
        fields = [
            "name_kk",
            "name_ru",
            "name_en",
            "description_kk",
            "description_ru",
            "description_en",
            "max_file_size_mb",
            "allowed_formats",
            "min_team_size",
            "max_team_size",
            "is_active",
            "order",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2}) for name in ("description_kk", "description_ru", "description_en")
        }

    field_order = ["name_kk", "name_ru", "name_en", "max_duration_minutes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        seconds = self.instance.max_duration_seconds
        if seconds:
            self.fields["max_duration_minutes"].initial = (Decimal(seconds) / 60).quantize(Decimal("0.1")).normalize()
        self.fields["min_team_size"].min_value = 1
        self.fields["min_team_size"].widget.attrs["min"] = 1

    def clean_min_team_size(self):
        value = self.cleaned_data["min_team_size"]
        if value < 1:
            raise ValidationError(_("A team has at least one author."))
        return value

    def clean(self):
        data = super().clean()
        minutes = data.get("max_duration_minutes")
        if minutes is not None:
            self.instance.max_duration_seconds = round(minutes * 60)
        return data


class AgeGroupForm(forms.ModelForm):
    class Meta:
        model = AgeGroup
        fields = ["name_kk", "name_ru", "name_en", "min_age", "max_age"]

    def clean(self):
        data = super().clean()
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and high < low:
            self.add_error("max_age", _("The maximum age is below the minimum."))
        return data


class BaseAgeGroupFormSet(forms.BaseModelFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        ranges = [
            (
                form.cleaned_data.get("name_ru") or form.cleaned_data.get("name_kk"),
                form.cleaned_data["min_age"],
                form.cleaned_data["max_age"],
            )
            for form in self.kept_forms()
        ]
        services.age_ranges_check(ranges)

    def kept_forms(self):
        """The forms to save: filled in and not marked for removal."""
        return [
            form
            for form in self.forms
            if form.cleaned_data and not (self.can_delete and self._should_delete_form(form))
        ]

    def removed(self):
        return [form.instance for form in self.forms if form.instance.pk and self._should_delete_form(form)]


AgeGroupFormSet = forms.modelformset_factory(
    AgeGroup, form=AgeGroupForm, formset=BaseAgeGroupFormSet, extra=1, can_delete=True
)


class QuotaForm(forms.Form):
    """One number per region × nomination, named q_<region id>_<nomination id>."""

    def __init__(self, *args, nominations, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = []
        for region, cells in rows:
            row = []
            for nomination, quota in cells:
                name = f"q_{region.pk}_{nomination.pk}"
                self.fields[name] = forms.IntegerField(
                    label=f"{region} · {nomination}",
                    initial=quota,
                    min_value=0,
                    max_value=services.QUOTA_MAX,
                    error_messages={
                        "required": _("Enter a number: 0 if the region sends no finalist."),
                        "invalid": _("Enter a whole number."),
                        "min_value": _("A quota cannot be negative."),
                        "max_value": _("At most %(limit_value)s."),
                    },
                    widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "min": 0}),
                )
                row.append((nomination, name))
            self.table.append((region, row))
        self.nominations = nominations

    def rows(self):
        """[(region, [bound field])] for the table."""
        return [(region, [self[name] for _nomination, name in cells]) for region, cells in self.table]

    def values(self):
        """{(region id, nomination id): quota} of the cleaned form."""
        result = {}
        for region, cells in self.table:
            for nomination, name in cells:
                result[(region.pk, nomination.pk)] = self.cleaned_data[name]
        return result


class SchoolApprovalForm(forms.Form):
    """The schools, named in imported lists, that the organizer ticks to offer them in the registration forms."""

    schools = forms.ModelMultipleChoiceField(
        queryset=School.objects.filter(approved=False),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick the schools to approve.")},
    )
