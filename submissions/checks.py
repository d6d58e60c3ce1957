"""The server's check of an uploaded film, run by the worker (submissions.tasks.check_film).

The browser checks a file before sending it, but only the server's word counts: the file is read here, by
its content, against the nomination's rules. A rejected film keeps its problem code and values; the
message is written in the reader's language when shown (submissions.problems).
"""

import logging
import math
import tempfile
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from . import media, problems
from .models import Film
from .storage import local_copy, private_storage

logger = logging.getLogger(__name__)

# A nomination's formats (festival.models.VIDEO_FORMATS) and the ffprobe demuxer that reads each. MP4, MOV and
# M4V are one container family, as are WebM and Matroska: ffprobe cannot tell them apart and neither need we.
FORMAT_DEMUXERS = {"mp4": "mov", "mov": "mov", "m4v": "mov", "webm": "matroska", "mkv": "matroska", "avi": "avi"}

# Video codecs accepted in an original. The jury watches a preview made here, but the original is what is
# screened at the festival, so it has to play in ordinary players:
# - h264, hevc: what phones, cameras and editing apps export; vp8, vp9, av1: WebM and screen recorders;
# - mpeg4 (Part 2, Xvid/DivX) and mjpeg: older cameras and webcams still found in schools, usually in AVI;
# - prores, dnxhd: masters exported from Final Cut, DaVinci Resolve or Avid; large, but play everywhere.
# Refused: mpeg2video (DVD), wmv/msmpeg4, flv1, h263, theora, uncompressed and image codecs (a GIF or PNG
# slideshow). They are rare today, play badly at screenings, and any editor re-exports them as H.264 MP4.
VIDEO_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mjpeg", "prores", "dnxhd"})

MIN_DURATION = 1.0
# The smallest picture a jury can judge: 320×240, upright or wide.
MIN_LONG_SIDE = 320
MIN_SHORT_SIDE = 240

MIB = 1024 * 1024

_SAVED_FIELDS = [
    "sha256",
    "status",
    "problem",
    "problem_params",
    "container",
    "video_codec",
    "audio_codec",
    "duration",
    "width",
    "height",
    "poster",
    "preview",
    "duplicate_of",
    "checked_at",
]


class _Rejected(Exception):
    def __init__(self, code, detail="", **params):
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.params = params


def film_check(*, film):
    """Check the film against its nomination; make its poster and jury preview when it passes.

    Side effects: the Film's fields (status OK or REJECTED, problem, what the file is, sha256, poster, preview,
    duplicate_of, checked_at); the poster and preview in private storage. A rejected film's file is deleted:
    nobody is going to watch it, and keeping every failed upload of a child would fill the disk; the code
    and values of the problem stay on the row. A film already checked is left as it is, so a task that runs
    twice changes nothing. Server trouble (ffmpeg too slow, a full disk) raises and leaves the film
    CHECKING: a film is never rejected for the server's fault.
    """
    storage = private_storage()
    if film.status != Film.Status.CHECKING:
        if film.status == Film.Status.REJECTED:
            # A run that stopped between recording the rejection and removing the file.
            storage.delete(film.file)
        return film

    film.problem, film.problem_params = "", {}
    film.poster = film.preview = ""
    film.duplicate_of = None
    try:
        # On disk for ffmpeg: the file itself, or a copy of it from object storage.
        with local_copy(film.file) as local:
            path = Path(local)
            _examine(film, path)
            _make_pictures(film, path, storage)
        film.duplicate_of = _same_file_elsewhere(film)
        film.status = Film.Status.OK
    except _Rejected as rejection:
        film.status = Film.Status.REJECTED
        film.problem, film.problem_params = rejection.code, rejection.params
        logger.info("Film %s rejected: %s %s", film.pk, rejection.code, rejection.detail)
    film.checked_at = timezone.now()

    with transaction.atomic():
        current = Film.objects.select_for_update().filter(pk=film.pk, file=film.file).exists()
        if current:
            film.save(update_fields=_SAVED_FIELDS)
    if not current:
        # A new upload replaced this film while it was being checked: what was made for it must not stay behind.
        _delete(storage, film.poster, film.preview)
    elif film.status == Film.Status.REJECTED:
        _delete(storage, film.file)
    return film


