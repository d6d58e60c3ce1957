"""Reading films and pictures that people upload: what a file really is, a poster frame, a light preview.

Uploaded files are untrusted. Videos go to ffprobe/ffmpeg as separate processes with time limits; pictures go
to Pillow only after their header has been checked. A file is recognised by its content, never by its name.
"""

import contextlib
import errno
import hashlib
import io
import json
import math
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

FFPROBE = "ffprobe"
FFMPEG = "ffmpeg"

# The demuxers ffmpeg may use on an upload. Each reads one self-contained file: playlist and list formats
# (HLS, concat, image sequences) would let a crafted upload make ffmpeg read other local files or URLs and
# show their content in the poster or preview. Containers beyond the festival's own (MP4/MOV, Matroska/WebM,
# AVI) are here so that, say, a camcorder's .mts file is told "wrong format" rather than "not a video".
DEMUXERS = ("mov", "matroska", "avi", "mpegts", "mpeg", "flv", "asf", "ogg")
_INPUT_OPTIONS = ["-protocol_whitelist", "file", "-format_whitelist", ",".join(DEMUXERS)]

PROBE_TIMEOUT = 60
DECODE_CHECK_TIMEOUT = 120
POSTER_TIMEOUT = 60
# A preview takes a time that grows with the film; the bound leaves room for a busy worker.
PREVIEW_TIMEOUT_BASE = 120
PREVIEW_TIMEOUT_PER_SECOND = 3

# How much of the start and of the end of a film is decoded to find a file that is cut short or broken.
DECODE_WINDOW = 3.0

POSTER_MAX_WIDTH = 1280
# "480p": the shorter side of the preview is at most 480, for wide and for upright (phone) films alike.
PREVIEW_SHORT_SIDE = 480
PREVIEW_LONG_SIDE = 854
PREVIEW_MAX_FPS = 30

BLOCK = 1024 * 1024


class MediaError(Exception):
    """ffmpeg could not do what was asked with the file."""


class NotAVideo(MediaError):
    """The file is not a video at all (or one without a picture)."""


class DamagedVideo(MediaError):
    """The file is a video container, but broken or incomplete."""


class MediaTimeout(MediaError):
    """ffmpeg ran out of time: a matter of the server's load rather than of the file."""


@dataclass(frozen=True)
class VideoInfo:
    format_names: frozenset  # ffprobe's demuxer names, e.g. {"mov", "mp4", "m4a", "3gp", "3g2", "mj2"}
    container: str  # ffprobe's long name, e.g. "QuickTime / MOV"
    video_codec: str
    audio_codec: str  # empty for a silent film
    duration: float | None  # seconds
    width: int  # as shown, after the rotation a phone records
    height: int


# ---------------------------------------------------------------- running ffmpeg


