from django import forms
from django.utils.translation import gettext_lazy as _

from festival.models import RoleGrant, User

from .models import Criterion, Panel, PanelMember
from .services import PANEL_SETTINGS


class ScoreForm(forms.Form):
    """Points per criterion (0…maximum) with an optional note each, and a note on the film."""

    note = forms.CharField(
        label=_("Note on the film (only the jury sees it)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"c{criterion.pk}"] = forms.IntegerField(
                label=f"{criterion.name} (0–{criterion.maximum})",
                min_value=0,
                max_value=criterion.maximum,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": criterion.maximum}),
                error_messages={
                    "max_value": _("At most %(limit_value)s points on this criterion."),
                    "min_value": _("Points cannot be negative."),
                    "invalid": _("Write a whole number of points."),
                },
            )
            self.fields[f"n{criterion.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=1000, widget=forms.TextInput(attrs={"class": "small"})
            )

    def rows(self):
        return [(c, self[f"c{c.pk}"], self[f"n{c.pk}"]) for c in self.criteria]

    def values(self):
        return {c.pk: self.cleaned_data.get(f"c{c.pk}") for c in self.criteria}

    def notes(self):
        return {c.pk: self.cleaned_data.get(f"n{c.pk}", "") for c in self.criteria}


class RecuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why can you not judge this film fairly?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


# ---------------------------------------------------------------- the organizer's set-up of the jury

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
TIE_BREAK_SLOTS = 3


class PanelForm(forms.Form):
    """A panel's names, deadline, counting and assigning rules, tie-break rules and chair. The tie-break
    rules are up to three choices in order, kept in Panel.tie_break as the ranking reads them:
    [["criterion", "<code>"], ["chair"]]."""

    name_kk = forms.CharField(label=_("Name in Kazakh"), max_length=200, required=False)
    name_ru = forms.CharField(label=_("Name in Russian"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    deadline = forms.DateTimeField(
        label=_("Scores until (Astana time)"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    method = forms.ChoiceField(label=_("How the jurors' totals are combined"), choices=Panel.Method.choices)
    normalise = forms.BooleanField(
        label=_("Even out harsh and lenient jurors (z-scores)"),
        required=False,
    )
    assigning = forms.ChoiceField(label=_("Who scores which film"), choices=Panel.Assigning.choices)
    jurors_per_entry = forms.IntegerField(
        label=_("Jurors per film (when a set number scores each film)"), min_value=1, max_value=50
    )
    chair = forms.ModelChoiceField(
        label=_("Chair"), queryset=User.objects.none(), required=False, empty_label=_("No chair")
    )

    def __init__(self, *args, panel, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.panel = panel
        members = PanelMember.objects.filter(panel=panel, active=True).values("juror")
        # Every user can be posted; one who is not a member is refused in clean_chair with a clear message.
        self.fields["chair"].queryset = User.objects.all()
        self.fields["chair"].choices = [("", _("No chair"))] + [
            (user.pk, user.get_full_name() or user.email)
            for user in User.objects.filter(pk__in=members).order_by("last_name", "first_name", "pk")
        ]
        codes = {}
        for criterion in criteria:
            codes.setdefault(criterion.code, criterion.name)
        rule_choices = [("", "—"), ("chair", _("The chair's score"))] + [
            (f"criterion:{code}", _("The score on «%(name)s»") % {"name": name}) for code, name in codes.items()
        ]
        for index in range(TIE_BREAK_SLOTS):
            self.fields[f"tie_break_{index}"] = forms.ChoiceField(
                label=_("Tie-break rule %(number)s") % {"number": index + 1}, choices=rule_choices, required=False
            )
        if not self.is_bound:
            self.initial.update({name: getattr(panel, name) for name in PANEL_FORM_FIELDS})
            self.initial["chair"] = panel.chair_id
            for index, rule in enumerate((panel.tie_break or [])[:TIE_BREAK_SLOTS]):
                value = "chair" if rule and rule[0] == "chair" else f"criterion:{rule[1]}" if len(rule) > 1 else ""
                self.initial[f"tie_break_{index}"] = value

    def clean_chair(self):
        chair = self.cleaned_data.get("chair")
        if chair and not PanelMember.objects.filter(panel=self.panel, juror=chair, active=True).exists():
            raise forms.ValidationError(_("The chair must be one of the panel's members."))
        return chair

    def clean(self):
        cleaned = super().clean()
        chosen = [cleaned.get(f"tie_break_{index}") for index in range(TIE_BREAK_SLOTS)]
        chosen = [value for value in chosen if value]
        if len(set(chosen)) != len(chosen):
            raise forms.ValidationError(_("Each tie-break rule can be chosen once."))
        cleaned["tie_break"] = [
            ["chair"] if value == "chair" else ["criterion", value.split(":", 1)[1]] for value in chosen
        ]
        return cleaned

    def tie_break_fields(self):
        return [self[f"tie_break_{index}"] for index in range(TIE_BREAK_SLOTS)]

    def settings(self):
        """The cleaned values as panel_update takes them."""
        values = {name: self.cleaned_data[name] for name in PANEL_FORM_FIELDS}
        values["tie_break"] = self.cleaned_data["tie_break"]
        return values


# The panel's settings the form edits; the tie-break rules have fields of their own.
PANEL_FORM_FIELDS = tuple(name for name in PANEL_SETTINGS if name != "tie_break")


class MemberAddForm(forms.Form):
    """A juror from the list, or any staff account by its e-mail."""

    juror = forms.ModelChoiceField(label=_("Juror"), queryset=User.objects.none(), required=False)
    email = forms.EmailField(label=_("or a staff member's e-mail"), required=False)
    chair = forms.BooleanField(label=_("Make them the chair"), required=False)

    def __init__(self, *args, panel, **kwargs):
        # On the panel's page beside the panel's own form, which has a chair too: ids of its own.
        kwargs.setdefault("auto_id", "id_member_%s")
        super().__init__(*args, **kwargs)
        seated = PanelMember.objects.filter(panel=panel, active=True).values("juror")
        self.fields["juror"].queryset = (
            User.objects.filter(is_active=True, role_grants__role=RoleGrant.Role.JUROR)
            .exclude(pk__in=seated)
            .distinct()
            .order_by("last_name", "first_name", "pk")
        )
        self.fields["juror"].label_from_instance = lambda user: f"{user.get_full_name()} <{user.email}>"

    def clean(self):
        cleaned = super().clean()
        juror, email = cleaned.get("juror"), cleaned.get("email")
        if self.errors:
            return cleaned
        if not juror and not email:
            raise forms.ValidationError(_("Choose a juror or write a staff member's e-mail."))
        if juror and email:
            raise forms.ValidationError(_("Choose a juror or write an e-mail, not both."))
        if email:
            user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
            if user is None or user.kind != User.Kind.STAFF:
                raise forms.ValidationError(
                    _("There is no staff account with this e-mail. Invite the juror instead: they get a letter.")
                )
            cleaned["juror"] = user
        return cleaned


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ["name_kk", "name_ru", "name_en", "nomination", "maximum", "weight", "order"]
        widgets = {
            "maximum": forms.NumberInput(attrs={"min": 1, "max": 100, "class": "form-control-sm"}),
            "weight": forms.NumberInput(attrs={"min": "0.01", "step": "0.01"}),
            "order": forms.NumberInput(attrs={"min": 0}),
        }

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nomination"].queryset = edition.nominations.all()
        self.fields["nomination"].empty_label = _("All nominations")
        self.fields["name_kk"].required = self.fields["name_en"].required = False

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if weight is not None and not weight > 0:
            raise forms.ValidationError(_("The weight must be above zero."))
        return weight


CriterionFormSet = forms.modelformset_factory(Criterion, form=CriterionForm, extra=1, can_delete=True)
