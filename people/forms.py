"""Validation only. Every message is translatable and says what to do."""

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from festival.forms import PasswordPairMixin
from festival.models import Region, RoleGrant, User
from judging.models import Panel


class PanelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, panel):
        scope = panel.region.name if panel.region_id else panel.get_stage_display()
        return f"{panel.name} ({scope})"


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=RoleGrant.Role.choices)
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        help_text=_("For a regional coordinator."),
    )
    panel = PanelChoiceField(
        label=_("Jury panel"),
        queryset=Panel.objects.none(),
        required=False,
        help_text=_("For a juror: a panel of the current edition."),
    )
    as_chair = forms.BooleanField(
        label=_("Chair of the panel"),
        required=False,
        help_text=_("The juror becomes the panel's chair on accepting (in place of the present one, if any)."),
    )
    language = forms.ChoiceField(
        label=_("Language of the letter"),
        choices=settings.LANGUAGES,
        help_text=_("The letter and the new account are in this language."),
    )

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel"].queryset = (
            Panel.objects.filter(edition=edition).select_related("region") if edition else Panel.objects.none()
        )
        self.fields["language"].initial = (get_language() or "ru")[:2]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role == RoleGrant.Role.COORDINATOR and not cleaned.get("region"):
            self.add_error("region", _("Choose the region the coordinator will run."))
        if role == RoleGrant.Role.JUROR and not cleaned.get("panel"):
            self.add_error("panel", _("Choose the jury panel the juror will sit on."))
        if cleaned.get("as_chair") and role != RoleGrant.Role.JUROR:
            self.add_error(
                "as_chair", _("Only a member of a panel can chair it: choose the role «Juror» and the panel.")
            )
        # What does not belong to the role is dropped, so it is neither saved nor checked.
        if role != RoleGrant.Role.COORDINATOR:
            cleaned["region"] = None
        if role != RoleGrant.Role.JUROR:
            cleaned["panel"] = None
        return cleaned


class InvitedAccountForm(PasswordPairMixin):
    """The account an invitation creates: the address is the invitation's, so only the name and a password."""

    field_order = ["last_name", "first_name", "patronymic", "password1", "password2"]
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        probe = User(email=self.email, first_name=cleaned.get("first_name", ""), last_name=cleaned.get("last_name", ""))
        self._clean_passwords(cleaned, probe)
        return cleaned
