"""certificates.render: PDFs, QR codes, text fitting, fonts and uploaded pictures. No database."""

import io
import random
import re
import string
import struct
import zlib

import pypdfium2
import pytest
import segno
import zxingcpp
from PIL import Image, ImageDraw, ImageFile
from pypdf import PdfReader
from reportlab.pdfbase.ttfonts import TTFontFile, TTFontMaker

from certificates import render

KAZAKH_NAME = "Әбілқайыр Ғалымжанұлы Қоңырбаев-Үмбетова Өмірзақ Ұлықбек Һ Іңкәр"
VERIFY_URL = "https://festival.edu.kz/verify/7f3a9c2e51b04d8a/"
DEJAVU_SANS = render.SYSTEM_FONT_DIR / "DejaVuSans.ttf"


def photo(width: int, height: int, seed: int = 1) -> Image.Image:
    """A photo-like picture: gradients, soft shapes and grain (compresses like a real photo)."""
    rng = random.Random(seed)
    ramp = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.ROTATE_180), Image.new("L", (width, height), 200)))
    draw = ImageDraw.Draw(image)
    for _ in range(120):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(width // 100 + 5, width // 10 + 10)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(100, 256) for _ in range(3)))
    return Image.blend(image, Image.effect_noise((width, height), 40).convert("RGB"), 0.12)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def background():
    return render.process_background(encoded(photo(*render.background_size()), "JPEG", quality=95))


@pytest.fixture(scope="module")
def signature():
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(30 + 27 * i, 100 + (-1) ** i * 60) for i in range(21)], fill=(20, 30, 90), width=5)
    return render.process_signature(encoded(image, "PNG"))


def text(template, y, size, **extra):
    element = {"type": "text", "text": template, "x": 20, "y": y, "width": 257, "font": "sans", "size": size}
    return element | {"color": "#1a3d6d", "align": "center", "shrink": True, "lines": 1} | extra


def certificate(background=None, signature=None) -> dict:
    return {
        "page": "A4",
        "orientation": "landscape",
        "language": "kk",
        "background": background,
        "images": {"sig1": signature} if signature else {},
        "elements": [
            text("СЕРТИФИКАТ / CERTIFICATE", 20, 40, font="serif-bold"),
            text("Осы сертификат беріледі — Настоящий сертификат выдан", 50, 13),
            text("{full_name}", 62, 28, font="sans-bold"),
            text("Номинация: «{nomination}» / «{nomination_ru}»", 90, 14),
            text("{school_kk} / {school_ru}", 104, 12, lines=2),
            text("№ {number}", 185, 10, align="left", x=40, width=100),
            {"type": "qr", "x": 245, "y": 160, "size": 30},
            {"type": "image", "image": "sig1", "x": 90, "y": 160, "width": 40, "height": 20},
        ],
    }


def person(name=KAZAKH_NAME, url=VERIFY_URL, number="C-2025-000001") -> dict:
    return {
        "full_name": name,
        "nomination_kk": "Үздік фильм",
        "nomination_ru": "Лучший фильм",
        "school_kk": "Астана қаласының №12 мектеп-гимназиясы",
        "school_ru": "Школа-гимназия №12 города Астаны",
        "number": number,
        "verify_url": url,
    }


def page_image(pdf: bytes, dpi: int = 150) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()


# ---------------------------------------------------------------- documents


def test_render_kazakh_name_extracts_letter_for_letter(background, signature):
    pdf = render.render_one(certificate(background, signature), person())

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    extracted = reader.pages[0].extract_text()
    assert KAZAKH_NAME in extracted
    assert "Үздік фильм" in extracted and "Школа-гимназия №12 города Астаны" in extracted


def test_render_qr_decodes_to_verify_url(background, signature):
    pdf = render.render_one(certificate(background, signature), person())

    image = page_image(pdf, dpi=150)
    found = zxingcpp.read_barcodes(image)

    assert [code.text for code in found] == [VERIFY_URL]
    inside = [round(v * 150 / 25.4) + d for v, d in ((245, 2), (160, 2), (275, -2), (190, -2))]
    levels = image.convert("L").crop(inside).histogram()
    assert levels[0] and levels[255] and not any(levels[1:255])  # sharp: no smoothed edges


def test_render_single_document_under_300_kb(background, signature):
    assert len(background) > 150_000  # a realistic background, not a flat one

    pdf = render.render_one(certificate(background, signature), person())

    assert len(pdf) < 300_000


