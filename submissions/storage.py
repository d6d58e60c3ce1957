"""Where films, pictures and documents live: a local folder (PRIVATE_MEDIA_ROOT) or, with PRIVATE_STORAGE_S3,
an S3-compatible bucket through django-storages. Private files have no public URL: views serve them after a
permission check (media_views.py).

Code that needs a file on disk (ffmpeg, a font for the renderer, openpyxl) asks for a local copy, and code
that made a file on disk hands it over with put_file: on the folder both are a path and a rename, on the
bucket a download to a temporary file and an upload.
"""

import contextlib
import functools
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

_COPY_CHUNK = 1024 * 1024


class PrivateStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("Private files have no URL: serve them through a view that checks permissions.")


def private_storage():
    options = settings.PRIVATE_STORAGE_S3
    if options:
        return _bucket(tuple(sorted(options.items())))
    # Built per call: tests and deployments move PRIVATE_MEDIA_ROOT through settings.
    return PrivateStorage(location=settings.PRIVATE_MEDIA_ROOT)


@functools.lru_cache(maxsize=4)
def _bucket(options):
    # One per process and set of options: making the S3 client is slow, using it is thread-safe.
    from storages.backends.s3 import S3Storage

    return S3Storage(**dict(options))


def is_local(storage):
    return isinstance(storage, FileSystemStorage)


def upload_path(upload_id):
    """The file a tus upload is appended to while it is incomplete (always on local or shared disk)."""
    root = Path(settings.UPLOAD_TEMP_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root / str(upload_id)


@contextlib.contextmanager
def local_copy(name):
    """A path on disk with the stored file's content, for as long as the block runs.

    Raises FileNotFoundError when there is no such file."""
    storage = private_storage()
    if is_local(storage):
        path = storage.path(name)
        if not os.path.isfile(path):
            raise FileNotFoundError(name)
        yield path
        return
    if not storage.exists(name):
        raise FileNotFoundError(name)
    suffix = os.path.splitext(name)[1]
    handle, path = tempfile.mkstemp(prefix="festival-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as target, storage.open(name, "rb") as source:
            shutil.copyfileobj(source, target, _COPY_CHUNK)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def cached_copy(name):
    """A lasting local path of a stored file that never changes under its name (an uploaded font)."""
    storage = private_storage()
    if is_local(storage):
        return storage.path(name)
    folder = Path(tempfile.gettempdir()) / "festival-private-cache"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / (hashlib.sha256(name.encode()).hexdigest()[:32] + os.path.splitext(name)[1])
    if not path.exists():
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        with open(partial, "wb") as target, storage.open(name, "rb") as source:
            shutil.copyfileobj(source, target, _COPY_CHUNK)
        os.replace(partial, path)
    return str(path)


def put_file(local_path, name, *, durable=False):
    """Store the file at `local_path` under exactly `name`, replacing what was there; the local file is gone
    afterwards (moved on the folder, uploaded then removed on the bucket). Returns `name`.

    `durable`: on the folder, the file and its new name are on disk when this returns, so that a row recorded
    afterwards never names a file a power cut took away."""
    storage = private_storage()
    if is_local(storage):
        target = storage.path(name)
        folder = os.path.dirname(target)
        os.makedirs(folder, exist_ok=True)
        shutil.move(local_path, target)  # a rename when both are on one filesystem
        if durable:
            _sync(target)  # nearly free after a rename of a synced file; a copy to another disk is written now
            _sync(folder)
        return name
    with open(local_path, "rb") as handle:
        storage.save(name, File(handle, name=name))
    os.unlink(local_path)
    return name


def _sync(path):
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def put_bytes(name, data):
    """Store `data` under exactly `name`: a retry overwrites its own earlier file instead of adding another,
    and the file appears whole or not at all (on the folder written aside, then renamed). Returns `name`."""
    storage = private_storage()
    if not is_local(storage):
        storage.save(name, ContentFile(data, name=name))
        return name
    path = storage.path(name)
    folder = os.path.dirname(path)
    if folder not in _made_folders:
        os.makedirs(folder, exist_ok=True)
        _made_folders.add(folder)
    partial = f"{path}.{os.getpid()}.part"
    with open(partial, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)
    return name


_made_folders = set()


def stored(name):
    return bool(name) and private_storage().exists(name)
