"""QR codes: the symbol from segno, as a black-and-white picture a pixel a module, quiet zone included."""

from __future__ import annotations

import segno
from PIL import Image, ImageOps

QR_ERROR = "m"  # about 15 % of the symbol may be damaged (a fold, a stamp) and it still reads
QR_MASK = 2  # fixed: choosing the best of eight masks costs several times the rest of the symbol
QR_BORDER = 4  # quiet zone, modules

_PIXELS = bytes.maketrans(b"\x00\x01", b"\xff\x00")  # light module -> white, dark -> black


def qr_matrix(text: str) -> tuple[bytearray, ...]:
    """Rows of modules (1 = dark), without the quiet zone."""
    return segno.make(text, error=QR_ERROR, mask=QR_MASK, micro=False, boost_error=False).matrix


def qr_image(text: str) -> Image.Image:
    """The symbol of ``text`` as a black-and-white picture with its quiet zone, a pixel a module (grey
    scale, which ReportLab embeds as it is: a third of the bytes of the RGB it makes of a 1-bit picture)."""
    matrix = qr_matrix(text)
    n = len(matrix)
    modules = Image.frombytes("L", (n, n), b"".join(matrix).translate(_PIXELS))
    return ImageOps.expand(modules, border=QR_BORDER, fill=255)
