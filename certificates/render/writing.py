"""Writing the PDFs: ReportLab's canvas draws the pages, pikepdf cuts a batch into a file a document.

A template's parts that are the same on every page — the background, pictures, texts without placeholders
— are drawn once per PDF as a form (a run of them between two parts that change, so the order of the
elements is kept) and shown by each page; only the filled-in texts and the QR code are drawn per page. The
pictures go in from files (a JPEG embedded as it is) and the fonts are the slim ones of ``fonts``.
"""

from __future__ import annotations

import io
import itertools
import threading

import pikepdf
from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from . import fonts as fontlib
from .images import picture
from .layout import (
    PLACEHOLDER,
    fit,
    image_box,
    language_of,
    page_points,
    place,
    qr_box,
    resolve_text,
    text_box,
)
from .qr import qr_image

# Streams in binary: ASCII85 would make every picture and font larger, and cost pure-Python time.
rl_config.useA85 = 0

PRODUCER = "festival portal"


class _Template:
    """What a spec means for every page drawn from it: its size, its language, and its steps in drawing
    order — ("fixed", parts) for a run of parts the same on every page, ("text", font, text, box) for a text
    with placeholders, ("qr", box)."""

    __slots__ = ("height", "language", "spec", "steps", "width")

    def __init__(self, spec: dict, fonts: dict[str, str] | None):
        self.spec = spec  # kept alive: templates are found by id(spec)
        self.width, self.height = width, height = page_points(spec)
        self.language = language_of(spec)
        self.steps: list[tuple] = []
        run: list[tuple] = []

        def close_run():
            if run:
                self.steps.append(("fixed", tuple(run)))
                run.clear()

        if background := spec.get("background"):
            run.append(("picture", picture(background), (0.0, 0.0, width, height), False))
        images = spec.get("images") or {}
        for element in spec.get("elements") or ():
            kind = element.get("type")
            if kind == "text":
                font = fontlib.font(element.get("font"), fonts)
                box = text_box(element, width, height)
                text = element.get("text", "") or ""
                if PLACEHOLDER.search(text):
                    close_run()
                    self.steps.append(("text", font, text, box))
                elif (placed := place(text, font, box)) is not None:
                    run.append(("text", font, placed))
            elif kind == "qr":
                close_run()
                self.steps.append(("qr", qr_box(element, height)))
            elif kind == "image" and (raw := images.get(element.get("image"))):
                run.append(("picture", picture(raw), image_box(element, height), True))
        close_run()


def _draw_text(canvas: Canvas, font: fontlib.Font, placed) -> None:
    text = canvas.beginText()
    text.setFont(font.name, placed.size)
    text.setFillColorRGB(*placed.colour)
    for x, y, line in placed.lines:
        text.setTextOrigin(x, y)
        text.textOut(line)
    canvas.drawText(text)


def _draw_picture(canvas: Canvas, found, box, keep_proportions: bool) -> None:
    x, y, width, height = box
    canvas.drawImage(
        found.path,
        x,
        y,
        width,
        height,
        mask="auto" if found.alpha else None,
        preserveAspectRatio=keep_proportions,
        anchor="c",
    )


class _Writer:
    """One PDF being drawn: pages from (spec, data), each template's fixed parts drawn once as forms."""

    def __init__(self, fonts: dict[str, str] | None):
        self.fonts = fonts
        self.out = io.BytesIO()
        self.canvas = Canvas(self.out, pageCompression=1)
        self.canvas.setProducer(PRODUCER)
        self.canvas.setCreator(PRODUCER)
        self.canvas.setAuthor("")
        self.canvas.setTitle("")
        self.templates: dict[int, _Template] = {}
        self.forms: dict[int, list[str]] = {}  # id(spec) -> names of its forms in this PDF
        self.form_numbers = itertools.count(1)
        self.pages = 0

    def _forms(self, template: _Template) -> list[str]:
        names = []
        for step in template.steps:
            if step[0] == "fixed":
                name = f"fixed{next(self.form_numbers)}"
                self.canvas.beginForm(name)
                for part in step[1]:
                    if part[0] == "text":
                        _draw_text(self.canvas, part[1], part[2])
                    else:
                        _draw_picture(self.canvas, *part[1:])
                self.canvas.endForm()
                names.append(name)
        return names

    def page(self, spec: dict, data: dict) -> None:
        template = self.templates.get(id(spec))
        if template is None:
            template = self.templates[id(spec)] = _Template(spec, self.fonts)
        canvas = self.canvas
        canvas.setPageSize((template.width, template.height))
        forms = self.forms.get(id(spec))
        if forms is None:
            forms = self.forms[id(spec)] = self._forms(template)
        shown = iter(forms)
        for step in template.steps:
            kind = step[0]
            if kind == "fixed":
                canvas.doForm(next(shown))
            elif kind == "text":
                _, font, text, box = step
                placed = place(resolve_text(text, data, template.language), font, box)
                if placed is not None:
                    _draw_text(canvas, font, placed)
            elif url := data.get("verify_url"):
                x, y, side = step[1]
                canvas.drawImage(ImageReader(qr_image(str(url))), x, y, side, side)
        canvas.showPage()
        self.pages += 1

    def finish(self) -> bytes:
        if not self.pages:
            raise ValueError("no pages to render")
        self.canvas.save()
        return self.out.getvalue()


