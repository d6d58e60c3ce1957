"""Where things go on a page: page sizes, placeholders, and text fitted into its box (wrapped, shrunk).

Coordinates in a spec are millimetres from the top-left corner; the results here are PDF points from the
bottom-left corner, ready for the canvas. Nothing here depends on how the page is written.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.utils import translation

PAGE_SIZES = {"A4": (210, 297), "A5": (148, 210)}  # mm, portrait

MM = 72 / 25.4  # points per millimetre
LINE_HEIGHT = 1.2
SHRINK_STEP = 0.5
MIN_FONT_SIZE = 5.0

PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def page_mm(page: str | None, orientation: str | None) -> tuple[float, float]:
    """(width, height) in millimetres; unknown sizes are A4."""
    w, h = PAGE_SIZES.get(page or "A4", PAGE_SIZES["A4"])
    return (h, w) if orientation == "landscape" else (w, h)


def page_points(spec: dict) -> tuple[float, float]:
    w, h = page_mm(spec.get("page", "A4"), spec.get("orientation", "landscape"))
    return w * MM, h * MM


def resolve_text(template: str, data: dict, language: str) -> str:
    """Fill ``{name}`` placeholders: ``data["name_<language>"]``, else ``data["name"]``, else ""."""

    def value(match: re.Match) -> str:
        key = match.group(1)
        found = data.get(f"{key}_{language}") or data.get(key)
        return "" if found is None else str(found)

    return PLACEHOLDER.sub(value, template or "")


def language_of(spec: dict) -> str:
    """The language placeholders are filled in: the spec's, else the active one, else Russian."""
    language = spec.get("language")
    if not language:
        try:
            language = translation.get_language()
        except Exception:  # settings not configured (a script)
            language = None
    return (language or "ru").split("-")[0]


def rgb(colour: str | None) -> tuple[float, float, float]:
    """``#rrggbb`` as fractions; anything else is black."""
    if isinstance(colour, str) and _COLOUR.fullmatch(colour):
        return tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return (0.0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class TextBox:
    """A text element's box and style, in points (``top`` from the bottom of the page)."""

    size: float
    width: float
    lines: int
    shrink: bool
    x: float
    top: float
    align: str
    colour: tuple[float, float, float]


def text_box(element: dict, page_w: float, page_h: float) -> TextBox:
    size = min(max(float(element.get("size") or 12), 1.0), 1000.0)
    x = float(element.get("x") or 0) * MM
    width = element.get("width")
    width = float(width) * MM if width else max(page_w - x, 1.0)
    align = element.get("align")
    colour = element.get("color")
    return TextBox(
        size=size,
        width=width,
        lines=max(1, int(element.get("lines") or 1)),
        shrink=bool(element.get("shrink")),
        x=x,
        top=page_h - float(element.get("y") or 0) * MM,
        align=align if align in ("center", "right") else "left",
        colour=rgb(colour if isinstance(colour, str) else None),
    )


def min_size(size: float) -> float:
    return min(size, max(size / 2, MIN_FONT_SIZE))


def _wrap(paragraphs, space: float, limit: float, max_lines: int | None):
    """Greedy word wrap of pre-measured words (widths at 1 pt): (lines, fits)."""
    lines: list[str] = []
    fits = True
    for words in paragraphs:
        current: list[str] = []
        width = 0.0
        for word, w in words:
            if w > limit:
                fits = False
            if current and width + space + w > limit:
                lines.append(" ".join(current))
                current, width = [word], w
            else:
                width = width + space + w if current else w
                current.append(word)
        lines.append(" ".join(current))
        if max_lines is not None and len(lines) > max_lines:
            return lines, False
    return lines, fits


def fit(text: str, font, size: float, width: float, max_lines: int, shrink: bool):
    """(size, lines, fits) for ``text`` in ``font`` (anything with ``width(text)`` at 1 pt) in a box
    ``width`` points wide and ``max_lines`` lines tall, shrinking by SHRINK_STEP down to ``min_size`` when
    ``shrink``."""
    if not text.strip():
        return size, (), True
    measure = font.width
    paragraphs = [[(word, measure(word)) for word in part.split()] for part in text.split("\n")]
    space = measure(" ")
    limit = width + 1e-6
    smallest = min_size(size) if shrink else size
    candidate = size
    if shrink:  # skip the sizes that cannot fit: the widest word, or all the words, would not fit the box
        widths = [w for words in paragraphs for _, w in words] or [0.0]
        needed = max(max(widths), (sum(widths) + space * (len(widths) - 1)) / max_lines, 1e-9)
        if limit / needed < size:
            candidate = max(smallest, size - math.ceil((size - limit / needed) / SHRINK_STEP) * SHRINK_STEP)
    while True:
        lines, fits = _wrap(paragraphs, space, limit / candidate, max_lines)
        if fits:
            return candidate, tuple(lines), True
        if candidate <= smallest:
            break
        candidate = max(smallest, candidate - SHRINK_STEP)
    lines, _ = _wrap(paragraphs, space, limit / smallest, None)
    return smallest, tuple(lines), False


@dataclass(frozen=True, slots=True)
class PlacedText:
    """A text element laid out: its font size, colour, and each line with its start (points)."""

    size: float
    colour: tuple[float, float, float]
    lines: tuple[tuple[float, float, str], ...]  # (x, baseline, text)


def place(text: str, font, box: TextBox) -> PlacedText | None:
    """The lines of ``text`` fitted into ``box`` and placed: vertically centred in the box's lines, each
    line aligned in its width. None when there is nothing to draw."""
    fitted, lines, _ = fit(text, font, box.size, box.width, box.lines, box.shrink)
    if not lines:
        return None
    leading = LINE_HEIGHT * fitted
    top = box.top - max(0.0, (box.lines * LINE_HEIGHT * box.size - len(lines) * leading) / 2)
    baseline = top - ((leading - (font.ascent - font.descent) * fitted) / 2 + font.ascent * fitted)
    placed = []
    for i, line in enumerate(lines):
        if line:
            x = box.x
            if box.align != "left":
                spare = box.width - font.width(line) * fitted
                x += spare / 2 if box.align == "center" else spare
            placed.append((x, baseline - i * leading, line))
    return PlacedText(size=fitted, colour=box.colour, lines=tuple(placed))


def image_box(element: dict, page_h: float) -> tuple[float, float, float, float]:
    """(x, y, width, height) in points of an image element's box (the picture keeps its proportions in it)."""
    width = float(element.get("width") or 40) * MM
    height = float(element.get("height") or 20) * MM
    x = float(element.get("x") or 0) * MM
    y = page_h - float(element.get("y") or 0) * MM - height
    return x, y, width, height


def qr_box(element: dict, page_h: float) -> tuple[float, float, float]:
    """(x, y, side) in points of a QR element, quiet zone included."""
    side = float(element.get("size") or 25) * MM
    return float(element.get("x") or 0) * MM, page_h - float(element.get("y") or 0) * MM - side, side
