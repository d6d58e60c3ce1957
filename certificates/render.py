"""PDF rendering of diplomas, thank-you letters and certificates.

Pure module: no models, no database. A template is a plain ``spec`` dict (page, background, elements), a
document is ``(spec, data)``; ``render`` turns any number of them into one PDF.

Speed matters (about 100,000 documents a festival; ``render_each_and_batch``, a document's own file and its
page of a print batch, ~0.5 ms here). What does not depend on a document's data is prepared once per process
and reused: parsed fonts; the embedded font programs (subset 0 of every font gets a fixed character order, so
one compressed subset serves every document; hinting and the long name records are dropped); image XObjects
(the same bytes object is embedded once per batch); the operators of laid-out text (bounded LRU caches, so
fixed texts are laid out once). Resource names are fixed per process, so a page's content stream can be put
in any document. ReportLab does the TrueType side (parsing, metrics, subsets); the PDF file itself, a handful
of objects, is written here: ReportLab's canvas and object formatting alone cost ~0.7 ms a document. QR
matrices come from a small table-driven encoder checked against segno (segno itself takes ~2 ms, ~10 ms
choosing a mask) and are drawn as a 1-bit inline image.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import io
import itertools
import math
import os
import re
import struct
import threading
import zlib
from collections import OrderedDict
from functools import cache, lru_cache
from operator import itemgetter
from pathlib import Path

import segno
from django.utils import translation
from PIL import Image, ImageOps, UnidentifiedImageError
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFile, TTFontMaker

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

PAGE_SIZES = {"A4": (210, 297), "A5": (148, 210)}  # mm, portrait

MM = 72 / 25.4  # points per millimetre
LINE_HEIGHT = 1.2
SHRINK_STEP = 0.5
MIN_FONT_SIZE = 5.0

MAX_PIXELS = 40_000_000
BACKGROUND_DPI = 150
BACKGROUND_QUALITY = 82
BACKGROUND_BUDGET = 240_000  # bytes; lower JPEG qualities are tried only above this
SIGNATURE_MAX_PX = 800

QR_MASK = 2  # fixed: choosing the best mask costs ~8 ms a code; 2 scores best on typical verify URLs
QR_BORDER = 4  # quiet zone, modules

# Put into subset 0 of each font, in this order, before a document's first text: subset 0 is then the same
# for (almost) every document and its embedded font program is built and compressed once per process.
_PRESEED = REQUIRED_LETTERS + "«»„“”‘’–—…№·•"


class FontProblem(Exception):
    """A font cannot be used: ``missing`` holds the letters it lacks, or what is wrong with the file."""

    def __init__(self, missing: str):
        super().__init__(missing)
        self.missing = missing


class ImageProblem(Exception):
    """An image is refused: ``code`` is "not_image", "too_large" or "format"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------------------------------- PDF syntax


def _num(value) -> str:
    if isinstance(value, int):
        return str(value)
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _stream(entries: str, content: bytes) -> bytes:
    return f"<< {entries} /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream"


def _pdf_name(text: str) -> str:
    return "/" + "".join(c if c.isascii() and (c.isalnum() or c in "+-_.") else f"#{ord(c) & 0xFF:02X}" for c in text)


# ---------------------------------------------------------------------------------------------- fonts


def font_dir() -> Path:
    return Path(os.environ.get("FESTIVAL_FONT_DIR") or SYSTEM_FONT_DIR)


def font_missing_letters(path) -> str:
    """The Kazakh and Russian letters the TrueType font at ``path`` lacks ("" when it has them all)."""
    try:
        face = TTFontFile(str(path), charInfo=1, validate=0)
    except Exception as exc:  # reportlab raises many kinds on a broken or foreign file
        raise FontProblem(f"not a usable TrueType font: {exc}") from exc
    have = face.charToGlyph
    return "".join(ch for ch in REQUIRED_LETTERS if ord(ch) not in have)


def check_font(path) -> None:
    missing = font_missing_letters(path)
    if missing:
        raise FontProblem(missing)


def _to_unicode_cmap(name: str, codes: tuple[int, ...]) -> str:
    pairs = [f"<{i:02X}> <{chr(c).encode('utf-16-be').hex().upper()}>" for i, c in enumerate(codes) if i and c]
    body = []
    for start in range(0, len(pairs), 100):  # at most 100 entries a block
        chunk = pairs[start : start + 100]
        body += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            f"/CMapName /{name}-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<00> <FF>",
            "endcodespacerange",
            *body,
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


def _tables(program: bytes) -> dict[bytes, bytes]:
    count = struct.unpack_from(">H", program, 4)[0]
    tables = {}
    for i in range(count):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", program, 12 + 16 * i)
        tables[tag] = program[offset : offset + length]
    return tables


def _glyph_without_instructions(glyph: bytes) -> bytes:
    if len(glyph) < 10:
        return glyph
    contours = struct.unpack_from(">h", glyph)[0]
    if contours >= 0:  # simple glyph: endPts, instructionLength, instructions, flags, x and y coordinates
        at = 10 + 2 * contours
        points = struct.unpack_from(">H", glyph, at - 2)[0] + 1 if contours else 0
        start = end = at + 2 + struct.unpack_from(">H", glyph, at)[0]
        coordinates = seen = 0
        while seen < points:
            flag = glyph[end]
            repeat = 1 + (glyph[end + 1] if flag & 0x08 else 0)
            end += 2 if flag & 0x08 else 1
            x = 1 if flag & 0x02 else 0 if flag & 0x10 else 2
            y = 1 if flag & 0x04 else 0 if flag & 0x20 else 2
            coordinates += repeat * (x + y)
            seen += repeat
        return glyph[:at] + b"\0\0" + glyph[start : end + coordinates]
    at = 10  # composite glyph: components, then instructions if the last component says so
    while True:
        flags = struct.unpack_from(">H", glyph, at)[0]
        last = at
        at += 4 + (4 if flags & 0x0001 else 2)
        at += 8 if flags & 0x0080 else 4 if flags & 0x0040 else 2 if flags & 0x0008 else 0
        if not flags & 0x0020:
            break
    if flags & 0x0100:
        return glyph[:last] + struct.pack(">H", flags & ~0x0100) + glyph[last + 2 : at]
    return glyph[:at]


