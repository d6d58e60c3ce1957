from django import forms
from django.utils.translation import gettext_lazy as _


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
