"""Real, tiny test files made with ffmpeg (and a few hand-made ones), for the film checks.

Each function writes into the given directory and returns the path. The videos are a second or two of
ffmpeg's test pattern at low resolution, so a whole test module runs in seconds.
"""

import shutil
import struct
import subprocess
import zlib
from pathlib import Path


def _ffmpeg(*args):
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *map(str, args)],
        check=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def _pattern(seconds, size, rate):
    return ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}:duration={seconds}"]


def _tone(seconds):
    return ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]


def mp4(directory, name="film.mp4", *, seconds=2, size="320x240", rate=25, audio=True, faststart=False):
    """H.264/AAC in MP4. Without faststart the index (moov) is at the end, as most cameras write it."""
    path = Path(directory) / name
    _ffmpeg(
        *_pattern(seconds, size, rate),
        *(_tone(seconds) if audio else []),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        *(["-c:a", "aac", "-shortest"] if audio else []),
        *(["-movflags", "+faststart"] if faststart else []),
        path,
    )  # fmt: skip
    return path


def webm(directory, name="film.webm", *, seconds=2, size="320x240"):
    """VP9 video in WebM, silent, as a screen recorder makes it."""
    path = Path(directory) / name
    _ffmpeg(
        *_pattern(seconds, size, 25),
        "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k",
        path,
    )  # fmt: skip
    return path


def long_mp4(directory, name="long.mp4", *, seconds=432):
    """A long film in few bytes: one frame a second. 432 s is 7:12."""
    path = Path(directory) / name
    _ffmpeg(
        *_pattern(seconds, "320x240", 1),
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "45", "-g", "1000", "-pix_fmt", "yuv420p",
        path,
    )  # fmt: skip
    return path


def mpeg2_mkv(directory, name="film.mkv"):
    """MPEG-2 video (as on a DVD) in Matroska: a container that is allowed, a codec that is not."""
    path = Path(directory) / name
    _ffmpeg(*_pattern(2, "320x240", 25), "-c:v", "mpeg2video", path)
    return path


def avi(directory, name="film.avi"):
    """MPEG-4 Part 2 in AVI, as older cameras record."""
    path = Path(directory) / name
    _ffmpeg(*_pattern(2, "320x240", 25), "-c:v", "mpeg4", path)
    return path


def rotated(source, name="upright.mp4", degrees=90):
    """The same video, marked to be shown turned, as a phone held upright records it."""
    source = Path(source)
    path = source.with_name(name)
    _ffmpeg("-i", source, "-c", "copy", "-metadata:s:v:0", f"rotate={degrees}", path)
    return path


def truncated(source, name=None):
    """The first half of a file, as when an upload breaks off."""
    source = Path(source)
    path = source.with_name(name or f"half-{source.name}")
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def program(directory, name="film.mp4"):
    """A program renamed to look like a film."""
    path = Path(directory) / name
    shutil.copyfile("/bin/ls", path)
    return path


def web_page(directory, name="film.mp4"):
    """A page saved from a browser instead of the video it showed."""
    path = Path(directory) / name
    path.write_text(
        '<!doctype html><html><head><title>My film</title></head><body><video src="film.mp4"></video></body></html>'
    )
    return path


def padded(source, size, name="big.mp4"):
    """A copy of a video made up to `size` bytes with zeros after the end."""
    source = Path(source)
    path = source.with_name(name)
    data = source.read_bytes()
    path.write_bytes(data + b"\0" * max(0, size - len(data)))
    return path


def png_bomb(width=20000, height=20000):
    """A PNG of a few kilobytes that declares width × height pixels: black and white, one bit each.

    The rows are compressed as they are made, so the test never holds the decompressed image in memory.
    """

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    row = b"\0" * (1 + (width + 7) // 8)  # filter byte, then the row's bits
    compressor = zlib.compressobj(9)
    rows_per_piece = max(1, (1 << 20) // len(row))
    pieces = []
    for start in range(0, height, rows_per_piece):
        pieces.append(compressor.compress(row * min(rows_per_piece, height - start)))
    pieces.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(pieces)) + chunk(b"IEND", b"")
