"""A corpus of hostile files sent to every place the portal accepts a file: a film, a poster picture, a
participant list (.xlsx), a document's background, a signature, a font. Each is refused there — or, for
a picture that really is one, re-encoded so that whatever rode along is gone."""

import io
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from certificates import render
from submissions import media
from submissions.checks import film_check
from submissions.imports import participants_import
from submissions.models import Film, ImportJob
from tests import factories, videos
from tests.test_media import film_for

pytestmark = pytest.mark.django_db

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PAYLOAD = b"<script>alert('festival')</script>"


def _png_claiming(width, height):
    """A real 1×1 PNG whose header claims another size (a decompression bomb's header)."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


def _jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "#1d3557").save(buffer, "JPEG")
    return buffer.getvalue()


def _zip_bomb():
    """An .xlsx-looking zip whose sheet inflates to 200 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 1024 * 1024))
    return buffer.getvalue()


def _polyglot():
    """A JPEG that is also a zip (with a script inside) — valid as both."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("run.js", PAYLOAD)
    return _jpeg() + archive.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    files = {
        "program": Path("/bin/ls").read_bytes(),
        "html_with_png_header": b"\x89PNG\r\n\x1a\n" + b"<html><body>" + PAYLOAD + b"</body></html>",
        "html_with_gif_header": b"GIF89a" + PAYLOAD,
        "eicar": EICAR,
        "png_bomb": _png_claiming(60_000, 60_000),
        "zip_bomb": _zip_bomb(),
        "jpeg_zip_polyglot": _polyglot(),
        "truncated_video": videos.truncated(videos.mp4(folder, "whole.mp4")).read_bytes(),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    return paths


def upload(path, name):
    handle = io.BytesIO(path.read_bytes())
    handle.name = name
    return handle


# A real picture is re-encoded where pictures are taken; everything else is refused.
PICTURES = {"jpeg_zip_polyglot"}


@pytest.mark.parametrize(
    "kind",
    [
        "program",
        "html_with_png_header",
        "html_with_gif_header",
        "eicar",
        "png_bomb",
        "zip_bomb",
        "jpeg_zip_polyglot",
        "truncated_video",
    ],
)
def test_every_entry_point_refuses_or_neutralises(corpus, edition, kind, tmp_path):
    path = corpus[kind]
    outcomes = {}

    # A film (named .mp4, as the uploader would send it): checked by its content with ffprobe/ffmpeg.
    renamed = tmp_path / "film.mp4"
    shutil.copyfile(path, renamed)
    film = film_for(renamed, edition)
    film_check(film=film)
    film.refresh_from_db()
    outcomes["film"] = film.status == Film.Status.REJECTED

    # Pictures: the entry's poster, a document's background, a signature.
    for place, accept in (
        ("poster", lambda f: media.clean_image(f)),
        ("background", lambda f: render.process_background(f)),
        ("signature", lambda f: render.process_signature(f)),
    ):
        try:
            stored = accept(upload(path, "picture.jpg"))
        except (media.BadImage, render.ImageProblem):
            outcomes[place] = True
        else:
            outcomes[place] = kind in PICTURES and PAYLOAD not in stored and b"PK\x03\x04" not in stored
            Image.open(io.BytesIO(stored)).verify()

    # A font for the designer.
    try:
        render.check_font(path)
        outcomes["font"] = False
    except render.FontProblem:
        outcomes["font"] = True

    # A region's participant list.
    job = ImportJob.objects.create(
        region=factories.region("astana"),
        edition=edition,
        created_by=factories.coordinator("astana"),
        file="imports/list.xlsx",
        original_name="list.xlsx",
    )
    participants_import(job=job, path=path)
    job.refresh_from_db()
    outcomes["participant list"] = job.status == ImportJob.Status.FAILED and job.imported == 0

    assert all(outcomes.values()), {place: ok for place, ok in outcomes.items() if not ok}
