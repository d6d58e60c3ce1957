from django import forms
from django.utils.translation import gettext_lazy as _

from festival.models import Nomination, Region

from . import render
from .models import DocumentTemplate, Font, Kind


def font_choices():
    choices = [(key, label) for key, (label, _file) in render.BUILTIN_FONTS.items()]
    return choices + [(font.key, font.name) for font in Font.objects.all()]


class TemplateForm(forms.Form):
    page = forms.ChoiceField(label=_("Page size"), choices=DocumentTemplate.Page.choices)
    orientation = forms.ChoiceField(label=_("Orientation"), choices=DocumentTemplate.Orientation.choices)
    background = forms.FileField(
        label=_("Background image (JPEG or PNG)"),
        required=False,
        help_text=_("It is reduced to print quality and compressed, so every document stays small."),
    )
    clear_background = forms.BooleanField(label=_("Remove the background"), required=False)


class ElementForm(forms.Form):
    TYPES = [("text", _("Text")), ("qr", _("QR code")), ("image", _("Signature or stamp"))]
    ALIGN = [("center", _("centre")), ("left", _("left")), ("right", _("right"))]

    type = forms.ChoiceField(label=_("Element"), choices=TYPES)
    text = forms.CharField(label=_("Text"), required=False, max_length=500)
    x = forms.FloatField(label=_("X, mm"), min_value=0, max_value=420, initial=20)
    y = forms.FloatField(label=_("Y, mm"), min_value=0, max_value=420, initial=100)
    width = forms.FloatField(label=_("Width, mm"), min_value=1, max_value=420, required=False, initial=100)
    height = forms.FloatField(label=_("Height, mm"), min_value=1, max_value=420, required=False)
    size = forms.FloatField(label=_("Size"), min_value=4, max_value=200, required=False, initial=14)
    font = forms.ChoiceField(label=_("Font"), required=False, initial="sans")
    color = forms.RegexField(
        label=_("Colour"), regex=r"^#[0-9a-fA-F]{6}$", required=False, max_length=7, initial="#1d3557"
    )
    align = forms.ChoiceField(label=_("Alignment"), choices=ALIGN, required=False, initial="center")
    lines = forms.IntegerField(label=_("Lines"), min_value=1, max_value=10, required=False, initial=1)
    shrink = forms.BooleanField(label=_("Shrink to fit"), required=False, initial=True)
    image = forms.ChoiceField(label=_("Image"), required=False)

    def __init__(self, *args, fonts=(), images=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["font"].choices = list(fonts)
        self.fields["image"].choices = [("", "—"), *images]
        self.fields["color"].widget = forms.TextInput(attrs={"type": "color"})
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif name == "color":
                field.widget.attrs["class"] = "form-control form-control-sm form-control-color"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"

    def clean(self):
        data = super().clean()
        kind = data.get("type")
        if kind == "text" and not (data.get("text") or "").strip():
            self.add_error("text", _("Write the text or a field such as {full_name}."))
        if kind == "image" and not data.get("image"):
            self.add_error("image", _("Choose an uploaded signature or stamp."))
        return data

    def element(self):
        d = self.cleaned_data
        if d["type"] == "qr":
            return {"type": "qr", "x": d["x"], "y": d["y"], "size": d.get("size") or 30}
        if d["type"] == "image":
            return {
                "type": "image",
                "image": d["image"],
                "x": d["x"],
                "y": d["y"],
                "width": d.get("width") or 40,
                "height": d.get("height") or 20,
            }
        return {
            "type": "text",
            "text": d["text"],
            "x": d["x"],
            "y": d["y"],
            "width": d.get("width") or 100,
            "font": d.get("font") or "sans",
            "size": d.get("size") or 14,
            "color": d.get("color") or "#000000",
            "align": d.get("align") or "center",
            "shrink": bool(d.get("shrink")),
            "lines": d.get("lines") or 1,
        }


class BaseElementFormSet(forms.BaseFormSet):
    def __init__(self, *args, fonts=(), images=(), **kwargs):
        self._fonts, self._images = fonts, images
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"fonts": self._fonts, "images": self._images}

    def elements(self):
        """The elements as the renderer takes them: removed ones and untouched new rows left out."""
        kept = [f for f in self.forms if not self._should_delete_form(f) and f.cleaned_data.get("type")]
        return [form.element() for form in kept]


ElementFormSet = forms.formset_factory(
    ElementForm, formset=BaseElementFormSet, extra=0, can_delete=True, max_num=60, validate_max=True
)


def element_initial(element):
    initial = dict(element)
    initial["type"] = element.get("type", "text")
    if initial["type"] == "qr":
        initial["size"] = element.get("size", 30)
    return initial


class ImageForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100)
    file = forms.FileField(label=_("Signature or stamp (PNG or JPEG)"))

    def __init__(self, *args, **kwargs):
        # The designer shows this form beside the font's: ids of their own, so that each label names its field.
        kwargs.setdefault("auto_id", "id_image_%s")
        super().__init__(*args, **kwargs)


class FontForm(forms.Form):
    name = forms.CharField(label=_("Font name"), max_length=100)
    file = forms.FileField(label=_("TrueType font (.ttf)"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_font_%s")
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Font.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("A font with this name is already uploaded."))
        return name


class NewTemplateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=Kind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=DocumentTemplate.Language.choices)


class JobForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Documents"),
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(Kind.values),
        error_messages={"required": _("Choose at least one kind of document.")},
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.all(), required=False, empty_label=_("All regions")
    )
    nomination = forms.ModelChoiceField(
        label=_("Nomination"), queryset=Nomination.objects.none(), required=False, empty_label=_("All nominations")
    )
    send_letters = forms.BooleanField(
        label=_("E-mail the recipients that their documents are ready"), required=False, initial=True
    )

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nomination"].queryset = Nomination.objects.filter(edition=edition)


class CorrectionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Code printed on the document"), max_length=40)