def test_render_batch_embeds_background_once(background, signature):
    spec = certificate(background, signature)
    people = [person(name=f"Оқушы {i} Қасымұлы", url=f"{VERIFY_URL}{i}/", number=f"C-{i}") for i in range(50)]

    batch = render.render((spec, data) for data in people)
    single = render.render_one(spec, people[0])

    assert len(PdfReader(io.BytesIO(batch)).pages) == 50
    assert batch.count(b"/DCTDecode") == 1
    assert len(batch) < 2 * len(single)
    third = PdfReader(io.BytesIO(batch)).pages[2].extract_text()
    assert "Оқушы 2 Қасымұлы" in third and "C-2" in third


def same_but_stamps(pdf: bytes) -> bytes:
    """``pdf`` without what differs between two renderings of the same pages (creation time, file ID)."""
    pdf = re.sub(rb"/CreationDate \(D:\d{14}Z\)", b"/CreationDate ()", pdf)
    return re.sub(rb"/ID \[<[0-9a-f]{32}> <[0-9a-f]{32}>\]", b"/ID []", pdf)


def test_render_each_and_batch_gives_render_ones_files_and_renders_batch(background, signature):
    spec = certificate(background, signature)
    portrait = certificate(background) | {"page": "A5", "orientation": "portrait", "language": "ru"}
    names = ["Оқушы Қасымұлы", "Åsa Берікқызы", "Zoë Åsa Иванова", KAZAKH_NAME]  # Å, ë: coded per document
    pages = [(spec, person(name=name, url=f"{VERIFY_URL}{i}/", number=f"C-{i}")) for i, name in enumerate(names)]
    pages.insert(2, (portrait, person(name="Иванова Анна", number="C-P")))

    files, batch = render.render_each_and_batch(pages)

    assert len(files) == len(pages)
    assert same_but_stamps(batch) == same_but_stamps(render.render(pages))
    batch_pages = PdfReader(io.BytesIO(batch)).pages
    assert len(batch_pages) == len(pages)
    for (spec_, data), pdf, batch_page in zip(pages, files, batch_pages, strict=True):
        assert same_but_stamps(pdf) == same_but_stamps(render.render_one(spec_, data))
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        extracted = reader.pages[0].extract_text()
        assert extracted == batch_page.extract_text()
        assert data["full_name"] in extracted and data["number"] in extracted
    found = zxingcpp.read_barcodes(page_image(files[-1], dpi=150))
    assert [code.text for code in found] == [f"{VERIFY_URL}3/"]


def test_render_each_and_batch_without_pages_is_an_error():
    with pytest.raises(ValueError):
        render.render_each_and_batch([])


def test_render_pages_of_different_templates_in_one_batch(background):
    portrait = certificate(background) | {"page": "A5", "orientation": "portrait", "language": "ru"}

    pdf = render.render([(certificate(background), person()), (portrait, person(name="Иванова Анна"))])

    reader = PdfReader(io.BytesIO(pdf))
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    assert sizes == [(842, 595), (420, 595)]
    assert "Лучший фильм" in reader.pages[1].extract_text()


def test_render_places_text_in_its_box_from_the_top_left():
    spec = certificate()
    spec["elements"] = [
        text("Сол", 30, 20, x=20, width=100, align="left"),
        text("Орта", 60, 20, x=20, width=100, align="center"),
        text("Оң", 90, 20, x=20, width=100, align="right"),
    ]
    document = pypdfium2.PdfDocument(render.render_one(spec, {}))
    try:
        page = document[0]
        height = page.get_height()
        textpage = page.get_textpage()
        boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())]
        chars = textpage.get_text_range()
    finally:
        document.close()
    mm = 72 / 25.4
    glyphs = [box for char, box in zip(chars, boxes, strict=False) if not char.isspace()]
    left, centre, right = glyphs[:3], glyphs[3:7], glyphs[7:9]
    assert left[0][0] == pytest.approx(20 * mm, abs=2)
    assert (centre[0][0] + centre[-1][2]) / 2 == pytest.approx(70 * mm, abs=2)
    assert right[-1][2] == pytest.approx(120 * mm, abs=2)
    for top_mm, glyph in ((30, left[0]), (60, centre[0]), (90, right[0])):  # the glyph is inside its line box
        assert height - top_mm * mm - 24 < glyph[1] < glyph[3] < height - top_mm * mm


def test_render_skips_missing_image_and_unknown_font():
    spec = certificate()
    spec["elements"] += [
        {"type": "image", "image": "nowhere", "x": 10, "y": 10, "width": 10, "height": 10},
        text("Қаріп жоқ", 130, 12, font="no-such-font"),
    ]

    pdf = render.render_one(spec, person())

    assert "Қаріп жоқ" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_render_without_pages_is_an_error():
    with pytest.raises(ValueError):
        render.render([])


