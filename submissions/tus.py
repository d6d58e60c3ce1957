"""The film uploader's server side: the tus 1.0.0 resumable upload protocol.

Core, and the creation, expiration, checksum and termination extensions (https://tus.io/protocols/resumable-upload).
A school's connection may drop many times during a 2 GB film; each time the browser asks how much arrived
(HEAD) and sends the rest (PATCH). The bytes go straight to a file of the upload area, so a worker's memory
stays the same whatever the size of the film. When the last byte arrives, the file becomes the entry's film.

The uploader runs on the portal's own pages: it is authenticated by the session and sends the CSRF token.
"""

import base64
import binascii
import contextlib
import errno
import fcntl
import hashlib
import math
import os
import re

from django.db.models import Max
from django.http import HttpResponse
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import http_date
from django.utils.translation import gettext as _

from festival import throttle
from festival.models import Nomination
from festival.phases import PhaseClosed, phase_check

from . import services
from .models import Entry, Upload
from .storage import upload_path

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,checksum,termination"
CHECKSUM_ALGORITHMS = ("sha1", "md5", "sha256")
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
# Bytes read from the request and written to disk at a time: the memory a PATCH needs, whatever its size.
CHUNK_SIZE = 1024 * 1024

HTTP_LOCKED = 423
HTTP_INSUFFICIENT_STORAGE = 507
# Not in the HTTP registry; the tus checksum extension defines it.
HTTP_CHECKSUM_MISMATCH = 460

_DECIMAL = re.compile(r"[0-9]{1,19}")


class UploadBusy(Exception):
    """Another request is writing to this upload right now."""


class UploadFileMissing(Exception):
    """The upload's row exists but its data file does not (removed while the row was being read)."""


