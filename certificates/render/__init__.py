"""PDFs of diplomas, thank-you letters and certificates, drawn by ReportLab from a template ``spec`` and a
document's ``data``; the uploads that go into them (backgrounds, signatures, fonts) checked and prepared.

No models, no database. A spec is a plain dict (page, orientation, language, background, images,
elements); ``render`` turns any number of ``(spec, data)`` into one PDF, ``render_each_and_batch`` also
cuts it into a PDF per document. What does not depend on a document is made once and reused: the slim
fonts once per process (``fonts``), the pictures' files once per machine (``images``), and a template's
fixed parts once per PDF, as a form every page shows (``writing``). QR codes come from segno (``qr``).
"""

from .fonts import (
    BUILTIN_FONTS,
    DEFAULT_FONT,
    KAZAKH_LETTERS,
    REQUIRED_LETTERS,
    RUSSIAN_LETTERS,
    SYSTEM_FONT_DIR,
    FontProblem,
    check_font,
    font_dir,
    font_missing_letters,
)
from .images import ImageProblem, background_size, process_background, process_signature
from .layout import MM, PAGE_SIZES, resolve_text
from .qr import qr_image, qr_matrix
from .writing import fit_text, layout_warnings, preview_png, render, render_each_and_batch, render_one

__all__ = [
    "BUILTIN_FONTS",
    "DEFAULT_FONT",
    "KAZAKH_LETTERS",
    "MM",
    "PAGE_SIZES",
    "REQUIRED_LETTERS",
    "RUSSIAN_LETTERS",
    "SYSTEM_FONT_DIR",
    "FontProblem",
    "ImageProblem",
    "background_size",
    "check_font",
    "fit_text",
    "font_dir",
    "font_missing_letters",
    "layout_warnings",
    "preview_png",
    "process_background",
    "process_signature",
    "qr_image",
    "qr_matrix",
    "render",
    "render_each_and_batch",
    "render_one",
    "resolve_text",
]