def test_preview_png_has_requested_width(background):
    png = render.preview_png(certificate(background), person(), width_px=600)

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width == 600
    assert image.height == pytest.approx(600 * 210 / 297, abs=2)


# ---------------------------------------------------------------- text


def test_resolve_text_prefers_the_language_variant():
    data = {
        "nomination_kk": "Үздік фильм",
        "nomination_ru": "Лучший фильм",
        "nomination": "Best film",
        "city": "Астана",
    }

    assert render.resolve_text("{nomination} · {city}", data, "kk") == "Үздік фильм · Астана"
    assert render.resolve_text("{nomination_ru}", data, "kk") == "Лучший фильм"
    assert render.resolve_text("{nomination}", data, "en") == "Best film"
    assert render.resolve_text("[{unknown}]", data, "ru") == "[]"


def test_fit_text_shrinks_a_long_name_to_one_line():
    size, lines = render.fit_text(KAZAKH_NAME, size=28, width=257, lines=1, font="sans-bold")

    assert 14 <= size < 28
    assert lines == [KAZAKH_NAME]
    spec = certificate()
    spec["elements"] = [text(KAZAKH_NAME, 60, 28, font="sans-bold", width=257)]
    assert render.layout_warnings(spec, {}) == []


def test_fit_text_keeps_size_when_it_fits_and_wraps_to_the_lines_allowed():
    assert render.fit_text("Қоңырбаев", size=20, width=200) == (20.0, ["Қоңырбаев"])

    size, lines = render.fit_text("Астана қаласының мектеп-гимназиясы " * 3, size=12, width=90, lines=2)

    assert size < 12 and len(lines) == 2


def test_layout_warnings_report_text_that_cannot_fit():
    spec = certificate()
    spec["elements"] = [
        text("Қысқа", 20, 12),
        {"type": "qr", "x": 250, "y": 170, "size": 30},
        text("{full_name} " * 40, 40, 20, width=20),
    ]

    warnings = render.layout_warnings(spec, {"full_name": "Ұлықбек"})

    assert warnings == [{"element": 2, "text": "Ұлықбек " * 40}]
    render.render_one(spec, {"full_name": "Ұлықбек"})  # drawn anyway, at the minimum size


# ---------------------------------------------------------------- QR


def test_qr_matrix_is_segnos_symbol_for_every_size_of_version():
    rng = random.Random(5)
    for version in (1, 2, 3, 4, 5, 6, 7, 10, 14, 21, 32, 40):
        layout = render._qr_layout(version)
        # Data filling the symbol: no padding, where segno's differs (see qr_matrix).
        length = layout.data_codewords - (2 if version < 10 else 3)
        content = "".join(rng.choice(string.ascii_letters + string.digits + "/:.-") for _ in range(length))
        reference = segno.make(content, error="m", mode="byte", mask=render.QR_MASK, boost_error=False, micro=False)

        assert reference.version == version
        assert render.qr_matrix(content) == [bytes(row) for row in reference.matrix]


def test_qr_matrix_of_short_and_non_ascii_text_decodes():
    for content in ("a", VERIFY_URL, "https://festival.edu.kz/тексеру/1"):
        matrix = render.qr_matrix(content)
        image = Image.new("L", (len(matrix) + 8, len(matrix) + 8), 255)  # with the quiet zone
        for r, row in enumerate(matrix):
            for c, cell in enumerate(row):
                if cell:
                    image.putpixel((c + 4, r + 4), 0)
        image = image.resize((image.width * 4, image.height * 4), Image.Resampling.NEAREST)
        assert [code.text for code in zxingcpp.read_barcodes(image)] == [content]


# ---------------------------------------------------------------- fonts


def font_without_kazakh(path):
    """DejaVu Sans with a cmap that leaves the Kazakh letters out (everything else kept)."""
    source = TTFontFile(str(DEJAVU_SANS))
    kept = sorted((c, g) for c, g in source.charToGlyph.items() if chr(c) not in render.KAZAKH_LETTERS)
    groups = b"".join(struct.pack(">III", c, c, g) for c, g in kept)
    cmap = struct.pack(">HHHHI", 0, 1, 3, 10, 12) + struct.pack(">HHIII", 12, 0, 16 + len(groups), 0, len(kept))
    maker = TTFontMaker()
    for tag in source.table:
        maker.add(tag, cmap + groups if tag == "cmap" else source.get_table(tag))
    path.write_bytes(maker.makeStream())
    return path


