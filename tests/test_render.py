"""certificates.render: PDFs, QR codes, text fitting, fonts and uploaded pictures. No database."""

import io
import random
import struct
import zlib

import pikepdf
import pypdfium2
import pytest
import zxingcpp
from fontTools.ttLib import TTFont as FontFile
from PIL import Image, ImageDraw, ImageFile
from pypdf import PdfReader

from certificates import designs, render
from certificates.render import fonts as render_fonts

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


def page_text(pdf: bytes, index: int = 0) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[index].extract_text()


def images_in(pdf: bytes) -> list[tuple[str, bytes]]:
    """(filter, stream as stored) of every image of ``pdf``, each once."""
    found = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
                filters = obj.get("/Filter")
                filters = [filters] if isinstance(filters, pikepdf.Name) else list(filters or [])
                found.append((" ".join(map(str, filters)), obj.read_raw_bytes()))
    return found


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


def test_render_embeds_the_background_jpeg_as_it_is(background, signature):
    pdf = render.render_one(certificate(background, signature), person())

    jpegs = [raw for kind, raw in images_in(pdf) if kind == "/DCTDecode"]
    assert jpegs == [background]  # not decoded and encoded again


def test_render_single_document_is_its_background_and_little_more(background, signature):
    assert len(background) > 150_000  # a realistic background, not a flat one

    pdf = render.render_one(certificate(background, signature), person())

    assert len(pdf) < len(background) + 60_000


def test_render_ready_made_certificate_under_150_kb():
    spec = {
        "page": "A4",
        "orientation": "landscape",
        "language": "kk",
        "background": designs.default_background("landscape"),
        "images": {},
        "elements": designs.default_elements("certificate", "kk+ru"),
    }
    data = person() | {"region_kk": "Абай облысы", "school": "№ 12 мектеп", "date": "01.06.2026", "code": "ABCD"}

    files, _batch = render.render_each_and_batch([(spec, data), (spec, data | {"full_name": "Иванова Анна"})])

    assert all(len(pdf) < 150_000 for pdf in [*files, render.render_one(spec, data)])


def test_render_fonts_are_subsets_without_hinting(background):
    pdf = render.render_one(certificate(background), person())

    with pikepdf.open(io.BytesIO(pdf)) as document:
        programs = [
            obj.FontFile2.read_bytes()
            for obj in document.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor"
        ]
    assert len(programs) == 3  # serif-bold, sans and sans-bold
    for program in programs:
        font = FontFile(io.BytesIO(program))
        assert not {"fpgm", "prep", "cvt "} & set(font.keys())
        assert font["maxp"].numGlyphs < 80  # the letters the page shows, not the alphabet
        glyphs = [font["glyf"][name] for name in font.getGlyphOrder()]
        assert not any(hasattr(glyph, "program") and glyph.program.getBytecode() for glyph in glyphs)


def test_render_slims_each_font_once_per_process(background, monkeypatch):
    render.render_one(certificate(background), person())

    def refuse(*args, **kwargs):
        raise AssertionError("a font slimmed again")

    monkeypatch.setattr(render_fonts.ft_subset.Subsetter, "subset", refuse)
    pdf = render.render_one(certificate(background), person(name="Иванова Анна"))
    assert "Иванова Анна" in page_text(pdf)


def test_render_batch_embeds_background_and_fixed_parts_once(background, signature):
    spec = certificate(background, signature)
    people = [person(name=f"Оқушы {i} Қасымұлы", url=f"{VERIFY_URL}{i}/", number=f"C-{i}") for i in range(50)]

    batch = render.render((spec, data) for data in people)
    single = render.render_one(spec, people[0])

    assert [kind for kind, _ in images_in(batch)].count("/DCTDecode") == 1
    assert len(batch) < 2 * len(single)
    with pikepdf.open(io.BytesIO(batch)) as document:
        assert len(document.pages) == 50
        shown = [
            {name: xobject.objgen for name, xobject in page.Resources.XObject.items() if xobject.Subtype == "/Form"}
            for page in document.pages
        ]
    assert shown[0] and all(forms == shown[0] for forms in shown)  # one form of the fixed parts, on every page
    third = page_text(batch, 2)
    assert "Оқушы 2 Қасымұлы" in third and "C-2" in third


def test_render_each_and_batch_gives_a_file_per_document_and_the_batch(background, signature):
    spec = certificate(background, signature)
    portrait = certificate(background) | {"page": "A5", "orientation": "portrait", "language": "ru"}
    names = ["Оқушы Қасымұлы", "Åsa Берікқызы", "Zoë Åsa Иванова", KAZAKH_NAME]
    pages = [(spec, person(name=name, url=f"{VERIFY_URL}{i}/", number=f"C-{i}")) for i, name in enumerate(names)]
    pages.insert(2, (portrait, person(name="Иванова Анна", number="C-P")))

    files, batch = render.render_each_and_batch(pages)

    assert len(files) == len(pages)
    batch_pages = PdfReader(io.BytesIO(batch)).pages
    assert len(batch_pages) == len(pages)
    for (spec_, data), pdf, batch_page in zip(pages, files, batch_pages, strict=True):
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        assert reader.pages[0].mediabox == batch_page.mediabox
        extracted = reader.pages[0].extract_text()
        assert extracted == batch_page.extract_text() == page_text(render.render_one(spec_, data))
        assert data["full_name"] in extracted and data["number"] in extracted
        assert len(images_in(pdf)) == len(images_in(render.render_one(spec_, data)))  # its own pictures only
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


