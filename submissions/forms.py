"""Validation of entries. Messages say what to do, in the user's language."""

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from festival.models import User, age_on

from .imports import archive_problem, import_error_message
from .models import Entry, EntryAuthor


def _formfield(field, **kwargs):
    # Links typed without a scheme ("youtu.be/…") are taken as https.
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class EntryForm(forms.ModelForm):
    """An entry and its team. `candidates` are the participants who may be authors: the student themself,
    or a supervisor's team; each gets a "part in the film" select, empty meaning "not in this film"."""

    supervisor_email = forms.EmailField(
        label=_("Supervisor's e-mail"),
        required=False,
        help_text=_("Optional: the teacher who helped, if they have an account on the portal."),
    )

    class Meta:
        model = Entry
        fields = ["title", "nomination", "age_group", "language", "synopsis", "external_url"]
        widgets = {"synopsis": forms.Textarea(attrs={"rows": 4})}
        formfield_callback = _formfield

    def __init__(self, *args, edition, candidates, ask_supervisor, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.edition = edition
        self.region = region
        self.candidates = list(candidates)
        self.fields["nomination"].queryset = edition.nominations.filter(is_active=True)
        age_groups = list(edition.age_groups.all())
        self.fields["age_group"].queryset = edition.age_groups.all()
        self.fields["age_group"].required = bool(age_groups)
        choose = _("— choose —")
        self.fields["nomination"].empty_label = choose
        self.fields["age_group"].empty_label = choose
        self.fields["language"].choices = [("", choose), *Entry.Language.choices]
        if not self.instance.pk and len(self.candidates) == 1:
            # A student's own film: the age group follows from their age.
            age = age_on(self.candidates[0].birth_date, timezone.localdate())
            fitting = [g for g in age_groups if g.min_age <= age <= g.max_age]
            if fitting:
                self.initial.setdefault("age_group", fitting[0].pk)
        if not edition.allow_external_links:
            del self.fields["external_url"]
        if not ask_supervisor:
            del self.fields["supervisor_email"]
        current = {}
        if self.instance.pk:
            current = {a.participant_id: a.role for a in self.instance.authors.all()}
        for participant in self.candidates:
            self.fields[f"role_{participant.pk}"] = forms.ChoiceField(
                label=participant.full_name,
                choices=[("", _("not in this film")), *EntryAuthor.Role.choices],
                required=False,
                initial=current.get(participant.pk, "" if len(self.candidates) > 1 else EntryAuthor.Role.DIRECTOR),
            )

    def author_fields(self):
        return [self[f"role_{p.pk}"] for p in self.candidates]

    def clean_supervisor_email(self):
        email = self.cleaned_data.get("supervisor_email", "").strip().lower()
        if not email:
            return None
        supervisor = User.objects.filter(
            email=email, kind=User.Kind.SUPERVISOR, is_active=True, region=self.region
        ).first()
        if supervisor is None:
            raise forms.ValidationError(
                _("No supervisor of your region has an account with this e-mail. Check it, or leave it empty.")
            )
        return supervisor

    def clean(self):
        cleaned = super().clean()
        authors = [(p, cleaned[f"role_{p.pk}"]) for p in self.candidates if cleaned.get(f"role_{p.pk}")]
        if not authors:
            raise forms.ValidationError(_("Choose at least one author and their part in the film."))
        nomination, group = cleaned.get("nomination"), cleaned.get("age_group")
        if nomination and not nomination.min_team_size <= len(authors) <= nomination.max_team_size:
            raise forms.ValidationError(
                _("A film in «%(nomination)s» is made by %(low)s to %(high)s authors; you chose %(count)s.")
                % {
                    "nomination": nomination.name,
                    "low": nomination.min_team_size,
                    "high": nomination.max_team_size,
                    "count": len(authors),
                }
            )
        if group:
            today = timezone.localdate()
            outside = [
                p.full_name for p, _role in authors if not group.min_age <= age_on(p.birth_date, today) <= group.max_age
            ]
            if outside:
                self.add_error(
                    "age_group",
                    _("Not in the age group %(group)s: %(names)s.")
                    % {"group": group.name, "names": ", ".join(outside)},
                )
        cleaned["authors"] = authors
        return cleaned


class CoverForm(forms.Form):
    MAX_SIZE = 20 * 1024 * 1024

    picture = forms.FileField(label=_("Poster picture (JPEG, PNG or WebP)"))

    def clean_picture(self):
        picture = self.cleaned_data["picture"]
        if picture.size > self.MAX_SIZE:
            raise forms.ValidationError(_("The picture is larger than 20 MB."))
        return picture


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("What should the authors change?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Write the reason: the authors will read it in the letter.")},
    )


class ImportForm(forms.Form):
    MAX_SIZE = 50 * 1024 * 1024

    file = forms.FileField(label=_("The filled-in .xlsx file"))

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Send an .xlsx file made from the template."))
        if uploaded.size > self.MAX_SIZE:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        # An .xlsx is a zip archive: check the signature, not only the name.
        head = uploaded.read(4)
        uploaded.seek(0)
        if head != b"PK\x03\x04":
            raise forms.ValidationError(_("This is not an .xlsx file. Save the table as .xlsx and send it again."))
        # Before it is kept: what the archive says it unpacks to (a few kilobytes of its directory are read).
        problem = archive_problem(uploaded)
        if problem:
            raise forms.ValidationError(import_error_message({"code": problem}))
        return uploaded