def _slim_font_program(program: bytes) -> bytes:
    """Drop hinting (instructions, cvt/fpgm/prep) and the long name records (license text) from a subset.

    Hinting only matters to low-resolution rasterizers; names 0-6 are what font subsetters usually keep.
    """
    tables = _tables(program)
    head = tables[b"head"]
    long_loca = struct.unpack_from(">h", head, 50)[0] == 1
    loca = tables[b"loca"]
    offsets = struct.unpack(f">{len(loca) // (4 if long_loca else 2)}{'I' if long_loca else 'H'}", loca)
    if not long_loca:
        offsets = [2 * o for o in offsets]
    glyf, glyphs, positions = tables[b"glyf"], [], [0]
    for start, end in itertools.pairwise(offsets):
        glyph = _glyph_without_instructions(glyf[start:end]) if end > start else b""
        glyph += b"\0" * (-len(glyph) % 4)
        glyphs.append(glyph)
        positions.append(positions[-1] + len(glyph))
    short = positions[-1] < 0x20000
    loca = struct.pack(f">{len(positions)}{'H' if short else 'I'}", *(p // 2 if short else p for p in positions))

    name = tables.get(b"name")
    if name:
        _format, count, strings = struct.unpack_from(">HHH", name)
        kept, pool = [], b""
        for i in range(count):
            record = struct.unpack_from(">HHHHHH", name, 6 + 12 * i)
            if record[3] <= 6:
                text = name[strings + record[5] : strings + record[5] + record[4]]
                kept.append(struct.pack(">HHHHHH", *record[:5], len(pool)))
                pool += text
        tables[b"name"] = struct.pack(">HHH", 0, len(kept), 6 + 12 * len(kept)) + b"".join(kept) + pool

    tables[b"glyf"] = b"".join(glyphs)
    tables[b"loca"] = loca
    tables[b"head"] = head[:50] + struct.pack(">h", 0 if short else 1) + head[52:]
    maker = TTFontMaker()
    for tag, data in tables.items():
        if tag not in (b"cvt ", b"fpgm", b"prep", b"hdmx", b"LTSH"):
            maker.add(tag.decode("latin-1"), data)
    return maker.makeStream()


class _Subset:
    """The PDF objects of one font subset, formatted once and shared by every document using it
    (``descriptor`` and ``font`` still need their references filled in with ``%``)."""

    __slots__ = ("descriptor", "font", "font_file", "to_unicode")

    def __init__(self, font: _FestivalFont, codes: tuple[int, ...]):
        face = font.face
        digest = hashlib.md5(face.name + repr(codes).encode(), usedforsecurity=False).digest()
        tag = "".join(chr(65 + b % 26) for b in digest[:6])
        base_name = _pdf_name(f"{tag}+{face.name.decode('latin-1')}")
        program = _slim_font_program(face.makeSubset(list(codes)))
        self.font_file = _stream(f"/Filter /FlateDecode /Length1 {len(program)}", zlib.compress(program, 9))
        cmap = _to_unicode_cmap(base_name[1:], codes).encode()
        self.to_unicode = _stream("/Filter /FlateDecode", zlib.compress(cmap, 9))
        bbox = " ".join(_num(v) for v in face.bbox)
        self.descriptor = (
            f"<< /Type /FontDescriptor /FontName {base_name} /Flags {face.flags} /FontBBox [{bbox}]"
            f" /ItalicAngle {_num(face.italicAngle)} /Ascent {_num(face.ascent)} /Descent {_num(face.descent)}"
            f" /CapHeight {_num(face.capHeight)} /StemV {_num(face.stemV)}"
            f" /MissingWidth {_num(face.defaultWidth)} /FontFile2 %d 0 R >>".encode()
        )
        widths = " ".join(_num(round(face.getCharWidth(c))) for c in codes)
        self.font = (
            f"<< /Type /Font /Subtype /TrueType /BaseFont {base_name} /FirstChar 0 /LastChar {len(codes) - 1}"
            f" /Widths [{widths}] /ToUnicode %d 0 R /FontDescriptor %d 0 R >>".encode()
        )


class _FestivalFont(TTFont):
    """A TrueType font with per-process caches: embedded subsets (by exact characters) and word widths.

    ``resource`` names it in every PDF of the process (subset n is ``/<resource><n>``), so a page's
    operators are the same in whichever document they are put.
    """

    _CACHE_SIZE = 32

    def __init__(self, name: str, path: str):
        super().__init__(name, path, asciiReadable=1)
        self.resource = f"F{next(_resource_numbers)}S"
        self._subsets: OrderedDict[tuple[int, ...], _Subset] = OrderedDict()
        self._lock = threading.Lock()
        self._widths: dict[str, float] = {}
        self._char_widths = self.face.charWidths
        self._default_width = self.face.defaultWidth
        self.ascent = self.face.ascent / 1000
        self.descent = self.face.descent / 1000
        # The subset state every document starts from (reportlab keys its per-document state by document).
        key = _StateKey()
        self.splitString(_PRESEED, key)
        self._start_state = self.state.pop(key)
        self.first_codes = self._start_state.assignments  # character -> code in subset 0, in every document
        self._first: _Subset | None = None

    def start(self, key: _StateKey):
        """The subset state of a document (``key``), started from the fixed subset 0 when first needed: a
        document whose text all has codes in ``first_codes`` never needs one."""
        state = self.state.get(key)
        if state is None:
            state = copy.copy(self._start_state)
            state.assignments = dict(state.assignments)
            state.subsets = [list(s) for s in state.subsets]
            self.state[key] = state
        return state

    def encode(self, text: str, key: _StateKey) -> list[tuple[int, bytes]]:
        """(subset, codes) chunks of ``text`` in the document ``key``; ``splitString`` with a fast path for
        text whose characters all have codes in subset 0 already."""
        try:
            codes = bytes(map(self.start(key).assignments.__getitem__, map(ord, text)))
        except (KeyError, ValueError):  # a new character, or one outside subset 0
            return self.splitString(text, key)
        return [(0, codes)]

    def subsets(self, key: _StateKey) -> list[_Subset]:
        """The subsets the document ``key`` embeds (its state is dropped)."""
        state = self.state.pop(key, None)
        if state is None or len(state.assignments) == len(self.first_codes):  # just the fixed subset 0
            if self._first is None:
                self._first = self._subset(tuple(self._start_state.subsets[0]))
            return [self._first]
        return [self._subset(tuple(codes)) for codes in state.subsets]

    def width(self, text: str, size: float) -> float:
        """``stringWidth`` with a cache: the same words come back in every document."""
        found = self._widths.get(text)
        if found is None:
            widths, default = self._char_widths, self._default_width
            found = sum(widths.get(code, default) for code in map(ord, text)) / 1000
            if len(self._widths) > 20_000:
                self._widths.clear()
            self._widths[text] = found
        return found * size

    def _subset(self, codes: tuple[int, ...]) -> _Subset:
        with self._lock:
            found = self._subsets.get(codes)
            if found is not None:
                self._subsets.move_to_end(codes)
                return found
        built = _Subset(self, codes)
        with self._lock:
            self._subsets[codes] = built
            while len(self._subsets) > self._CACHE_SIZE:
                self._subsets.popitem(last=False)
        return built


class _StateKey:
    """Identifies one document in reportlab's per-document font state (a weak-key dictionary)."""


_resource_numbers = itertools.count(1)  # resource names of fonts and pictures, unique in the process


_fonts_lock = threading.Lock()
_loaded: dict[tuple[str, str], _FestivalFont] = {}  # (key, path) -> font, registered with reportlab
_current: dict[str, _FestivalFont] = {}  # key -> the font it means now


def _load(key: str, path, *, current: bool = True) -> _FestivalFont:
    """The font for (key, path), parsed and registered once; ``current``: ``key`` means it from now on."""
    path = str(path)
    font = _loaded.get((key, path))
    if font is None:
        with _fonts_lock:
            font = _loaded.get((key, path))
            if font is None:
                digest = hashlib.md5(path.encode(), usedforsecurity=False).hexdigest()[:10]
                try:
                    font = _FestivalFont(f"festival-{key}-{digest}", path)
                except Exception as exc:
                    raise FontProblem(f"not a usable TrueType font: {exc}") from exc
                pdfmetrics.registerFont(font)
                _loaded[(key, path)] = font
    if current:
        _current[key] = font
    return font


def register_fonts(fonts: dict[str, str]) -> None:
    """Register fonts (key -> TTF path) with reportlab; each (key, path) is parsed once per process."""
    for key, path in fonts.items():
        _load(key, path)


def _font(key: str | None, fonts: dict[str, str] | None) -> _FestivalFont:
    key = key or DEFAULT_FONT
    if fonts and key in fonts:  # for this document only
        if (font := _loaded.get((key, str(fonts[key])))) is not None:
            return font
        return _load(key, fonts[key], current=False)
    if (font := _current.get(key)) is not None:
        return font
    if key not in BUILTIN_FONTS:
        key = DEFAULT_FONT
        if (font := _current.get(key)) is not None:
            return font
    return _load(key, font_dir() / BUILTIN_FONTS[key][1])


# --------------------------------------------------------------------------------------------- images


def _open_image(fileobj) -> Image.Image:
    if isinstance(fileobj, bytes | bytearray | memoryview):
        fileobj = io.BytesIO(fileobj)
    elif hasattr(fileobj, "seek"):
        fileobj.seek(0)
    try:
        image = Image.open(fileobj)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageProblem("too_large") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageProblem("not_image") from exc
    if image.format not in ("JPEG", "MPO", "PNG"):  # MPO: JPEG as many phone cameras write it
        raise ImageProblem("format")
    if image.width * image.height > MAX_PIXELS:  # checked on the header, before anything is decoded
        raise ImageProblem("too_large")
    return image


def _turned(image: Image.Image) -> bool:
    """Whether the EXIF orientation swaps width and height."""
    try:
        return image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
    except Exception:  # a broken EXIF block is ignored, as exif_transpose does
        return False


def _upright(image: Image.Image, scale: float = 1.0) -> Image.Image:
    """Decode (a JPEG at 1/2, 1/4 or 1/8 size when it will be scaled down that much) and apply the EXIF
    orientation."""
    try:
        if scale < 1 and image.format in ("JPEG", "MPO"):
            image.draft("RGB", (max(1, math.ceil(image.width * scale)), max(1, math.ceil(image.height * scale))))
        image.load()
        return ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageProblem("too_large") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageProblem("not_image") from exc


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        image.mode in ("P", "L", "RGB") and "transparency" in image.info
    )


def background_size(page: str = "A4", orientation: str = "landscape") -> tuple[int, int]:
    """Pixel size of a full-page background at BACKGROUND_DPI."""
    w_mm, h_mm = _page_mm(page, orientation)
    return round(w_mm / 25.4 * BACKGROUND_DPI), round(h_mm / 25.4 * BACKGROUND_DPI)


def process_background(fileobj, *, page: str = "A4", orientation: str = "landscape") -> bytes:
    """A JPEG/PNG upload -> baseline JPEG for a full-page background.

    Cropped to the page's proportions (centred, like CSS ``cover``), downscaled to at most BACKGROUND_DPI
    for the page, never upscaled; transparency becomes white. Quality BACKGROUND_QUALITY, lower only if the
    result would exceed BACKGROUND_BUDGET.
    """
    target_w, target_h = background_size(page, orientation)
    image = _open_image(fileobj)
    shown_w, shown_h = (image.height, image.width) if _turned(image) else image.size
    image = _upright(image, max(target_w / shown_w, target_h / shown_h))
    if _has_alpha(image):
        rgba = image.convert("RGBA")
        image = Image.new("RGBA", rgba.size, "white")
        image.alpha_composite(rgba)
    image = image.convert("RGB")

    width, height = image.size
    if width * target_h > height * target_w:
        crop_w = max(1, round(height * target_w / target_h))
        left = (width - crop_w) // 2
        image = image.crop((left, 0, left + crop_w, height))
    elif width * target_h < height * target_w:
        crop_h = max(1, round(width * target_h / target_w))
        top = (height - crop_h) // 2
        image = image.crop((0, top, width, top + crop_h))
    if image.width > target_w:
        image = image.resize((target_w, target_h), Image.Resampling.LANCZOS)

    for quality in (BACKGROUND_QUALITY, 74, 66, 58, 50):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=False)
        if out.tell() <= BACKGROUND_BUDGET:
            break
    return out.getvalue()


