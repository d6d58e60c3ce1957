"""Private files (films, previews, posters) served after a permission check.

In production nginx sends the bytes (X-Accel-Redirect to an `internal` location); in development Django
streams them itself with HTTP Range support, so that the browser's player can seek. With the files in object
storage, the answer is a redirect to a signed link of a few minutes, which carries the file's type, name and
caching rules: the bucket itself serves the bytes, with ranges.
"""

import mimetypes
import os
import re

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

from .storage import is_local, private_storage

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 1024 * 1024


def private_file_response(request, name, *, download_name=None, public_seconds=None):
    """The stored file `name`, after the caller's permission check.

    `download_name`: sent as an attachment under that name. `public_seconds`: the file may be kept by any
    cache that long (public pages); otherwise nobody keeps it."""
    if not name:
        raise Http404
    storage = private_storage()
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    disposition = content_disposition_header(True, download_name) if download_name else None
    caching = f"public, max-age={public_seconds}" if public_seconds else None
    if not is_local(storage):
        return _signed_redirect(storage, name, content_type, disposition, caching)
    path = storage.path(name)
    if not os.path.isfile(path):
        raise Http404
    if settings.PRIVATE_MEDIA_ACCEL_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.PRIVATE_MEDIA_ACCEL_PREFIX.rstrip("/") + "/" + name
        return _private(response, disposition, caching)
    size = os.path.getsize(path)
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if not match or not (match.group(1) or match.group(2)):
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 - closed by Django
        response["Accept-Ranges"] = "bytes"
        return _private(response, disposition, caching)
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    else:  # "bytes=-N": the last N bytes
        start, end = max(size - int(last), 0), size - 1
    if start > end or start >= size:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _private(response, disposition, caching)
    response = StreamingHttpResponse(_read_range(path, start, end), status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    return _private(response, disposition, caching)


def _signed_redirect(storage, name, content_type, disposition, caching):
    if not storage.exists(name):
        raise Http404
    parameters = {
        "ResponseContentType": content_type,
        # Never kept by a shared cache unless public: the next person through a school's proxy may not see it.
        "ResponseCacheControl": caching or "private, no-store",
    }
    if disposition:
        parameters["ResponseContentDisposition"] = disposition
    # The link itself is personal and short-lived: the redirect is not kept either.
    return _private(HttpResponseRedirect(storage.url(name, parameters=parameters)), None, None)


def _read_range(path, start, end):
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            block = handle.read(min(_CHUNK, remaining))
            if not block:
                return
            remaining -= len(block)
            yield block


def _private(response, disposition, caching):
    # Never kept by a shared cache unless public: the next person through the same school proxy may not see it.
    response["Cache-Control"] = caching or "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if disposition:
        response["Content-Disposition"] = disposition
    return response