def _run(args, *, timeout):
    try:
        # A list of arguments, no shell: file names never reach a shell. stdin closed: ffmpeg reads keys from it.
        result = subprocess.run(  # noqa: S603
            args, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise MediaTimeout(f"{args[0]} took more than {timeout} s") from error
    stderr = result.stderr.decode(errors="replace")
    if result.returncode != 0 and "No space left on device" in stderr:
        # The server's fault, not the film's: it must not be rejected for it.
        raise OSError(errno.ENOSPC, "No space left on device while processing a video")
    return result.returncode, result.stdout.decode(errors="replace"), stderr


@contextlib.contextmanager
def _neutral_name(path):
    """The file under a name without an extension, so ffmpeg recognises it by its content alone.

    ffmpeg takes an extension as a hint: ".mp4" would make it read any bytes as MP4.
    """
    with tempfile.TemporaryDirectory(prefix="film-") as directory:
        link = Path(directory) / "input"
        link.symlink_to(Path(path).resolve())
        # The file: prefix keeps a name from being read as another protocol or as an option.
        yield f"file:{link}"


# ---------------------------------------------------------------- reading a film


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def probe(path):
    """What the file is. Raises NotAVideo, or DamagedVideo for a video file that cannot be read."""
    with _neutral_name(path) as source:
        code, out, _err = _run(
            [FFPROBE, "-v", "error", *_INPUT_OPTIONS, "-print_format", "json", "-show_format", "-show_streams", source],
            timeout=PROBE_TIMEOUT,
        )
    data = {}
    if code == 0:
        with contextlib.suppress(ValueError):
            data = json.loads(out)
    fmt = data.get("format") or {}
    if not fmt.get("format_name"):
        raise DamagedVideo() if _starts_like_video(path) else NotAVideo()
    streams = data.get("streams") or []
    # A cover picture inside an audio file or a film is a "video" stream too, but not a moving picture.
    video = next(
        (s for s in streams if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")),
        None,
    )
    if video is None:
        raise NotAVideo()
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if _rotation(video) % 180 == 90:
        width, height = height, width
    return VideoInfo(
        format_names=frozenset(fmt["format_name"].split(",")),
        container=fmt.get("format_long_name") or fmt["format_name"],
        video_codec=video.get("codec_name") or "",
        audio_codec=(audio or {}).get("codec_name") or "",
        duration=_seconds(fmt.get("duration")) or _seconds(video.get("duration")),
        width=width,
        height=height,
    )


def _seconds(value):
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _rotation(stream):
    for side_data in stream.get("side_data_list") or []:
        if "rotation" in side_data:
            with contextlib.suppress(TypeError, ValueError):
                return int(float(side_data["rotation"]))
    with contextlib.suppress(TypeError, ValueError):
        return int((stream.get("tags") or {}).get("rotate", 0))
    return 0


def _starts_like_video(path):
    """Whether the first bytes are those of MP4/MOV, Matroska/WebM or AVI: a film cut short still starts so."""
    with open(path, "rb") as fh:
        head = fh.read(12)
    return (
        head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")
        or head.startswith(b"\x1a\x45\xdf\xa3")
        or (head.startswith(b"RIFF") and head[8:12] == b"AVI ")
    )


def check_decodes(path, duration):
    """Decode the first and the last seconds. Raises DamagedVideo for a file that is broken or cut short.

    A cut file often still describes the whole film in its header; only reading the end shows what is missing.
    The whole film is not decoded here: the preview does that later, and this check must stay quick.
    """
    window = min(DECODE_WINDOW, duration)
    with _neutral_name(path) as source:
        for position in (["-t", f"{window:.3f}"], ["-sseof", f"-{window:.3f}"]):
            code, out, err = _run(
                [
                    FFMPEG, "-nostdin", "-v", "error", "-xerror", *_INPUT_OPTIONS, *position, "-i", source,
                    "-map", "0:v:0", "-map", "0:a:0?", "-f", "null", "-progress", "pipe:1", "-nostats", "-",
                ],
                timeout=DECODE_CHECK_TIMEOUT,
            )  # fmt: skip
            decoded = _progress_seconds(out)
            # Some slack: the first and last frames need not fall exactly on the window's edges.
            if code != 0 or decoded < window - min(1.0, window / 2):
                raise DamagedVideo(err.strip()[-500:] or f"only {decoded:.2f} s of {window:.2f} s decoded")


def _progress_seconds(progress):
    """The last position ffmpeg reported with -progress, in seconds."""
    seconds = 0.0
    for line in progress.splitlines():
        key, _sep, value = line.partition("=")
        if key == "out_time_us":
            with contextlib.suppress(ValueError):
                seconds = max(seconds, int(value) / 1_000_000)
    return seconds


def poster_time(duration):
    """Where the poster frame is taken: a tenth into the film, past titles that fade in, and at most 1 s into
    a very short one."""
    return max(min(1.0, duration / 2), duration * 0.1)


def make_poster(path, out_path, at=0.0):
    """A JPEG frame at `at` seconds, at most POSTER_MAX_WIDTH wide. Raises MediaError."""
    with _neutral_name(path) as source:
        for seek in dict.fromkeys((at, 0.0)):
            Path(out_path).unlink(missing_ok=True)
            code, _out, err = _run(
                [
                    FFMPEG, "-nostdin", "-v", "error", "-y", *_INPUT_OPTIONS, "-ss", f"{seek:.3f}", "-i", source,
                    "-map", "0:v:0", "-frames:v", "1",
                    "-vf", f"scale=w='min({POSTER_MAX_WIDTH},iw)':h=-2,setsar=1",
                    "-pix_fmt", "yuvj420p", "-q:v", "3", "-map_metadata", "-1",
                    "-f", "image2", "-update", "1", "-c:v", "mjpeg", str(out_path),
                ],
                timeout=POSTER_TIMEOUT,
            )  # fmt: skip
            # Past the last frame ffmpeg writes nothing and still succeeds: then the first frame is taken.
            if code == 0 and Path(out_path).is_file() and Path(out_path).stat().st_size > 0:
                return out_path
    raise MediaError(err.strip()[-500:] or "no frame could be taken")


def make_preview(path, out_path, duration):
    """An H.264/AAC MP4 the jury can stream: at most 480p, at most 30 frames a second. Raises MediaError.

    Metadata (a phone's GPS position, names) is left out: previews are shown to many people.
    """
    landscape = "gte(iw,ih)"
    box_w = f"if({landscape},min({PREVIEW_LONG_SIDE},iw),min({PREVIEW_SHORT_SIDE},iw))"
    box_h = f"if({landscape},min({PREVIEW_SHORT_SIDE},ih),min({PREVIEW_LONG_SIDE},ih))"
    scale = f"scale=w='{box_w}':h='{box_h}':force_original_aspect_ratio=decrease:force_divisible_by=2,setsar=1"
    with _neutral_name(path) as source:
        code, _out, err = _run(
            [
                FFMPEG, "-nostdin", "-v", "error", "-y", *_INPUT_OPTIONS, "-i", source,
                "-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1",
                "-vf", scale, "-fpsmax", str(PREVIEW_MAX_FPS),
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "96k", "-ac", "2",
                "-movflags", "+faststart", "-f", "mp4", str(out_path),
            ],
            timeout=PREVIEW_TIMEOUT_BASE + PREVIEW_TIMEOUT_PER_SECOND * (duration or 0),
        )  # fmt: skip
    if code != 0 or not Path(out_path).is_file():
        raise MediaError(err.strip()[-500:] or "the preview could not be made")
    return out_path


# ---------------------------------------------------------------- pictures


IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
# Far above any camera or phone picture, far below what would exhaust a worker's memory.
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_MAX_SIDE = 2560
THUMBNAIL_SIDE = 480
_SAVE_OPTIONS = {"JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 82, "method": 4}}


class BadImage(ValueError):
    """An uploaded picture was refused. code: "format", "too_large" or "damaged"."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def clean_image(fileobj, *, max_side=IMAGE_MAX_SIDE, image_format="JPEG"):
    """A picture uploaded by a person, re-encoded as JPEG or WebP bytes. Raises BadImage.

    Re-encoding keeps only pixels: EXIF (camera, GPS position, dates), comments and the colour profile are
    dropped, after the EXIF orientation is applied so the picture stays upright and the profile's colours are
    turned into sRGB so the picture keeps its colours.
    """
    return _encode(_load(fileobj, max_side), image_format)


def make_thumbnail(fileobj, *, side=THUMBNAIL_SIDE, image_format="JPEG"):
    """A small JPEG or WebP of a picture (an upload or a poster frame), at most `side` on its longer side."""
    return _encode(_load(fileobj, side), image_format)


def _load(fileobj, max_side):
    if isinstance(fileobj, bytes | bytearray):
        fileobj = io.BytesIO(fileobj)
    try:
        # Only these decoders are tried, whatever the file says it is; open() reads the header alone.
        image = Image.open(fileobj, formats=IMAGE_FORMATS)
    except Image.DecompressionBombError:
        raise BadImage("too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise BadImage("format") from None
    width, height = image.size
    # Checked before any pixel is decoded: a few kilobytes can declare gigabytes of pixels.
    if width * height > MAX_IMAGE_PIXELS:
        raise BadImage("too_large")
    if width < 1 or height < 1:
        raise BadImage("damaged")
    try:
        if image.format == "JPEG":
            # A JPEG can be decoded straight at a fraction of its size: less memory and time for big photos.
            image.draft("RGB", (max_side, max_side))
        image.load()
        image = ImageOps.exif_transpose(image)
        image = _to_rgb(in_srgb(image))
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    except Image.DecompressionBombError:
        raise BadImage("too_large") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError):
        raise BadImage("damaged") from None
    return image


def _to_rgb(image):
    if image.mode.startswith("I"):
        # 16-bit greyscale: scaled down to 8 bits, where a plain conversion would turn most of it white.
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "RGBa", "La"):
        # A poster has no transparency on screen: transparent parts become white, not black.
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.convert("RGBA").getchannel("A"))
        return background
    return image.convert("RGB")


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# The modes a profile of an upload can be applied to, and the mode the pixels come out in.
_SRGB_MODES = {"RGB": "RGB", "RGBA": "RGBA", "CMYK": "RGB", "L": "RGB"}


def in_srgb(image):
    """The picture's pixels turned from its embedded colour profile into sRGB, with no profile left in it.

    A profile is not only colour: its description and copyright are free text that a photo editor or a person
    fills in, with a name, say, that would then ride on the poster onto the public winners' page. sRGB is what
    a picture without a profile is taken to be, so nothing needs to be written. A profile that cannot be read
    or does not fit the picture is dropped, the pixels left as they are.
    """
    icc = image.info.pop("icc_profile", None)
    if not icc or image.mode not in _SRGB_MODES:
        return image
    try:
        converted = ImageCms.profileToProfile(
            image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB, outputMode=_SRGB_MODES[image.mode]
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    converted.info.pop("icc_profile", None)
    return converted


def _encode(image, image_format):
    if image_format not in _SAVE_OPTIONS:
        raise ValueError(f"unsupported output format {image_format!r}")
    out = io.BytesIO()
    # Nothing from the original is passed on, not even its colour profile (see in_srgb).
    image.save(out, image_format, **_SAVE_OPTIONS[image_format])
    return out.getvalue()