def render(pages, *, fonts: dict[str, str] | None = None, progress=None) -> bytes:
    """One PDF with a page per ``(spec, data)``: pictures and fonts shared by the pages are in it once.
    ``progress``, if given, is called after each page (a worker renews its hold on the work there)."""
    writer = _Writer(fonts)
    for spec, data in pages:
        writer.page(spec, data)
        if progress is not None:
            progress()
    return writer.finish()


def render_one(spec: dict, data: dict, *, fonts: dict[str, str] | None = None) -> bytes:
    return render([(spec, data)], fonts=fonts)


def split(pdf: bytes, *, prune: bool = False) -> list[bytes]:
    """A PDF of each page of ``pdf``, with the document's information and what the page refers to (its
    fonts, forms and pictures), the streams copied as they are. ReportLab lists every font of a PDF on each
    page: ``prune`` (when pages of several templates are together) leaves out those a page does not use."""
    files = []
    with pikepdf.open(io.BytesIO(pdf)) as batch:
        info = batch.trailer.get("/Info")
        for page in batch.pages:
            with pikepdf.new() as single:
                single.pages.append(page)
                if prune:
                    single.pages[0].remove_unreferenced_resources()
                if info is not None:
                    single.trailer.Info = single.copy_foreign(info)
                out = io.BytesIO()
                single.save(
                    out,
                    min_version=batch.pdf_version,
                    compress_streams=False,
                    stream_decode_level=pikepdf.StreamDecodeLevel.none,
                )
                files.append(out.getvalue())
    return files


def render_each_and_batch(pages, *, fonts: dict[str, str] | None = None, progress=None) -> tuple[list[bytes], bytes]:
    """A PDF per ``(spec, data)`` and one PDF of all the pages (``render``'s): the pages are drawn once, in
    the batch, and each document's file is cut from it."""
    pages = list(pages)
    batch = render(pages, fonts=fonts, progress=progress)
    return split(batch, prune=len({id(spec) for spec, _data in pages}) > 1), batch


def layout_warnings(spec: dict, data: dict, *, fonts: dict[str, str] | None = None) -> list[dict]:
    """Text elements that do not fit their box even at their minimum size."""
    width, height = page_points(spec)
    language = language_of(spec)
    warnings = []
    for index, element in enumerate(spec.get("elements") or ()):
        if element.get("type") == "text":
            text = resolve_text(element.get("text", ""), data, language)
            box = text_box(element, width, height)
            font = fontlib.font(element.get("font"), fonts)
            if not fit(text, font, box.size, box.width, box.lines, box.shrink)[2]:
                warnings.append({"element": index, "text": text})
    return warnings


def fit_text(
    text: str,
    *,
    size: float,
    width: float,
    lines: int = 1,
    shrink: bool = True,
    font: str = fontlib.DEFAULT_FONT,
    fonts: dict[str, str] | None = None,
) -> tuple[float, list[str]]:
    """The font size and lines a text element would be drawn with (``width`` in mm)."""
    box = text_box({"size": size, "width": width, "lines": lines, "shrink": shrink}, 0, 0)
    chosen, wrapped, _ = fit(text, fontlib.font(font, fonts), box.size, box.width, box.lines, box.shrink)
    return chosen, list(wrapped)


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