def process_signature(fileobj) -> bytes:
    """A JPEG/PNG upload -> PNG (transparency kept) at most SIGNATURE_MAX_PX on each side."""
    image = _upright(_open_image(fileobj))
    if _has_alpha(image):
        image = image.convert("LA" if image.mode in ("LA", "L") else "RGBA")
    elif image.mode not in ("L", "RGB"):
        image = image.convert("L" if image.mode == "1" else "RGB")
    image.thumbnail((SIGNATURE_MAX_PX, SIGNATURE_MAX_PX), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


class _Picture:
    """An image as a ready-made PDF image XObject (and soft mask), shared by all documents using its bytes.

    ``head`` is the start of the image dictionary, ``tail`` the rest of the object with its stream; ``name``
    is its resource name in every document.
    """

    __slots__ = ("head", "height", "name", "smask", "tail", "width")

    def __init__(self, raw: bytes):
        self.smask = None
        self.name = f"Im{next(_resource_numbers)}"
        try:
            image = Image.open(io.BytesIO(raw))
            self.width, self.height = image.size
            if self.width * self.height > MAX_PIXELS:
                raise ImageProblem("too_large")
            if image.format == "JPEG" and image.mode in ("RGB", "L"):  # embedded as it is
                space = "DeviceRGB" if image.mode == "RGB" else "DeviceGray"
                self.head, self.tail = self._head(space, "DCTDecode"), self._tail(bytes(raw))
                return
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageProblem("too_large") from exc
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            raise ImageProblem("not_image") from exc
        if _has_alpha(image):
            image = image.convert("LA" if image.mode in ("LA", "L") else "RGBA")
            alpha = zlib.compress(image.getchannel("A").tobytes(), 6)
            self.smask = self._head("DeviceGray", "FlateDecode") + self._tail(alpha)
        image = image.convert("L" if image.mode in ("L", "LA") else "RGB")
        space = "DeviceGray" if image.mode == "L" else "DeviceRGB"
        self.head, self.tail = self._head(space, "FlateDecode"), self._tail(zlib.compress(image.tobytes(), 6))

    def _head(self, space: str, codec: str) -> bytes:
        return (
            f"<< /Type /XObject /Subtype /Image /Width {self.width} /Height {self.height}"
            f" /ColorSpace /{space} /BitsPerComponent 8 /Filter /{codec}"
        ).encode()

    @staticmethod
    def _tail(content: bytes) -> bytes:
        return f" /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream"


_pictures: OrderedDict[bytes, _Picture] = OrderedDict()
_pictures_lock = threading.Lock()
_PICTURE_CACHE_SIZE = 64


def _picture(raw: bytes) -> _Picture:
    # Keyed by the bytes themselves: a bytes object caches its hash, so reusing one object costs nothing.
    raw = raw if isinstance(raw, bytes) else bytes(raw)
    with _pictures_lock:
        found = _pictures.get(raw)
        if found is not None:
            _pictures.move_to_end(raw)
            return found
    built = _Picture(raw)
    with _pictures_lock:
        _pictures[raw] = built
        while len(_pictures) > _PICTURE_CACHE_SIZE:
            _pictures.popitem(last=False)
    return built


# ------------------------------------------------------------------------------------------------- QR

# Error level M, versions 1..40: error correction codewords per block, number of blocks (ISO/IEC 18004).
_QR_EC_M = (10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26) + (28,) * 19
_QR_BLOCKS_M = (1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26,
                28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49)  # fmt: skip
_QR_MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)
_BYTE_BITS = [bytes((b >> (7 - k)) & 1 for k in range(8)) for b in range(256)]

# GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
_GF_EXP = bytearray(512)
_GF_LOG = [0] * 256
_value = 1
for _power in range(255):
    _GF_EXP[_power] = _value
    _GF_LOG[_value] = _power
    _value = (_value << 1) ^ (0x11D if _value & 0x80 else 0)
for _power in range(255, 512):
    _GF_EXP[_power] = _GF_EXP[_power - 255]


def _gf_mul(a: int, b: int) -> int:
    return _GF_EXP[_GF_LOG[a] + _GF_LOG[b]] if a and b else 0


@cache
def _rs_rows(degree: int) -> tuple[int, ...]:
    """For each feedback byte f: f × the generator polynomial (without its leading 1), as an int."""
    generator = [1]
    for i in range(degree):
        nxt = [*generator, 0]
        for k, c in enumerate(generator):
            nxt[k + 1] ^= _gf_mul(c, _GF_EXP[i])
        generator = nxt
    return tuple(int.from_bytes(bytes(_gf_mul(c, f) for c in generator[1:]), "big") for f in range(256))


def _rs_remainder(block: bytes, degree: int) -> bytes:
    rows = _rs_rows(degree)
    shift = 8 * (degree - 1)
    full = (1 << (8 * degree)) - 1
    remainder = 0
    for byte in block:
        remainder = ((remainder << 8) & full) ^ rows[byte ^ (remainder >> shift)]
    return remainder.to_bytes(degree, "big")


