"""Fonts: the built-in DejaVu families and the organizers' uploads, checked for the Kazakh and Russian
letters. Each font is slimmed once per process by fontTools (the alphabets a document prints, no hinting)
and registered with ReportLab, which embeds in a PDF only the letters the PDF uses."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from pathlib import Path

from fontTools import subset as ft_subset
from fontTools.ttLib import TTFont as FontFile
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# fontTools reports each table it prunes at INFO: once per font and process, nothing a reader of the logs needs.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

SYSTEM_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

BUILTIN_FONTS: dict[str, tuple[str, str]] = {
    "sans": ("DejaVu Sans", "DejaVuSans.ttf"),
    "sans-bold": ("DejaVu Sans Bold", "DejaVuSans-Bold.ttf"),
    "serif": ("DejaVu Serif", "DejaVuSerif.ttf"),
    "serif-bold": ("DejaVu Serif Bold", "DejaVuSerif-Bold.ttf"),
    "condensed": ("DejaVu Sans Condensed", "DejaVuSansCondensed.ttf"),
    "condensed-bold": ("DejaVu Sans Condensed Bold", "DejaVuSansCondensed-Bold.ttf"),
}
DEFAULT_FONT = "sans"

KAZAKH_LETTERS = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
RUSSIAN_LETTERS = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
REQUIRED_LETTERS = KAZAKH_LETTERS + RUSSIAN_LETTERS

# What a slim font keeps: printable ASCII (the Latin alphabet, digits, punctuation), the Latin-1 and
# Latin Extended-A letters (names written in the Kazakh Latin alphabet, and most European ones), the whole
# Cyrillic block (Kazakh, Russian and the neighbours' alphabets), typographic punctuation, № and ₸.
ALPHABET = frozenset(
    [
        *range(0x20, 0x7F),
        *range(0xA0, 0x180),
        *range(0x400, 0x500),
        *range(0x2010, 0x2027),
        *range(0x2030, 0x203B),
        0x2116,  # №
        0x20B8,  # ₸
        0x20AC,  # €
        0x2122,  # ™
    ]
)


class FontProblem(Exception):
    """A font cannot be used: ``missing`` holds the letters it lacks, or what is wrong with the file."""

    def __init__(self, missing: str):
        super().__init__(missing)
        self.missing = missing


def font_dir() -> Path:
    return Path(os.environ.get("FESTIVAL_FONT_DIR") or SYSTEM_FONT_DIR)


def _open(path) -> FontFile:
    try:
        return FontFile(str(path), lazy=True)
    except Exception as exc:  # fontTools raises many kinds on a broken or foreign file
        raise FontProblem(f"not a usable TrueType font: {exc}") from exc


def font_missing_letters(path) -> str:
    """The Kazakh and Russian letters the font at ``path`` lacks ("" when it has them all)."""
    font = _open(path)
    try:
        have = font.getBestCmap() or {}
    except Exception as exc:
        raise FontProblem(f"not a usable TrueType font: {exc}") from exc
    finally:
        font.close()
    return "".join(ch for ch in REQUIRED_LETTERS if ord(ch) not in have)


def check_font(path) -> None:
    """Refuse a font that lacks a Kazakh or Russian letter (FontProblem names them), or that cannot be
    embedded in a PDF (PostScript outlines, a broken file)."""
    missing = font_missing_letters(path)
    if missing:
        raise FontProblem(missing)
    try:
        TTFont("festival-check", io.BytesIO(slim_program(str(path))))
    except Exception as exc:
        raise FontProblem(f"not a usable TrueType font: {exc}") from exc


def slim_program(path: str) -> bytes:
    """The font at ``path`` cut by fontTools to ALPHABET, without hinting (instructions and their tables)
    nor the layout tables ReportLab does not read: a small program to parse and subset per document."""
    options = ft_subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "kern", "FFTM", "DSIG"]
    options.glyph_names = False
    options.notdef_outline = True
    try:
        font = FontFile(path)
        try:
            subsetter = ft_subset.Subsetter(options)
            subsetter.populate(unicodes=ALPHABET)
            subsetter.subset(font)
            out = io.BytesIO()
            font.save(out)
        finally:
            font.close()
    except Exception as exc:
        raise FontProblem(f"not a usable TrueType font: {exc}") from exc
    return out.getvalue()


class Font:
    """A font registered with ReportLab (``name``), with what layout needs: ascent and descent (in ems)
    and widths at 1 pt."""

    def __init__(self, name: str, program: bytes):
        self.reportlab = TTFont(name, io.BytesIO(program), asciiReadable=0)
        self.name = name
        face = self.reportlab.face
        self.face_name = face.name.decode("latin-1")
        self.ascent = face.ascent / 1000
        self.descent = face.descent / 1000

    def width(self, text: str) -> float:
        return self.reportlab.stringWidth(text, 1)


_lock = threading.Lock()
_loaded: dict[tuple[str, str], Font] = {}  # (key, path) -> the font, slimmed and registered once per process


def _load(key: str, path) -> Font:
    path = str(path)
    font = _loaded.get((key, path))
    if font is None:
        with _lock:
            font = _loaded.get((key, path))
            if font is None:
                digest = hashlib.md5(path.encode(), usedforsecurity=False).hexdigest()[:10]
                try:
                    font = Font(f"festival-{key}-{digest}", slim_program(path))
                except FontProblem:
                    raise
                except Exception as exc:
                    raise FontProblem(f"not a usable TrueType font: {exc}") from exc
                pdfmetrics.registerFont(font.reportlab)
                _loaded[(key, path)] = font
    return font


def font(key: str | None, fonts: dict[str, str] | None = None) -> Font:
    """The font a text element names: one of ``fonts`` (key -> TTF path, the organizers' uploads) or a
    built-in one; an unknown key is the default font."""
    key = key or DEFAULT_FONT
    if fonts and key in fonts:
        return _load(key, fonts[key])
    if key not in BUILTIN_FONTS:
        key = DEFAULT_FONT
    return _load(key, font_dir() / BUILTIN_FONTS[key][1])
