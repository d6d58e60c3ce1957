"""What a document looks like: the ready-made designs of the three kinds, the fields a design may print,
and the render spec built from a stored template."""

import io
from functools import lru_cache

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageDraw

from submissions.storage import cached_copy, private_storage

from . import render
from .models import DocumentTemplate, Font, Kind

# The fields a text element may print, as {name}; {name_kk} / {name_ru} pick a language explicitly.
FIELDS = [
    ("full_name", _("Recipient's full name")),
    ("film", _("Title of the film")),
    ("nomination", _("Nomination")),
    ("award", _("Place or award")),
    ("region", _("Region")),
    ("school", _("School")),
    ("supervisor", _("Supervisor(s)")),
    ("authors", _("Authors of the film")),
    ("edition", _("Festival edition")),
    ("year", _("Year")),
    ("date", _("Date of issue")),
    ("number", _("Document number")),
    ("code", _("Verification code")),
    ("verify_url", _("Verification address")),
]
LOCALIZED_FIELDS = ("nomination", "award", "region", "edition")

# A4 landscape, millimetres from the top-left corner.
_INK = "#1d3557"
_ACCENT = "#b5651d"
_GREY = "#4a4a4a"

_TITLES = {
    Kind.DIPLOMA: ("ДИПЛОМ", None),
    Kind.THANKS: ("АЛҒЫС ХАТ", "БЛАГОДАРСТВЕННОЕ ПИСЬМО"),
    Kind.CERTIFICATE: ("СЕРТИФИКАТ", None),
}
_FESTIVAL = {
    "kk": "«Әлемдегі шекарасыз Қазақстан балалары!» республикалық балалар кинофестивалі",
    "ru": "Республиканский детский кинофестиваль «Дети Казахстана в мире без границ!»",
}
_BODY = {
    Kind.DIPLOMA: {
        "kk": "«{nomination_kk}» номинациясы · {award_kk}",
        "ru": "Номинация «{nomination_ru}» · {award_ru}",
    },
    Kind.THANKS: {
        "kk": "«{film}» фильмінің авторларына жетекшілік еткені үшін",
        "ru": "за руководство авторами фильма «{film}»",
    },
    Kind.CERTIFICATE: {
        "kk": "фестивальге қатысқаны үшін беріледі",
        "ru": "выдан за участие в фестивале",
    },
}
_CHECK = {"kk": "Тексеру коды", "ru": "Код проверки"}
_SIGNED = {"kk": "Фестивальдің ұйымдастыру комитеті", "ru": "Организационный комитет фестиваля"}


def _text(text, y, size, *, font="sans", color=_INK, x=20, width=257, lines=1, align="center", shrink=True):
    return {
        "type": "text",
        "text": text,
        "x": x,
        "y": y,
        "width": width,
        "font": font,
        "size": size,
        "color": color,
        "align": align,
        "shrink": shrink,
        "lines": lines,
    }


def default_elements(kind, language):
    """The ready-made design of `kind` in `language` ("kk", "ru" or "kk+ru")."""
    languages = ["kk", "ru"] if language == DocumentTemplate.Language.BILINGUAL else [language]
    title_kk, title_ru = _TITLES[kind]
    title = (
        title_kk
        if not title_ru
        else " · ".join(t for t, code in ((title_kk, "kk"), (title_ru, "ru")) if code in languages)
    )
    elements = [
        _text(" / ".join(_FESTIVAL[code] for code in languages), 24, 11, color=_GREY, lines=2),
        _text(title, 42, 40 if not title_ru or len(languages) == 1 else 30, font="serif-bold", color=_ACCENT),
        _text("{full_name}", 72, 30, font="serif-bold", lines=1),
    ]
    y = 92
    if kind == Kind.DIPLOMA:
        elements.append(_text("«{film}»", y, 16, font="sans-bold", lines=2))
        y += 16
    for code in languages:
        elements.append(_text(_BODY[kind][code], y, 14, lines=2))
        y += 14
    if kind != Kind.THANKS:
        elements.append(_text("{region_" + languages[0] + "} · {school}", y + 2, 12, color=_GREY, lines=2))
    elements += [
        _text(" / ".join(_SIGNED[code] for code in languages), 168, 11, color=_GREY, x=20, width=150, align="left"),
        _text("№ {number} · {date}", 176, 11, color=_GREY, x=20, width=150, align="left"),
        _text(
            " / ".join(_CHECK[code] for code in languages) + ": {code}",
            186,
            9,
            font="condensed",
            color=_GREY,
            x=20,
            width=200,
            align="left",
        ),
        {"type": "qr", "x": 246, "y": 160, "size": 30},
    ]
    return elements