@contextlib.contextmanager
def hold_upload(upload_id):
    """The upload's data file, open for writing and locked against every other writer until the block ends.

    Why a lock on the file, and not a row lock in the database: a PATCH can take minutes, and a transaction held
    open that long pins a database connection (and on SQLite, the whole database). An flock lives exactly as long
    as the open file, so a worker that crashes or is killed mid-body releases it with no clean-up.

    Why it does not wait (LOCK_NB, and the caller answers 423 Locked): a second writer means the client lost track
    of the first request (it timed out and retried while the server was still reading, or the film is being sent
    from two tabs). Waiting would park a worker for as long as the first transfer lasts, only to answer 409
    afterwards because the offset moved. tus clients retry 423 after a pause, starting with a HEAD.

    flock is per host: with several application servers the upload area must be a shared file system whose locks
    all hosts see (NFS on Linux maps flock to byte-range locks), or uploads must be routed to one host.

    Raises UploadBusy if another holder has the lock, UploadFileMissing if the data file is gone.
    """
    try:
        # Closed below; the lock lives as long as it. Unbuffered: a write the disk refuses (full) fails there and
        # then, with nothing left over in a buffer to fail again when the file is closed.
        data = open(upload_path(upload_id), "r+b", buffering=0)  # noqa: SIM115
    except FileNotFoundError:
        raise UploadFileMissing from None
    with data:
        try:
            fcntl.flock(data.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadBusy from None
        # Closing the file releases the lock.
        yield data


# ---------------------------------------------------------------- views


def _reader_language(request):
    # /tus/ has no language prefix: messages follow the language the person chose on the site.
    return request.user.language if request.user.is_authenticated else request.LANGUAGE_CODE


def collection(request):
    with translation.override(_reader_language(request)):
        return _dispatch(request, {"OPTIONS": _options, "POST": _create})


def resource(request, upload_id):
    with translation.override(_reader_language(request)):
        return _dispatch(
            request, {"OPTIONS": _options, "HEAD": _head, "PATCH": _patch, "DELETE": _terminate}, upload_id=upload_id
        )


class _Refused(Exception):
    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def response(self):
        response = _text(self.message, self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def _text(message, status):
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _dispatch(request, handlers, **kwargs):
    method = request.method
    # The core protocol lets a client that cannot send PATCH or DELETE tunnel them through POST. Only POST may
    # carry the override: the CSRF check already covers POST, while a GET turned into a DELETE would skip it.
    if method == "POST" and "X-HTTP-Method-Override" in request.headers:
        method = request.headers["X-HTTP-Method-Override"].strip().upper()
    try:
        handler = handlers.get(method)
        if handler is None:
            raise _Refused(405, _("This method is not allowed here."), {"Allow": ", ".join(handlers)})
        if method != "OPTIONS":
            if request.headers.get("Tus-Resumable") != TUS_VERSION:
                message = _("This server speaks version %(version)s of tus.") % {"version": TUS_VERSION}
                raise _Refused(412, message, {"Tus-Version": TUS_VERSION})
            if not request.user.is_authenticated:
                raise _Refused(403, _("Sign in to upload a film."))
        response = handler(request, **kwargs)
    except _Refused as refused:
        response = refused.response()
    response["Tus-Resumable"] = TUS_VERSION
    return response


def _options(request, upload_id=None):
    response = HttpResponse(status=204)
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Extension"] = TUS_EXTENSIONS
    response["Tus-Checksum-Algorithm"] = ",".join(CHECKSUM_ALGORITHMS)
    largest = Nomination.objects.filter(edition__is_current=True).aggregate(largest=Max("max_file_size_mb"))["largest"]
    if largest:
        response["Tus-Max-Size"] = str(largest * 1024 * 1024)
    return response


def _create(request):
    if retry_after := throttle.limit_reached(request, "upload-create"):
        message = _("Too many uploads started in a short time. Try again in %(minutes)s min.")
        raise _Refused(429, message % {"minutes": math.ceil(retry_after / 60)}, {"Retry-After": str(retry_after)})
    length = _decimal_header(request, "Upload-Length")
    metadata = _parse_metadata(request.headers.get("Upload-Metadata", ""))
    entry_id = metadata.get("entry", "")
    if not _DECIMAL.fullmatch(entry_id):
        raise _Refused(400, _("The upload does not say which entry the film belongs to."))
    # With what the checks below read: the edition's phases and the nomination's limits.
    entry = (
        Entry.objects.select_related("edition", "nomination")
        .prefetch_related("edition__phases")
        .filter(pk=int(entry_id))
        .first()
    )
    # Somebody else's entry is not found either: a 403 would tell which entry numbers exist.
    if entry is None or not request.user.has_perm("submissions.view_entry", entry):
        raise _Refused(404, _("There is no such entry."))
    if not request.user.has_perm("submissions.upload_film", entry):
        raise _Refused(403, _("You cannot upload a film to this entry."))
    try:
        phase_check(edition=entry.edition, action=services.entry_phase_action(entry))
    except PhaseClosed as closed:
        raise _Refused(403, _phase_closed_message(closed)) from None
    nomination = entry.nomination
    if length > nomination.max_file_size_bytes:
        message = _("The file is %(size)s; the limit for «%(nomination)s» is %(limit)s.") % {
            "size": _size_display(length, round_up=True),
            "nomination": nomination.name,
            "limit": _size_display(nomination.max_file_size_bytes),
        }
        raise _Refused(413, message)
    filename = metadata.get("filename", "").strip()
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in nomination.format_list:
        message = _("Files of this type are not accepted for «%(nomination)s». Allowed formats: %(formats)s.") % {
            "nomination": nomination.name,
            "formats": ", ".join(nomination.format_list),
        }
        raise _Refused(415, message)
    # The protocol allows an empty upload; an empty film is a mistake worth saying so at once.
    if length == 0:
        raise _Refused(400, _("The file is empty."))
    upload = services.upload_create(entry=entry, user=request.user, length=length, filename=filename, metadata=metadata)
    response = HttpResponse(status=201)
    response["Location"] = request.build_absolute_uri(reverse("tus:resource", args=[upload.pk]))
    response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    return response


def _head(request, upload_id):
    upload = _visible_upload(request, upload_id)
    response = HttpResponse(status=200)
    response["Upload-Offset"] = str(upload.offset)
    response["Upload-Length"] = str(upload.length)
    response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    if upload.metadata:
        response["Upload-Metadata"] = _format_metadata(upload.metadata)
    # The offset changes with every PATCH: a cached answer would make the client resend or skip bytes.
    response["Cache-Control"] = "no-store"
    return response


def _patch(request, upload_id):
    try:
        # The lock first, then the row: read under the lock, its offset is the one no other writer can move
        # until this request ends, so one read serves both for the checks and as the offset to compare with.
        with hold_upload(upload_id) as data:
            upload = _writable_upload(request, upload_id)
            if request.content_type != OFFSET_CONTENT_TYPE:
                message = _("The request must have the type %(type)s.") % {"type": OFFSET_CONTENT_TYPE}
                raise _Refused(415, message)
            offset = _decimal_header(request, "Upload-Offset")
            checksum = _parse_checksum(request.headers.get("Upload-Checksum"))
            length = _content_length(request)
            if offset != upload.offset:
                message = _("The upload has %(stored)s bytes, not %(offset)s.") % {
                    "stored": upload.offset,
                    "offset": offset,
                }
                raise _Refused(409, message)
            # The protocol says not to accept bytes beyond the announced length. Content-Length is known before
            # anything is read, so such a request is refused whole and the file stays as it was.
            if length > upload.length - offset:
                raise _Refused(400, _("The request carries more bytes than the upload has left."))
            new_offset = _append(request, data, offset, length, checksum)
            if new_offset < upload.length:
                updated = Upload.objects.filter(pk=upload.pk, offset=offset).update(offset=new_offset)
            else:
                # The last byte: the upload becomes a film at once, still under the lock, so that a retried last
                # PATCH cannot complete it a second time; the row stays, complete, until it expires. Until then a
                # HEAD shows the offset before this piece, and a PATCH sent meanwhile finds the file moved.
                try:
                    updated = services.upload_complete(upload=upload) is not None
                except services.EntryError:
                    raise _Refused(
                        403, _("This entry can no longer be changed, so its film cannot be replaced.")
                    ) from None
            if not updated:
                # Terminated or expired while the bytes arrived: what was written went to an unlinked file.
                raise _Refused(404, _("There is no such upload."))
    except UploadBusy:
        # Someone else's upload stays unknown to this user, even while it is being written to.
        _writable_upload(request, upload_id)
        raise _Refused(HTTP_LOCKED, _("Another request is sending this file right now.")) from None
    except UploadFileMissing:
        upload = _visible_upload(request, upload_id)
        if upload.completed_at is None:
            raise _gone(upload) from None
        return _patch_completed(request, upload)
    response = HttpResponse(status=204)
    response["Upload-Offset"] = str(new_offset)
    response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    return response


def _patch_completed(request, upload):
    """A PATCH to an upload that has already become a film: the last one again, from a client that lost its answer
    (a phone whose connection dropped just then). It is answered as it was the first time, and nothing is made
    again: the film exists, and the client must not start the whole film anew."""
    if request.content_type != OFFSET_CONTENT_TYPE:
        message = _("The request must have the type %(type)s.") % {"type": OFFSET_CONTENT_TYPE}
        raise _Refused(415, message)
    offset = _decimal_header(request, "Upload-Offset")
    _parse_checksum(request.headers.get("Upload-Checksum"))
    length = _content_length(request)
    if offset != upload.length:
        message = _("The upload has %(stored)s bytes, not %(offset)s.") % {"stored": upload.length, "offset": offset}
        raise _Refused(409, message)
    if length:
        _discard_rest(request)
        raise _Refused(400, _("The request carries more bytes than the upload has left."))
    response = HttpResponse(status=204)
    response["Upload-Offset"] = str(upload.length)
    response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    return response


def _writable_upload(request, upload_id):
    upload = _visible_upload(request, upload_id)
    # Whoever started the upload may look at it and cancel it, but a film is only written into an entry that
    # may still change: a submitted or withdrawn entry keeps the film it has.
    if not request.user.has_perm("submissions.upload_film", upload.entry):
        raise _Refused(403, _("This entry can no longer be changed, so its film cannot be replaced."))
    return upload


def _terminate(request, upload_id):
    # No lock: a client cancels by aborting its PATCH and sending DELETE at once, while the server may still be
    # reading the aborted body. The PATCH notices the row is gone when it goes to record its offset.
    upload = _visible_upload(request, upload_id)
    services.upload_delete(upload=upload)
    return HttpResponse(status=204)


# ---------------------------------------------------------------- helpers


def _visible_upload(request, upload_id):
    """The upload, if this user may see it. Anyone else learns nothing, not even that it exists."""
    upload = Upload.objects.select_related("entry").filter(pk=upload_id).first()
    user = request.user
    if upload is None or not (
        upload.created_by_id == user.pk or user.has_perm("submissions.upload_film", upload.entry)
    ):
        raise _Refused(404, _("There is no such upload."))
    if upload.expires_at <= timezone.now():
        raise _gone(upload)
    return upload


def _gone(upload):
    services.upload_delete(upload=upload)
    return _Refused(410, _("This upload has expired. Start sending the file again."))


def _append(request, data, offset, length, checksum):
    """Write the request's body at `offset`, CHUNK_SIZE bytes at a time. Returns the new offset.

    When the client goes away mid-body, the bytes that arrived stay (the next PATCH resumes after them), unless
    the client sent a checksum: those bytes cannot be verified, so they are dropped. When the disk is full, the
    piece is dropped and the answer is 507: the offset stays where it was, so the client can send the piece again
    later.
    """
    try:
        return _write(request, data, offset, length, checksum)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        with contextlib.suppress(OSError):
            data.truncate(offset)  # frees what of the piece was written
        _discard_rest(request)
        message = _("The server is out of space. What has arrived is kept: try again later to send the rest.")
        raise _Refused(HTTP_INSUFFICIENT_STORAGE, message) from None


def _write(request, data, offset, length, checksum):
    hasher = hashlib.new(checksum[0], usedforsecurity=False) if checksum else None
    data.seek(offset)
    received = 0
    while received < length:
        try:
            chunk = request.read(min(CHUNK_SIZE, length - received))
        except OSError:
            # The server's way of saying the connection broke (gunicorn, uWSGI and Django's own all raise one).
            break
        if not chunk:
            break
        written = 0
        while written < len(chunk):  # an unbuffered write may take part of the chunk (a disk filling up)
            written += data.write(memoryview(chunk)[written:])
        # The disk starts writing this chunk while the next one arrives, and the chunks it has written leave the
        # page cache (a film is not read back from it): the sync below then waits for little more than the last
        # chunk, not for the whole piece. (macOS has no posix_fadvise: there the sync below waits for the piece.)
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(data.fileno(), offset, received + len(chunk), os.POSIX_FADV_DONTNEED)
        if hasher is not None:
            hasher.update(chunk)
        received += len(chunk)
    if checksum and (received != length or hasher.digest() != checksum[1]):
        data.truncate(offset)
        if received != length:
            raise _Refused(400, _("The request ended before all its bytes arrived."))
        raise _Refused(HTTP_CHECKSUM_MISMATCH, _("The checksum does not match: the piece was not saved."))
    new_offset = offset + received
    # Bytes past the recorded offset (left by a request that crashed before recording it) are not part of the file.
    data.truncate(new_offset)
    # On disk before the offset that vouches for them is recorded: after a power cut, the file is never shorter
    # than the database says. (macOS has no fdatasync: fsync syncs the bytes too, and the metadata as well.)
    getattr(os, "fdatasync", os.fsync)(data.fileno())
    return new_offset


def _discard_rest(request, limit=16 * CHUNK_SIZE):
    """Read and drop what is left of the body, up to `limit` bytes: a client still sending when the answer comes
    early would otherwise see its connection reset instead of the answer."""
    left = limit
    with contextlib.suppress(OSError):
        while left > 0 and (chunk := request.read(min(CHUNK_SIZE, left))):
            left -= len(chunk)


def _decimal_header(request, name):
    value = request.headers.get(name, "").strip()
    if not _DECIMAL.fullmatch(value):
        raise _Refused(400, _("The header %(header)s must be a whole number of bytes.") % {"header": name})
    return int(value)


def _content_length(request):
    # Django reads a body only by its Content-Length; a chunked body would look empty and be lost.
    if "Transfer-Encoding" in request.headers:
        raise _Refused(411, _("Send the piece with a Content-Length."))
    value = request.META.get("CONTENT_LENGTH") or "0"
    if not _DECIMAL.fullmatch(value.strip()):
        raise _Refused(400, _("The header %(header)s must be a whole number of bytes.") % {"header": "Content-Length"})
    return int(value)


def _parse_metadata(header):
    """Upload-Metadata: comma-separated pairs of a key and its base64-encoded value (the value may be absent)."""
    metadata = {}
    if not header.strip():
        return metadata
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        key = parts[0]
        if not key or not key.isascii() or len(parts) > 2 or key in metadata:
            raise _Refused(400, _("The upload's metadata cannot be read."))
        try:
            metadata[key] = base64.b64decode(parts[1], validate=True).decode() if len(parts) == 2 else ""
        except (binascii.Error, UnicodeDecodeError):
            raise _Refused(400, _("The upload's metadata cannot be read.")) from None
    return metadata


def _format_metadata(metadata):
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" if value else key for key, value in metadata.items()
    )


def _parse_checksum(header):
    """Upload-Checksum: an algorithm and the base64 digest of this request's body. Returns (name, digest) or None."""
    if header is None:
        return None
    name, _space, encoded = header.strip().partition(" ")
    name = name.lower()
    if name not in CHECKSUM_ALGORITHMS:
        message = _("Unknown checksum algorithm. Supported: %(algorithms)s.")
        raise _Refused(400, message % {"algorithms": ", ".join(CHECKSUM_ALGORITHMS)})
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != hashlib.new(name, usedforsecurity=False).digest_size:
        raise _Refused(400, _("The checksum cannot be read."))
    return name, digest


def _size_display(size, round_up=False):
    """2 GB, 700 MB, 2.1 GB — in the reader's language. A size over a limit is rounded up, never down to it."""
    gib = 1024**3
    unit, amount = (_("%s GB"), size / gib) if size >= gib else (_("%s MB"), size / 1024**2)
    amount = math.ceil(amount * 10) / 10 if round_up else round(amount, 1)
    if amount == int(amount):
        amount = int(amount)
    return unit % formats.number_format(amount)


def _phase_closed_message(closed):
    phases = closed.phases
    if not phases:
        return _("Films are not accepted now.")
    return _("Films are accepted from %(start)s to %(end)s.") % {
        "start": formats.date_format(timezone.localtime(min(p.starts_at for p in phases)), "SHORT_DATE_FORMAT"),
        "end": formats.date_format(timezone.localtime(max(p.ends_at for p in phases)), "SHORT_DATE_FORMAT"),
    }