def test_render_keeps_the_order_of_fixed_and_filled_in_parts():
    spec = certificate()
    spec["elements"] = [
        text("{full_name}", 50, 30, x=100, width=80, color="#000000"),
        {"type": "image", "image": "white", "x": 90, "y": 40, "width": 100, "height": 30},  # covers the name
    ]
    spec["images"] = {"white": encoded(Image.new("RGB", (100, 30), "white"), "PNG")}

    image = page_image(render.render_one(spec, {"full_name": "Жабық"}), dpi=72).convert("L")

    assert image.crop((300, 120, 500, 200)).getextrema() == (255, 255)  # drawn under the picture


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

    assert "Қаріп жоқ" in page_text(pdf)


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


@pytest.mark.parametrize("content", ["a", VERIFY_URL, "https://festival.edu.kz/тексеру/1", "x" * 300])
def test_qr_image_decodes_to_its_text(content):
    image = render.qr_image(content)

    assert image.width == image.height == len(render.qr_matrix(content)) + 8  # with the quiet zone
    assert image.getpixel((0, 0)) == 255 and image.getpixel((4, 4)) == 0  # white margin, a finder's corner
    bigger = image.resize((image.width * 4, image.height * 4), Image.Resampling.NEAREST)
    assert [code.text for code in zxingcpp.read_barcodes(bigger)] == [content]


# ---------------------------------------------------------------- fonts


def font_without_kazakh(path):
    """DejaVu Sans with a cmap that leaves the Kazakh letters out (everything else kept)."""
    font = FontFile(str(DEJAVU_SANS))
    for table in font["cmap"].tables:
        for letter in render.KAZAKH_LETTERS:
            table.cmap.pop(ord(letter), None)
    font.save(str(path))
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


def base_fonts(pdf: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        names = [str(font.BaseFont) for font in page.Resources.Font.values()]
        for xobject in page.Resources.XObject.values():
            if xobject.get("/Resources") and "/Font" in xobject.Resources:
                names += [str(font.BaseFont) for font in xobject.Resources.Font.values()]
    return sorted({name.split("+", 1)[-1] for name in names} - {"/Helvetica"})


def test_render_draws_a_text_in_the_font_given_for_its_key():
    spec = certificate()
    spec["elements"] = [text("Мерекелік мәтін", 20, 20, font="organizer-1")]

    given = render.render_one(spec, {}, fonts={"organizer-1": str(render.SYSTEM_FONT_DIR / "DejaVuSerif-Bold.ttf")})

    assert base_fonts(given) == ["DejaVuSerif-Bold"]
    assert base_fonts(render.render_one(spec, {})) == ["DejaVuSans"]  # not given: the default font
    assert "Мерекелік мәтін" in page_text(given)


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


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("process", [render.process_background, render.process_signature])
def test_processed_pictures_keep_no_colour_profile_text(fmt, process):
    # A profile's description is free text: a name written there must not reach the documents' pictures.
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    named = profile.replace("sRGB built-in".encode("utf-16-be"), "Aigerim Nurly".encode("utf-16-be"))
    out = io.BytesIO()
    Image.new("RGB", (600, 400), "navy").save(out, fmt, icc_profile=named)
    stored = process(out.getvalue())
    assert "Aigerim Nurly".encode("utf-16-be") not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert "icc_profile" not in image.info


def test_process_signature_keeps_transparency_and_limits_width():
    image = Image.new("RGBA", (2400, 600), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(100, 300), (2300, 320)], fill=(0, 0, 120, 255), width=30)

    result = Image.open(io.BytesIO(render.process_signature(encoded(image, "PNG"))))

    assert result.format == "PNG" and result.mode == "RGBA"
    assert result.size == (800, 200)
    assert result.getchannel("A").getextrema() == (0, 255)


def test_a_transparent_signature_shows_what_is_under_it(background, signature):
    spec = certificate(background, signature)
    spec["elements"] = [e for e in spec["elements"] if e["type"] == "image"]

    image = page_image(render.render_one(spec, {}), dpi=72).convert("RGB")

    mm = 72 / 25.4
    corner = image.getpixel((round(91 * mm), round(161 * mm)))  # inside the box, where the stroke is not
    assert corner == page_image(render.render_one(certificate(background), {}), dpi=72).convert("RGB").getpixel(
        (round(91 * mm), round(161 * mm))
    )
