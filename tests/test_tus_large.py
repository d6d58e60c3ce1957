"""A 1 GiB film over a real connection that drops midway: the upload resumes where the server stopped and
the stored file is byte for byte the original (SHA-256)."""

import hashlib
import http.client
import os
import shutil
import time

import pytest
from django.test import Client

from submissions import tasks
from submissions.models import Film, Upload
from submissions.storage import private_storage
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

MIB = 1024 * 1024
SIZE = int(os.environ.get("LARGE_UPLOAD_MIB", "1024")) * MIB


def write_film(path):
    """SIZE bytes that differ block by block; returns their SHA-256."""
    digest, seed = hashlib.sha256(), os.urandom(MIB)
    with open(path, "wb") as out:
        for index in range(SIZE // MIB):
            block = index.to_bytes(8, "big") + seed[8:]
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def request(address, method, path, headers, body_file=None, start=0, stop=None):
    """Send a request; with `stop`, send the body only up to `stop` and drop the connection, as a train
    entering a tunnel would."""
    connection = http.client.HTTPConnection(*address, timeout=120)
    connection.putrequest(method, path)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    if body_file is not None:
        with open(body_file, "rb") as source:
            source.seek(start)
            position = start
            end = stop if stop is not None else SIZE
            while position < end:
                block = source.read(min(8 * MIB, end - position))
                connection.send(block)
                position += len(block)
        if stop is not None:
            connection.sock.close()
            return None
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_interrupted_large_upload_resumes_and_matches(live_server, tmp_path, monkeypatch):
    # The source file, the partial upload and the stored film: about three times SIZE on this disk.
    if shutil.disk_usage(tmp_path).free < 3 * SIZE + 512 * MIB:
        pytest.skip(f"needs {3 * SIZE // MIB + 512} MiB of free disk for a {SIZE // MIB} MiB upload")
    # The film check would reject these bytes (they are no video) and remove the file this test compares.
    monkeypatch.setattr(tasks.check_film, "delay", lambda *args: None)
    factories.open_edition()
    entry = factories.entry()
    source = tmp_path / "film.mp4"
    expected = write_film(source)
    browser = Client()
    browser.force_login(entry.created_by)
    token = "c" * 32
    common = {
        "Tus-Resumable": "1.0.0",
        "Cookie": f"sessionid={browser.cookies['sessionid'].value}; csrftoken={token}",
        "X-CSRFToken": token,
    }
    host, port = live_server.url.removeprefix("http://").split(":")
    address = (host, int(port))
    metadata = f"entry {__import__('base64').b64encode(str(entry.pk).encode()).decode()},filename ZmlsbS5tcDQ="
    created = request(
        address,
        "POST",
        "/tus/",
        {**common, "Upload-Length": str(SIZE), "Upload-Metadata": metadata, "Content-Length": "0"},
    )
    assert created.status == 201
    path = created.getheader("Location").split(str(port), 1)[1]

    patch_headers = {**common, "Content-Type": "application/offset+octet-stream"}
    request(
        address,
        "PATCH",
        path,
        {**patch_headers, "Upload-Offset": "0", "Content-Length": str(SIZE)},
        body_file=source,
        stop=SIZE * 2 // 5,
    )
    # The server finds out about the drop when its read fails, a moment later: ask until the offset settles.
    offset, deadline = -1, time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.5)
        current = int(request(address, "HEAD", path, common).getheader("Upload-Offset"))
        if current == offset and current > 0:
            break
        offset = current
    assert 0 < offset <= SIZE * 2 // 5

    finished = request(
        address,
        "PATCH",
        path,
        {**patch_headers, "Upload-Offset": str(offset), "Content-Length": str(SIZE - offset)},
        body_file=source,
        start=offset,
    )
    assert finished.status == 204 and int(finished.getheader("Upload-Offset")) == SIZE
    # The upload stays, finished, until it expires: a client that lost this answer can ask again.
    assert Upload.objects.get().completed_at is not None
    film = Film.objects.get(entry=entry)
    digest = hashlib.sha256()
    with private_storage().open(film.file, "rb") as stored:
        for block in iter(lambda: stored.read(8 * MIB), b""):
            digest.update(block)
    assert film.size == SIZE and digest.hexdigest() == expected
    # A gibibyte twice over is not worth keeping among pytest's kept temporary folders.
    source.unlink()
    private_storage().delete(film.file)
