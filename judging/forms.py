import copy

from django import forms
from django.utils.translation import gettext_lazy as _

# The criteria's fields by the criteria (their ids, names in the reader's language and maxima), made once per
# process: a scoring page and its save build a form of fourteen fields each time.
_fields_by_criteria = {}
_KEPT = 200


def _criterion_fields(criteria):
    key = tuple((criterion.pk, criterion.name, criterion.maximum) for criterion in criteria)
    fields = _fields_by_criteria.get(key)
    if fields is None:
        fields = {}
        for criterion in criteria:
            fields[f"c{criterion.pk}"] = forms.IntegerField(
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
            fields[f"n{criterion.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=1000, widget=forms.TextInput(attrs={"class": "small"})
            )
        if len(_fields_by_criteria) >= _KEPT:
            _fields_by_criteria.clear()
        _fields_by_criteria[key] = fields
    return fields


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
        # Copies of the fields made once for these criteria: a copy costs a fraction of making the field.
        self.fields.update(copy.deepcopy(_criterion_fields(self.criteria)))

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