def _qr_alignment(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    size = 17 + 4 * version
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    return [6] + [size - 7 - step * i for i in range(count - 2, -1, -1)]


class _QRLayout:
    """Where the data bits of a version go, and the fixed modules for QR_MASK (taken from segno)."""

    def __init__(self, version: int):
        size = self.size = 17 + 4 * version
        fixed = bytearray(size * size)

        def mark(r0: int, r1: int, c0: int, c1: int) -> None:
            for r in range(r0, r1):
                fixed[r * size + c0 : r * size + c1] = b"\x01" * (c1 - c0)

        mark(0, 9, 0, 9)  # finders with separators and format information
        mark(0, 9, size - 8, size)
        mark(size - 8, size, 0, 9)  # includes the dark module
        mark(6, 7, 0, size)  # timing patterns
        mark(0, size, 6, 7)
        centres = _qr_alignment(version)
        corners = {(6, 6), (6, size - 7), (size - 7, 6)}  # under the finder patterns
        for r in centres:
            for c in centres:
                if (r, c) not in corners:
                    mark(r - 2, r + 3, c - 2, c + 3)
        if version >= 7:  # version information
            mark(0, 6, size - 11, size - 8)
            mark(size - 11, size - 8, 0, 6)

        order = []  # the zigzag: column pairs from the right, up and down alternately
        upward = True
        col = size - 1
        while col > 0:
            if col == 6:
                col -= 1
            rows = range(size - 1, -1, -1) if upward else range(size)
            for r in rows:
                for c in (col, col - 1):
                    if not fixed[r * size + c]:
                        order.append(r * size + c)
            upward = not upward
            col -= 2
        self.codewords = len(order) // 8
        self.ec = _QR_EC_M[version - 1]
        self.blocks = _QR_BLOCKS_M[version - 1]
        self.data_codewords = self.codewords - self.ec * self.blocks
        self.count_bits = 8 if version < 10 else 16
        self.bits = len(order)
        mask = _QR_MASKS[QR_MASK]
        self.mask = int.from_bytes(bytes(mask(p // size, p % size) for p in order), "big")

        reference = segno.make("", version=version, error="m", mode="byte", mask=QR_MASK, boost_error=False)
        light, dark = self.bits, self.bits + 1  # indexes of the two constants appended to the data bits
        slot = dict(zip(order, range(self.bits), strict=True))
        gather = []
        for r, row in enumerate(reference.matrix):
            for c, value in enumerate(row):
                index = r * size + c
                gather.append(slot[index] if not fixed[index] else (dark if value else light))
        self.gather = itemgetter(*gather)


@cache
def _qr_layout(version: int) -> _QRLayout:
    return _QRLayout(version)


def qr_matrix(text: str) -> list[bytes]:
    """Rows of modules (1 = dark, no quiet zone) of the QR code for ``text``: error level M, byte mode,
    mask QR_MASK; non-ASCII text goes to segno itself.

    The symbol is segno's (``segno.make(text, error="m", mode="byte", mask=QR_MASK, boost_error=False)``) in
    ten times less time, except that segno puts a stray 0x00 codeword after the terminator when the data
    ends on a byte boundary, where this pads straight away with 0xEC 0x11 as ISO/IEC 18004 says.
    """
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        return [bytes(row) for row in segno.make(text, error="m", micro=False, boost_error=False).matrix]
    for version in range(1, 41):
        layout = _qr_layout(version)
        if 4 + layout.count_bits + 8 * len(raw) <= 8 * layout.data_codewords:
            break
    else:
        raise ValueError("text too long for a QR code")

    capacity = 8 * layout.data_codewords
    value = (0b0100 << layout.count_bits | len(raw)) << 8 * len(raw) | int.from_bytes(raw, "big")
    used = 4 + layout.count_bits + 8 * len(raw)
    terminator = min(4, capacity - used)
    used += terminator
    padding = -used % 8
    value <<= terminator + padding
    data = value.to_bytes((used + padding) // 8, "big")
    data += (b"\xec\x11" * layout.data_codewords)[: layout.data_codewords - len(data)]

    short = layout.data_codewords // layout.blocks
    long_blocks = layout.data_codewords % layout.blocks
    blocks, start = [], 0
    for b in range(layout.blocks):
        length = short + (b >= layout.blocks - long_blocks)
        blocks.append(data[start : start + length])
        start += length
    checks = [_rs_remainder(block, layout.ec) for block in blocks]
    if layout.blocks == 1:
        message = data + checks[0]
    else:  # interleaved: byte i of every block in turn (the long blocks, last, have one more), then the checks
        message = bytes(itertools.chain.from_iterable(zip(*blocks, strict=False)))
        message += bytes(block[short] for block in blocks[layout.blocks - long_blocks :])
        message += bytes(itertools.chain.from_iterable(zip(*checks, strict=True)))

    bits = b"".join(map(_BYTE_BITS.__getitem__, message)) + bytes(layout.bits - 8 * len(message))
    masked = (int.from_bytes(bits, "big") ^ layout.mask).to_bytes(layout.bits, "big") + b"\x00\x01"
    flat = bytes(layout.gather(masked))
    size = layout.size
    return [flat[r * size : (r + 1) * size] for r in range(size)]


_QR_BITS = bytes.maketrans(b"\x00\x01", b"10")  # module -> bit of a DeviceGray pixel (0 is black)


def _qr_image(matrix: list[bytes], x: float, y_top: float, size: float) -> str:
    """An inline 1-bit image of the symbol with its quiet zone, a pixel a module.

    Against a rectangle per run: ~10 times less time, and sharp edges (pdfium does not smooth a 1-bit image
    scaled up without /Interpolate, where it anti-aliases the rectangles).
    """
    n = len(matrix) + 2 * QR_BORDER
    row_bits = n + (-n % 8)
    left = b"\x00" * QR_BORDER
    right = b"\x00" * (row_bits - n + QR_BORDER)
    blank = [b"\x00" * row_bits] * QR_BORDER
    bits = b"".join([*blank, *[left + row + right for row in matrix], *blank]).translate(_QR_BITS)
    pixels = int(bits, 2).to_bytes(len(bits) // 8, "big").hex()
    return (
        f"q {size:.3f} 0 0 {size:.3f} {x:.3f} {y_top - size:.3f} cm"
        f" BI /W {n} /H {n} /CS /G /BPC 1 /I false /F /AHx ID {pixels}> EI Q"
    )


# ----------------------------------------------------------------------------------------------- text

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")


def resolve_text(template: str, data: dict, language: str) -> str:
    """Fill ``{name}`` placeholders: ``data["name_<language>"]``, else ``data["name"]``, else ""."""

    def value(match: re.Match) -> str:
        key = match.group(1)
        found = data.get(f"{key}_{language}") or data.get(key)
        return "" if found is None else str(found)

    return _PLACEHOLDER.sub(value, template or "")


def _language(spec: dict) -> str:
    language = spec.get("language")
    if not language:
        try:
            language = translation.get_language()
        except Exception:  # settings not configured (e.g. the benchmark)
            language = None
    return (language or "ru").split("-")[0]


def _min_size(size: float) -> float:
    return min(size, max(size / 2, MIN_FONT_SIZE))


def _wrap(paragraphs, space: float, limit: float, max_lines: int | None):
    """Greedy word wrap of pre-measured words (widths at 1 pt); returns (lines, fits)."""
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


@lru_cache(maxsize=2048)
def _fit(text: str, font: _FestivalFont, size: float, width_pt: float, max_lines: int, shrink: bool):
    """(size, lines, fits) for ``text`` in a box ``width_pt`` wide and ``max_lines`` lines tall.

    Cached (a bounded LRU): the fixed texts of a template, and many filled-in ones, come back in every document.
    """
    if not text.strip():
        return size, (), True
    measure = font.width
    paragraphs = [[(word, measure(word, 1)) for word in part.split()] for part in text.split("\n")]
    space = measure(" ", 1)
    limit = width_pt + 1e-6
    smallest = _min_size(size) if shrink else size
    candidate = size
    if shrink:  # skip the sizes that cannot fit: the widest word or all the text would not fit the box
        widths = [w for words in paragraphs for _, w in words]
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


def fit_text(
    text: str, *, size: float, width: float, lines: int = 1, shrink: bool = True, font: str = DEFAULT_FONT, fonts=None
) -> tuple[float, list[str]]:
    """The font size and lines a text element would be drawn with (``width`` in mm)."""
    size = min(max(float(size), 1.0), 1000.0)
    chosen, wrapped, _ = _fit(text, _font(font, fonts), size, width * MM, max(1, int(lines)), bool(shrink))
    return chosen, list(wrapped)


@lru_cache(maxsize=256)
def _rgb(color: str | None) -> str:
    if isinstance(color, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        return " ".join(_num(round(int(color[i : i + 2], 16) / 255, 4)) for i in (1, 3, 5))
    return "0 0 0"


def _text_params(element: dict, page_w: float, page_h: float) -> tuple:
    """(size, width, lines, shrink, x, top, align, colour) of a text element, in points, for ``_text_block``."""
    size = min(max(float(element.get("size") or 12), 1.0), 1000.0)
    x = float(element.get("x") or 0) * MM
    width = element.get("width")
    width = float(width) * MM if width else max(page_w - x, 1.0)
    align = element.get("align")
    color = element.get("color")
    return (
        size,
        width,
        max(1, int(element.get("lines") or 1)),
        bool(element.get("shrink")),
        x,
        page_h - float(element.get("y") or 0) * MM,
        align if align in ("center", "right") else "left",
        _rgb(color if isinstance(color, str) else None),
    )


@lru_cache(maxsize=2048)
def _text_block(font, text, size, width, max_lines, shrink, x, top, align, rgb):
    """The operators of a text element: a str when they are the same in every document (all its characters
    have codes in the fixed start of subset 0), else (operators before the lines, ((line position, line),
    ...), font size) for ``_encoded``; None when there is nothing to draw. Cached like ``_fit``."""
    fitted, lines, _ = _fit(text, font, size, width, max_lines, shrink)
    if not lines:
        return None
    leading = LINE_HEIGHT * fitted
    top -= max(0.0, (max_lines * LINE_HEIGHT * size - len(lines) * leading) / 2)
    baseline = top - ((leading - (font.ascent - font.descent) * fitted) / 2 + font.ascent * fitted)
    placed = []
    for i, line in enumerate(lines):
        if line:
            left = x
            if align != "left":
                spare = width - font.width(line, fitted)
                left += spare / 2 if align == "center" else spare
            placed.append((f"1 0 0 1 {left:.2f} {baseline - i * leading:.2f} Tm", line))
    head, size_op = f"BT {rgb} rg", _num(round(fitted, 2))
    try:
        codes = [bytes(map(font.first_codes.__getitem__, map(ord, line))) for _, line in placed]
    except (KeyError, ValueError):
        return head, tuple(placed), size_op
    font_op = f"/{font.resource}0 {size_op} Tf"
    shown = [f"{position}\n{font_op} <{chunk.hex()}> Tj" for (position, _), chunk in zip(placed, codes, strict=True)]
    return "\n".join([head, *shown, "ET"])


def _encoded(font: _FestivalFont, key: _StateKey, block: tuple) -> str:
    """The operators of a ``_text_block`` with characters coded for the document ``key``."""
    head, placed, size_op = block
    ops = [head]
    for position, line in placed:
        ops.append(position)
        ops += [f"/{font.resource}{subset} {size_op} Tf <{chunk.hex()}> Tj" for subset, chunk in font.encode(line, key)]
    ops.append("ET")
    return "\n".join(ops)


# --------------------------------------------------------------------------------------------- drawing


def _page_mm(page: str, orientation: str) -> tuple[float, float]:
    w, h = PAGE_SIZES.get(page, PAGE_SIZES["A4"])
    return (h, w) if orientation == "landscape" else (w, h)


class _Document:
    """A PDF being written. Objects 1-3 (catalog, page tree, shared resources) are written last."""

    def __init__(self):
        self.objects: list = [None, None, None, None]  # by object number: bytes, or a tuple of bytes
        self.pages: list[int] = []
        self.fonts: dict[_FestivalFont, _StateKey] = {}
        self.images: dict[_Picture, int] = {}  # picture -> object number

    def add(self, body) -> int:
        self.objects.append(body)
        return len(self.objects) - 1

    def font(self, font: _FestivalFont) -> _StateKey:
        key = self.fonts.get(font)
        if key is None:
            key = self.fonts[font] = _StateKey()
        return key

    def image(self, picture: _Picture) -> None:
        if picture not in self.images:
            head = picture.head
            if picture.smask is not None:
                head += b" /SMask %d 0 R" % self.add(picture.smask)
            self.images[picture] = self.add((head, picture.tail))

    def adopt(self, other: _Document) -> bool:
        """Take the fonts and pictures of ``other`` so that its page content can be used here as well: the
        characters it coded beyond the fixed start of a subset 0 are coded here too, in the same order. False
        when some of them have other codes here (the content must then be made again for this document)."""
        same = True
        for font, key in other.fonts.items():
            own = self.font(font)
            state = font.state.get(key)
            if state is not None and len(state.assignments) > len(font.first_codes):
                added = dict(itertools.islice(state.assignments.items(), len(font.first_codes), None))
                mine = font.start(own).assignments
                font.splitString("".join(map(chr, added)), own)
                same = same and all(mine[c] == n for c, n in added.items())
        for picture in other.images:
            self.image(picture)
        return same

    def page(self, width: float, height: float, content: bytes) -> None:
        number = self.add(content)
        self.pages.append(
            self.add(
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:.2f} {height:.2f}]"
                f" /Resources 3 0 R /Contents {number} 0 R >>".encode()
            )
        )

    def finish(self) -> bytes:
        fonts = []
        for font, key in self.fonts.items():
            for n, sub in enumerate(font.subsets(key)):
                descriptor = self.add(sub.descriptor % self.add(sub.font_file))
                number = self.add(sub.font % (self.add(sub.to_unicode), descriptor))
                fonts.append(f"/{font.resource}{n} {number} 0 R")
        xobjects = " ".join(f"/{picture.name} {number} 0 R" for picture, number in self.images.items())
        objects = self.objects
        objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
        kids = " ".join(f"{p} 0 R" for p in self.pages)
        objects[2] = f"<< /Type /Pages /Count {len(self.pages)} /Kids [{kids}] >>".encode()
        objects[3] = f"<< /Font << {' '.join(fonts)} >> /XObject << {xobjects} >> >>".encode()
        info = self.add(f"<< /Producer (festival portal) /CreationDate ({_pdf_date()}) >>".encode())

        out = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
        position = len(out[0])
        offsets = []
        for number in range(1, len(objects)):
            body = objects[number]
            parts = (b"%d 0 obj\n" % number, *(body if isinstance(body, tuple) else (body,)), b"\nendobj\n")
            offsets.append(position)
            position += sum(map(len, parts))
            out += parts
        xref = [b"xref\n0 %d\n0000000000 65535 f \n" % len(objects)]
        xref += [b"%010d 00000 n \n" % offset for offset in offsets]
        identifier = os.urandom(16).hex()
        xref.append(
            f"trailer\n<< /Size {len(objects)} /Root 1 0 R /Info {info} 0 R /ID [<{identifier}> <{identifier}>] >>\n"
            f"startxref\n{position}\n%%EOF\n".encode()
        )
        return b"".join(out + xref)


def _pdf_date() -> str:
    now = datetime.datetime.now(datetime.UTC)
    return now.strftime("D:%Y%m%d%H%M%SZ")


class _Template:
    """What a spec means for every page drawn from it, worked out once per call: page size, pictures and
    their operators, fonts, text elements without placeholders (laid out), where the QR code goes."""

    __slots__ = ("height", "language", "spec", "steps", "width")

    def __init__(self, spec: dict, fonts):
        self.spec = spec  # kept alive: templates are found by id(spec)
        w_mm, h_mm = _page_mm(spec.get("page", "A4"), spec.get("orientation", "landscape"))
        self.width, self.height = page_w, page_h = w_mm * MM, h_mm * MM
        self.language = _language(spec)
        self.steps: list[tuple] = []  # (kind, font or picture, what to draw)
        background = spec.get("background")
        if background:
            picture = _picture(background)
            self.steps.append(("picture", picture, f"q {page_w:.3f} 0 0 {page_h:.3f} 0 0 cm /{picture.name} Do Q"))
        images = spec.get("images") or {}
        for element in spec.get("elements") or ():
            kind = element.get("type")
            if kind == "text":
                font, template = _font(element.get("font"), fonts), element.get("text", "") or ""
                params = _text_params(element, page_w, page_h)
                if _PLACEHOLDER.search(template):
                    self.steps.append(("text", font, (template, *params)))
                else:
                    self.steps.append(("fixed", font, _text_block(font, template, *params)))
            elif kind == "qr":
                size = float(element.get("size") or 25) * MM
                x, y_top = float(element.get("x") or 0) * MM, page_h - float(element.get("y") or 0) * MM
                self.steps.append(("qr", None, (x, y_top, size)))
            elif kind == "image" and (raw := images.get(element.get("image"))):
                picture = _picture(raw)
                box_w = float(element.get("width") or 40) * MM
                box_h = float(element.get("height") or 20) * MM
                scale = min(box_w / picture.width, box_h / picture.height)  # keep proportions, centred in the box
                w, h = picture.width * scale, picture.height * scale
                x = float(element.get("x") or 0) * MM + (box_w - w) / 2
                y = page_h - float(element.get("y") or 0) * MM - box_h + (box_h - h) / 2
                self.steps.append(
                    ("picture", picture, f"q {w:.3f} 0 0 {h:.3f} {x:.3f} {y:.3f} cm /{picture.name} Do Q")
                )


def _templates(fonts):
    """``spec -> _Template`` for one call, building each spec's on its first page."""
    built: dict[int, _Template] = {}

    def template(spec: dict) -> _Template:
        found = built.get(id(spec))
        if found is None:
            found = built[id(spec)] = _Template(spec, fonts)
        return found

    return template


def _content(doc: _Document, template: _Template, data: dict) -> bytes:
    """A page's content stream (compressed); the fonts and pictures it uses are added to ``doc``."""
    ops: list[str] = []
    for kind, what, step in template.steps:
        if kind == "picture":
            doc.image(what)
            ops.append(step)
        elif kind == "qr":
            url = data.get("verify_url")
            if url:
                ops.append(_qr_image(qr_matrix(str(url)), *step))
        else:
            block = step
            if kind == "text":
                block = _text_block(what, resolve_text(step[0], data, template.language), *step[1:])
            if block is not None:
                key = doc.font(what)
                ops.append(block if isinstance(block, str) else _encoded(what, key, block))
    return _stream("/Filter /FlateDecode", zlib.compress("\n".join(ops).encode("latin-1")))


def render(pages, *, fonts: dict[str, str] | None = None) -> bytes:
    """One PDF with a page per ``(spec, data)``; images and fonts shared by the pages are embedded once.

    The file is written here; reportlab provides the TrueType side (parsing, metrics, subsets).
    """
    doc, template = _Document(), _templates(fonts)
    for spec, data in pages:
        page = template(spec)
        doc.page(page.width, page.height, _content(doc, page, data))
    if not doc.pages:
        raise ValueError("no pages to render")
    return doc.finish()


def render_each_and_batch(pages, *, fonts: dict[str, str] | None = None) -> tuple[list[bytes], bytes]:
    """A PDF per ``(spec, data)``, as ``render_one`` makes it, and one PDF of all the pages, as ``render``
    makes it; each page is laid out and compressed once for both.

    Letters beyond the fixed start of a font's subset 0 get their codes in order of appearance, per document:
    a page where they do not come out the same in the batch is made again for it.
    """
    batch, template, each = _Document(), _templates(fonts), []
    for spec, data in pages:
        page = template(spec)
        single = _Document()
        content = _content(single, page, data)
        single.page(page.width, page.height, content)
        if not batch.adopt(single):
            content = _content(batch, page, data)
        batch.page(page.width, page.height, content)
        each.append(single.finish())
    if not each:
        raise ValueError("no pages to render")
    return each, batch.finish()


def render_one(spec: dict, data: dict, *, fonts: dict[str, str] | None = None) -> bytes:
    return render([(spec, data)], fonts=fonts)


def layout_warnings(spec: dict, data: dict, *, fonts: dict[str, str] | None = None) -> list[dict]:
    """Text elements that do not fit their box even at their minimum size."""
    page_w, page_h = (side * MM for side in _page_mm(spec.get("page", "A4"), spec.get("orientation", "landscape")))
    language = _language(spec)
    warnings = []
    for index, element in enumerate(spec.get("elements") or ()):
        if element.get("type") == "text":
            text = resolve_text(element.get("text", ""), data, language)
            size, width, max_lines, shrink = _text_params(element, page_w, page_h)[:4]
            if not _fit(text, _font(element.get("font"), fonts), size, width, max_lines, shrink)[2]:
                warnings.append({"element": index, "text": text})
    return warnings


_pdfium_lock = threading.Lock()  # pdfium is not thread-safe


def preview_png(spec: dict, data: dict, *, fonts: dict[str, str] | None = None, width_px: int = 900) -> bytes:
    """Page 1 as a PNG ``width_px`` wide."""
    import pypdfium2

    pdf = render_one(spec, data, fonts=fonts)
    with _pdfium_lock:
        document = pypdfium2.PdfDocument(pdf)
        try:
            page = document[0]
            image = page.render(scale=width_px / page.get_width()).to_pil()
        finally:
            document.close()
    if image.width != width_px:
        image = image.resize((width_px, max(1, round(image.height * width_px / image.width))))
    out = io.BytesIO()
    image.convert("RGB").save(out, "PNG")
    return out.getvalue()


# ------------------------------------------------------------------------------------------- benchmark


def _demo_background() -> bytes:
    """A photo-like full-page background (gradients, soft shapes, grain) through process_background."""
    import random

    from PIL import ImageDraw, ImageFilter

    rng = random.Random(7)
    w, h = background_size("A4", "landscape")
    ramp = Image.linear_gradient("L").resize((w, h))
    image = Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.ROTATE_180), Image.new("L", (w, h), 210)))
    draw = ImageDraw.Draw(image)
    for _ in range(160):
        x, y, r = rng.randrange(w), rng.randrange(h), rng.randrange(15, 150)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(110, 256) for _ in range(3)))
    image = image.filter(ImageFilter.GaussianBlur(2))
    image = Image.blend(image, Image.effect_noise((w, h), 40).convert("RGB"), 0.12)
    out = io.BytesIO()
    image.save(out, "PNG")
    return process_background(out.getvalue())