def _draw_default_background(orientation="landscape"):
    """A quiet frame in the festival's colours: the ready-made background (no photograph to license)."""
    width, height = (1754, 1240) if orientation == "landscape" else (1240, 1754)
    image = Image.new("RGB", (width, height), "#fbf7ef")
    draw = ImageDraw.Draw(image)
    for inset, colour, thickness in ((38, "#1d3557", 10), (62, "#b5651d", 4), (74, "#e9c46a", 2)):
        draw.rectangle([inset, inset, width - inset, height - inset], outline=colour, width=thickness)
    for i in range(0, 220, 2):
        shade = 239 - i // 10
        draw.line([(width - 74 - i, height - 74), (width - 74, height - 74 - i)], fill=(shade, 228, 200), width=2)
        draw.line([(74 + i, 74), (74, 74 + i)], fill=(shade, 228, 200), width=2)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    return render.process_background(buffer, page="A4", orientation=orientation)


@lru_cache(maxsize=2)
def default_background(orientation="landscape"):
    return _draw_default_background(orientation)


# ---------------------------------------------------------------- specs from stored templates


def _read_blob(name):
    """A stored image's bytes, None without a name."""
    if not name:
        return None
    with private_storage().open(name, "rb") as handle:
        return handle.read()


def template_fonts():
    """Every uploaded font: key -> path (the builtins the renderer knows itself)."""
    return {font.key: cached_copy(font.file) for font in Font.objects.all()}


def spec_for(template, *, elements=None, background=None, images=None):
    """The render spec of a stored template; `elements` / `background` override it for a preview."""
    language = template.language if template.language != DocumentTemplate.Language.BILINGUAL else "kk"
    if images is None:
        images = {str(image.pk): _read_blob(image.file) for image in template.images.all()}
    return {
        "page": template.page,
        "orientation": template.orientation,
        "language": language,
        "background": background if background is not None else _read_blob(template.background),
        "images": images,
        "elements": template.elements if elements is None else elements,
    }


def sample_data(kind, edition):
    """What the designer's preview prints: a long Kazakh name, so overflow shows at once."""
    nomination = edition.nominations.order_by("order").first()
    data = {
        "full_name": "Әбілқайырова Гүлназ Нұрланқызы",
        "film": "Ұлы даланың үні",
        "school": "№ 12 мектеп-гимназия",
        "supervisor": "Сейітқали Үмітжан Өмірұлы",
        "authors": "Әбілқайырова Г. Н., Қоңырбаев Ұ. Е.",
        "year": str(edition.year),
        "date": f"01.06.{edition.year}",
        "number": f"{edition.year}-3-000001",
        "code": "ABCD-EFGH-JKMN",
        "verify_url": "https://example.kz/v/ABCDEFGHJKMN/",
    }
    for code in ("kk", "ru", "en"):
        data[f"nomination_{code}"] = getattr(nomination, f"name_{code}", "") if nomination else ""
        data[f"edition_{code}"] = getattr(edition, f"title_{code}")
        data[f"region_{code}"] = {"kk": "Абай облысы", "ru": "Абайская область", "en": "Abai Region"}[code]
        data[f"award_{code}"] = {"kk": "I орын", "ru": "I место", "en": "1st place"}[code]
    return data