def test_check_font_accepts_dejavu():
    for _label, file_name in render.BUILTIN_FONTS.values():
        render.check_font(render.SYSTEM_FONT_DIR / file_name)


def test_check_font_names_the_missing_kazakh_letters(tmp_path):
    path = font_without_kazakh(tmp_path / "no-kazakh.ttf")

    assert render.font_missing_letters(path) == render.KAZAKH_LETTERS
    with pytest.raises(render.FontProblem) as problem:
        render.check_font(path)
    assert problem.value.missing == render.KAZAKH_LETTERS


def test_check_font_refuses_a_text_file(tmp_path):
    path = tmp_path / "font.ttf"
    path.write_text("This is not a font.\n" * 20)

    with pytest.raises(render.FontProblem) as problem:
        render.check_font(path)
    assert problem.value.missing


def test_register_fonts_replaces_a_key_and_render_uses_it():
    spec = certificate()
    spec["elements"] = [text("Мерекелік мәтін", 20, 20, font="organizer-1")]

    render.register_fonts({"organizer-1": str(render.SYSTEM_FONT_DIR / "DejaVuSerif.ttf")})
    first = render.render_one(spec, {})
    render.register_fonts({"organizer-1": str(render.SYSTEM_FONT_DIR / "DejaVuSansCondensed.ttf")})
    second = render.render_one(spec, {})
    third = render.render_one(spec, {}, fonts={"organizer-1": str(render.SYSTEM_FONT_DIR / "DejaVuSerif-Bold.ttf")})

    assert b"+DejaVuSerif " in first
    assert b"+DejaVuSansCondensed " in second
    assert b"+DejaVuSerif-Bold " in third
    assert b"+DejaVuSansCondensed " in render.render_one(spec, {})  # ``fonts`` was for that document only


def test_builtin_fonts_come_from_the_font_dir_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("FESTIVAL_FONT_DIR", str(tmp_path))
    assert render.font_dir() == tmp_path
    monkeypatch.delenv("FESTIVAL_FONT_DIR")
    assert render.font_dir() == render.SYSTEM_FONT_DIR


# ---------------------------------------------------------------- pictures


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_process_background_downscales_to_a_small_baseline_jpeg(fmt):
    options = {"quality": 95} if fmt == "JPEG" else {"compress_level": 1}
    upload = io.BytesIO(encoded(photo(2600, 1840, seed=3), fmt, **options))

    result = render.process_background(upload)

    image = Image.open(io.BytesIO(result))
    assert image.format == "JPEG" and not image.info.get("progressive")
    assert image.size == (1754, 1240)
    assert len(result) < 250_000


def test_process_background_applies_exif_orientation_and_never_upscales():
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: shown 300 wide, 400 high
    upload = encoded(photo(400, 300), "JPEG", exif=exif)

    result = Image.open(io.BytesIO(render.process_background(upload)))

    assert result.size == (300, 212)  # cropped to the page's proportions, not scaled up


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels."""
    png = bytearray(encoded(Image.new("1", (1, 1)), "PNG"))
    png[16:24] = struct.pack(">II", width, height)
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))
    return bytes(png)


def test_process_background_refuses_an_image_bomb_without_decoding(monkeypatch):
    def no_decoding(self):
        raise AssertionError("decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(render.ImageProblem) as problem:
        render.process_background(png_claiming(50_000, 50_000))
    assert problem.value.code == "too_large"

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # Pillow's own guard off: ours still holds
    with pytest.raises(render.ImageProblem) as problem:
        render.process_signature(png_claiming(8000, 6000))
    assert problem.value.code == "too_large"


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (b"<!DOCTYPE html><html><body>not a picture</body></html>", "not_image"),
        (b"", "not_image"),
        (encoded(Image.new("P", (40, 40)), "GIF"), "format"),
        (encoded(Image.new("RGB", (40, 40)), "BMP"), "format"),
    ],
)
def test_process_background_refuses_other_files(upload, code):
    with pytest.raises(render.ImageProblem) as problem:
        render.process_background(io.BytesIO(upload))
    assert problem.value.code == code


def test_process_signature_keeps_transparency_and_limits_width():
    image = Image.new("RGBA", (2400, 600), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(100, 300), (2300, 320)], fill=(0, 0, 120, 255), width=30)

    result = Image.open(io.BytesIO(render.process_signature(encoded(image, "PNG"))))

    assert result.format == "PNG" and result.mode == "RGBA"
    assert result.size == (800, 200)
    assert result.getchannel("A").getextrema() == (0, 255)