def _demo_signature() -> bytes:
    from PIL import ImageDraw

    image = Image.new("RGBA", (600, 240), (0, 0, 0, 0))
    points = [(40 + i * 26, 120 + (50 if i % 2 else -50) * (1 - i / 24)) for i in range(21)]
    ImageDraw.Draw(image).line(points, fill=(20, 30, 90, 255), width=6, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG")
    return process_signature(out.getvalue())


def _demo_spec(background: bytes | None, signature: bytes | None) -> dict:
    def text(template, y, size, font="sans", **extra):
        element = {"type": "text", "text": template, "x": 20, "y": y, "width": 257, "font": font, "size": size}
        return element | {"color": "#1a3d6d", "align": "center", "shrink": True, "lines": 1} | extra

    return {
        "page": "A4",
        "orientation": "landscape",
        "language": "kk",
        "background": background,
        "images": {"sig1": signature} if signature else {},
        "elements": [
            text("СЕРТИФИКАТ", 18, 40, "serif-bold"),
            text("«Әлемдегі шекарасыз Қазақстан балалары!» / «Дети Казахстана в мире без границ!»", 36, 14),
            text("Осы сертификат беріледі — Настоящий сертификат выдан", 50, 13),
            text("{full_name}", 62, 28, "sans-bold"),
            text("{school_kk} / {school_ru}", 80, 13, lines=2),
            text("Номинация: «{nomination}» — «{nomination_ru}»", 96, 14),
            text("Фильм: «{film_title}»", 108, 14),
            text("Республикалық фестивальге қатысқаны үшін — за участие в республиканском фестивале", 120, 12),
            text("Директор / Директор", 172, 11, align="left", x=40, width=80),
            text("№ {number} · {date}", 190, 10, align="left", x=40, width=120),
            {"type": "qr", "x": 245, "y": 160, "size": 30},
            {"type": "image", "image": "sig1", "x": 90, "y": 160, "width": 40, "height": 20},
        ],
    }


def _demo_data(i: int) -> dict:
    names = [
        "Әбілқайыр Ғалымжанұлы Қоңырбаев-Үмбетова Өмірзақ Ұлықбек Һ Іңкәр",
        "Иванова Анастасия Сергеевна",
        "Нұрсұлтан Серікұлы Жақыпбеков",
        "Ахметова Айгерім Бауыржанқызы",
    ]
    return {
        "full_name": f"{names[i % len(names)]} {i}",
        "school_kk": f"Астана қаласының №{i % 90 + 1} мектеп-гимназиясы",
        "school_ru": f"Школа-гимназия №{i % 90 + 1} города Астаны",
        "nomination_kk": "Үздік фильм",
        "nomination_ru": "Лучший фильм",
        "film_title": f"Менің ауылым {i}",
        "number": f"C-2025-{i:06d}",
        "date": "15.06.2025",
        "verify_url": f"https://festival.edu.kz/verify/{hashlib.sha256(str(i).encode()).hexdigest()[:16]}/",
    }


def _benchmark(count: int = 500, batch: int = 250, rounds: int = 3) -> None:
    """Per document, best of ``rounds``: ``render_one`` one by one, ``render`` of ``batch`` pages, and
    ``render_each_and_batch`` of them (a worker's chunk: every file and the batch)."""
    import time

    background, signature = _demo_background(), _demo_signature()
    spec = _demo_spec(background, signature)
    print(f"background JPEG {len(background)} bytes, signature PNG {len(signature)} bytes")
    render_one(spec, _demo_data(0))  # warm-up: fonts parsed, subsets and images prepared once
    data = [_demo_data(i) for i in range(count)]

    def best(run, documents: int) -> float:
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return min(times) * 1000 / documents

    sizes = [len(render_one(spec, item)) for item in data]
    each = best(lambda: [render_one(spec, item) for item in data], count)
    print(f"render_one x {count}: {each:.2f} ms/document, {sum(sizes) // count} bytes/document")
    pages = [(spec, item) for item in data[:batch]]
    pdf = render(pages)
    together = best(lambda: render(pages), batch)
    print(f"render, {batch} pages: {together:.2f} ms/page, {len(pdf)} bytes ({len(pdf) / batch / 1024:.1f} KB/page)")
    singles, pdf = render_each_and_batch(pages)
    both = best(lambda: render_each_and_batch(pages), batch)
    print(
        f"render_each_and_batch, {batch} pages: {both:.2f} ms/document (file and batch page;"
        f" separately {each + together:.2f}), {sum(map(len, singles)) // batch} bytes/document, batch {len(pdf)} bytes"
    )


if __name__ == "__main__":
    _benchmark()