def _examine(film, path):
    """The checks, cheapest first; the first problem found rejects the film. Fills in what the file is."""
    nomination = film.entry.nomination
    size = path.stat().st_size
    if size > nomination.max_file_size_bytes:
        raise _Rejected(
            problems.TOO_BIG,
            size_mb=math.ceil(size / MIB),
            limit_mb=nomination.max_file_size_mb,
            nomination=nomination.pk,
        )
    film.sha256 = media.sha256_of(path)
    try:
        info = media.probe(path)
    except media.NotAVideo as error:
        raise _Rejected(problems.NOT_VIDEO, str(error)) from None
    except media.DamagedVideo as error:
        raise _Rejected(problems.DAMAGED, str(error)) from None
    film.container = info.container[:60]
    film.video_codec = info.video_codec[:40]
    film.audio_codec = info.audio_codec[:40]
    film.duration = info.duration
    film.width, film.height = info.width, info.height

    formats = nomination.format_list
    if not any(FORMAT_DEMUXERS.get(name) in info.format_names for name in formats):
        raise _Rejected(problems.FORMAT, info.container, nomination=nomination.pk, formats=formats)
    if info.video_codec not in VIDEO_CODECS:
        raise _Rejected(problems.CODEC, codec=info.video_codec)
    if info.duration is None:
        # Without a length the film cannot be held to the limit; files saved normally always have one.
        raise _Rejected(problems.DAMAGED, "no duration")
    if info.duration < MIN_DURATION:
        raise _Rejected(problems.TOO_SHORT, duration=info.duration)
    # Whole seconds, as a player's clock shows them: a film shown as 5:00 fits a 5:00 limit, even when its
    # sound runs a few hundredths of a second past the picture.
    if math.floor(info.duration) > nomination.max_duration_seconds:
        raise _Rejected(
            problems.TOO_LONG,
            duration=math.floor(info.duration),
            limit=nomination.max_duration_seconds,
            nomination=nomination.pk,
        )
    if min(info.width, info.height) < MIN_SHORT_SIDE or max(info.width, info.height) < MIN_LONG_SIDE:
        raise _Rejected(
            problems.TOO_SMALL_RESOLUTION,
            width=info.width,
            height=info.height,
            min_width=MIN_LONG_SIDE,
            min_height=MIN_SHORT_SIDE,
        )
    try:
        media.check_decodes(path, info.duration)
    except media.DamagedVideo as error:
        raise _Rejected(problems.DAMAGED, str(error)) from None


def _make_pictures(film, path, storage):
    """The poster frame and the jury preview, stored only when both could be made."""
    folder = f"films/{film.entry_id}"
    with tempfile.TemporaryDirectory(prefix="film-check-") as workdir:
        poster, preview = Path(workdir) / "poster.jpg", Path(workdir) / "preview.mp4"
        try:
            media.make_poster(path, poster, at=media.poster_time(film.duration))
            media.make_preview(path, preview, film.duration)
        except media.MediaTimeout:
            raise
        except media.MediaError as error:
            # The start and the end decoded, yet ffmpeg cannot read the film through: broken in the middle.
            raise _Rejected(problems.DAMAGED, str(error)) from None
        film.poster = _store(storage, f"{folder}/poster-{film.pk}.jpg", poster)
        film.preview = _store(storage, f"{folder}/preview-{film.pk}.mp4", preview)


def _store(storage, name, local_path):
    # Replaced, not saved beside: a second run must give the same names, not "poster-7_x1Yz.jpg".
    storage.delete(name)
    with open(local_path, "rb") as fh:
        return storage.save(name, File(fh, name=name))


def _same_file_elsewhere(film):
    """The first other entry's film with the same content. Not a reason to reject: a coordinator decides."""
    return (
        Film.objects.filter(sha256=film.sha256)
        .exclude(pk=film.pk)
        .exclude(entry_id=film.entry_id)
        .exclude(status=Film.Status.REJECTED)
        .order_by("pk")
        .first()
    )


def _delete(storage, *names):
    for name in names:
        if name:
            storage.delete(name)
