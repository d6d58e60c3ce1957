"""Pictures: uploads made into a page's background (a baseline JPEG) or a signature (a PNG), and stored
pictures handed to ReportLab as files, so that a JPEG goes into a PDF as it is, never decoded."""

from __future__ import annotations

import hashlib
import io
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from submissions.media import in_srgb

from .layout import page_mm

MAX_PIXELS = 40_000_000
BACKGROUND_DPI = 150
BACKGROUND_QUALITY = 82
BACKGROUND_BUDGET = 240_000  # bytes; lower JPEG qualities are tried only above this
SIGNATURE_MAX_PX = 800


class ImageProblem(Exception):
    """An image is refused: ``code`` is "not_image", "too_large" or "format"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _open_upload(fileobj) -> Image.Image:
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
        # The colours turned into sRGB and the profile dropped: its free text (a name, say) stays out of the
        # documents, as it stays off the posters.
        return in_srgb(ImageOps.exif_transpose(image))
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
    w_mm, h_mm = page_mm(page, orientation)
    return round(w_mm / 25.4 * BACKGROUND_DPI), round(h_mm / 25.4 * BACKGROUND_DPI)


def process_background(fileobj, *, page: str = "A4", orientation: str = "landscape") -> bytes:
    """A JPEG/PNG upload -> baseline JPEG for a full-page background.

    Cropped to the page's proportions (centred, like CSS ``cover``), downscaled to at most BACKGROUND_DPI
    for the page, never upscaled; transparency becomes white. Quality BACKGROUND_QUALITY, lower only if the
    result would exceed BACKGROUND_BUDGET.
    """
    target_w, target_h = background_size(page, orientation)
    image = _open_upload(fileobj)
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
    image = _upright(_open_upload(fileobj))
    if _has_alpha(image):
        image = image.convert("LA" if image.mode in ("LA", "L") else "RGBA")
    elif image.mode not in ("L", "RGB"):
        image = image.convert("L" if image.mode == "1" else "RGB")
    image.thumbnail((SIGNATURE_MAX_PX, SIGNATURE_MAX_PX), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


# ------------------------------------------------------------------------------ pictures for ReportLab


@dataclass(frozen=True, slots=True)
class Picture:
    """A stored picture as ReportLab takes it without work per document: a file (a JPEG is embedded from
    it as it is) and whether the picture has transparency."""

    path: str
    alpha: bool


def picture(raw: bytes) -> Picture:
    """The Picture of a stored image's bytes. Its file is named by the bytes' hash in one folder of the
    machine's temporary files: written by the first process that draws the picture, found by the others.
    ImageProblem when ``raw`` is not a picture or too large."""
    try:
        image = Image.open(io.BytesIO(raw))
        if image.width * image.height > MAX_PIXELS:
            raise ImageProblem("too_large")
        alpha = _has_alpha(image)
        jpeg = image.format == "JPEG" and image.mode in ("RGB", "L", "CMYK")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageProblem("too_large") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageProblem("not_image") from exc
    folder = Path(tempfile.gettempdir()) / "festival-pictures"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / (hashlib.sha256(raw).hexdigest()[:32] + (".jpg" if jpeg else ".img"))
    if not path.exists():  # written aside, then renamed: another process never reads half of it
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        partial.write_bytes(raw)
        os.replace(partial, path)
    return Picture(path=str(path), alpha=alpha)
