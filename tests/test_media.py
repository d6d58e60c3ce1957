"""The server's film check and picture cleaning, with real files made by ffmpeg and Pillow."""

import hashlib
import io
import json
import subprocess
import uuid
from pathlib import Path

import pytest
from django.core.files import File
from django.utils import translation
from PIL import Image

from submissions import checks, media, problems
from submissions.checks import film_check
from submissions.models import Entry, Film
from submissions.storage import private_storage
from tests import factories, videos

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- files and films


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Test files by kind, each made once per test process and only when a test asks for it."""
    directory = tmp_path_factory.mktemp("videos")
    makers = {
        "good": lambda: videos.mp4(directory, "good.mp4"),
        "good_faststart": lambda: videos.mp4(directory, "fast.mp4", faststart=True),
        "webm": lambda: videos.webm(directory),
        "long": lambda: videos.long_mp4(directory),
        "short": lambda: videos.mp4(directory, "short.mp4", seconds=0.5),
        "tiny_picture": lambda: videos.mp4(directory, "tiny.mp4", size="160x120", audio=False),
        "hd": lambda: videos.mp4(directory, "hd.mp4", seconds=1, size="1280x720", audio=False),
        "mpeg2": lambda: videos.mpeg2_mkv(directory),
        "avi": lambda: videos.avi(directory),
        "truncated": lambda: videos.truncated(videos.mp4(directory, "to-cut.mp4")),
        "truncated_faststart": lambda: videos.truncated(videos.mp4(directory, "to-cut-fast.mp4", faststart=True)),
        "truncated_webm": lambda: videos.truncated(videos.webm(directory, "to-cut.webm", seconds=4)),
        "program": lambda: videos.program(directory, "program.mp4"),
        "web_page": lambda: videos.web_page(directory, "page.mp4"),
        "big": lambda: videos.padded(videos.mp4(directory, "to-pad.mp4"), 1024 * 1024 + 1),
        "upright": lambda: videos.rotated(videos.mp4(directory, "to-turn.mp4", seconds=1, audio=False)),
    }
    cache = {}

    def make(kind):
        if kind not in cache:
            cache[kind] = makers[kind]()
        return cache[kind]

    return make


def film_for(path, edition, *, nomination="tv-story", region="astana", title="Наш двор"):
    """A film as upload_complete leaves it: the file in private storage, the row CHECKING."""
    entry = Entry.objects.create(
        edition=edition,
        nomination=edition.nominations.get(code=nomination),
        title=title,
        language=Entry.Language.RUSSIAN,
        region=factories.region(region),
        created_by=factories.StudentFactory(),
    )
    path = Path(path)
    with open(path, "rb") as fh:
        name = private_storage().save(f"films/{entry.pk}/{uuid.uuid4()}{path.suffix}", File(fh))
    return Film.objects.create(entry=entry, file=name, size=path.stat().st_size, original_name=path.name)


def stored_files():
    root = Path(private_storage().location)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def check(film):
    film_check(film=film)
    film.refresh_from_db()
    return film


def ffprobe_streams(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", str(path)],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    return json.loads(out)["streams"]


# ---------------------------------------------------------------- films that pass


def test_good_mp4_passes_with_poster_and_preview(made, edition):
    film = check(film_for(made("good"), edition))

    assert film.status == Film.Status.OK
    assert (film.problem, film.problem_params) == ("", {})
    assert film.sha256 == hashlib.sha256(made("good").read_bytes()).hexdigest()
    assert (film.container, film.video_codec, film.audio_codec) == ("QuickTime / MOV", "h264", "aac")
    assert film.duration == pytest.approx(2, abs=0.1)
    assert (film.width, film.height) == (320, 240)
    assert film.checked_at is not None
    assert film.duplicate_of is None
    assert film.poster == f"films/{film.entry_id}/poster-{film.pk}.jpg"
    assert film.preview == f"films/{film.entry_id}/preview-{film.pk}.mp4"
    assert stored_files() == sorted([film.file, film.poster, film.preview])

    storage = private_storage()
    with Image.open(storage.path(film.poster)) as poster:
        assert poster.format == "JPEG"
        assert poster.size == (320, 240)
    streams = {s["codec_type"]: s for s in ffprobe_streams(storage.path(film.preview))}
    assert streams["video"]["codec_name"] == "h264"
    assert streams["video"]["height"] <= 480
    assert streams["audio"]["codec_name"] == "aac"


def test_silent_webm_vp9_passes(made, edition):
    film = check(film_for(made("webm"), edition))

    assert film.status == Film.Status.OK
    assert (film.container, film.video_codec, film.audio_codec) == ("Matroska / WebM", "vp9", "")
    streams = ffprobe_streams(private_storage().path(film.preview))
    assert [s["codec_type"] for s in streams] == ["video"]
    assert streams[0]["codec_name"] == "h264"


def test_type_is_read_from_content_not_name(made, edition):
    # A WebM named .mp4 is still a WebM, and allowed in a nomination taking webm.
    renamed = made("webm").with_name("webm-named.mp4")
    renamed.write_bytes(made("webm").read_bytes())
    film = check(film_for(renamed, edition))
    assert film.status == Film.Status.OK
    assert film.container == "Matroska / WebM"


def test_preview_is_at_most_480p_and_poster_at_most_1280_wide(made, tmp_path):
    preview = media.make_preview(made("hd"), tmp_path / "preview.mp4", 1.0)
    video = ffprobe_streams(preview)[0]
    assert video["height"] == 480
    assert video["width"] % 2 == 0 and 850 <= video["width"] <= 854

    poster = media.make_poster(made("hd"), tmp_path / "poster.jpg", at=0.5)
    with Image.open(poster) as image:
        assert image.size == (1280, 720)


def test_poster_past_the_end_falls_back_to_the_first_frame(made, tmp_path):
    poster = media.make_poster(made("good"), tmp_path / "poster.jpg", at=60)
    with Image.open(poster) as image:
        assert image.format == "JPEG"


def test_upright_phone_video_is_measured_as_shown(made, tmp_path):
    info = media.probe(made("upright"))
    assert (info.width, info.height) == (240, 320)
    preview = media.make_preview(made("upright"), tmp_path / "preview.mp4", info.duration)
    video = ffprobe_streams(preview)[0]
    assert (video["width"], video["height"]) == (240, 320)


def test_poster_time():
    assert media.poster_time(2) == 1
    assert media.poster_time(0.5) == 0.25
    assert media.poster_time(300) == 30


# ---------------------------------------------------------------- films that are rejected


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("program", problems.NOT_VIDEO),
        ("web_page", problems.NOT_VIDEO),
        ("truncated", problems.DAMAGED),
        ("truncated_faststart", problems.DAMAGED),
        ("truncated_webm", problems.DAMAGED),
        ("mpeg2", problems.CODEC),
        ("avi", problems.FORMAT),
        ("long", problems.TOO_LONG),
        ("short", problems.TOO_SHORT),
        ("tiny_picture", problems.TOO_SMALL_RESOLUTION),
    ],
)
def test_bad_file_rejected_and_removed(made, edition, kind, code):
    film = check(film_for(made(kind), edition))

    assert film.status == Film.Status.REJECTED
    assert film.problem == code
    assert (film.poster, film.preview) == ("", "")
    assert film.checked_at is not None
    assert stored_files() == []
    message = problems.film_problem_message(film)
    assert message and message != problems.problem_message("no-such-code")


def test_file_over_the_size_limit_rejected(made, edition):
    nomination = edition.nominations.get(code="tv-story")
    nomination.max_file_size_mb = 1
    nomination.save()
    film = check(film_for(made("big"), edition))

    assert (film.problem, film.problem_params) == (
        problems.TOO_BIG,
        {"size_mb": 2, "limit_mb": 1, "nomination": nomination.pk},
    )
    assert stored_files() == []
    assert "2 MB" in problems.film_problem_message(film) and "1 MB" in problems.film_problem_message(film)


def test_too_long_message_names_the_nomination_in_the_readers_language(made, edition):
    film = check(film_for(made("long"), edition, nomination="tv-story"))
    nomination = film.entry.nomination

    assert film.problem_params == {"duration": 432, "limit": 300, "nomination": nomination.pk}
    assert film.duration == pytest.approx(432, abs=1)
    with translation.override("ru"):
        message = problems.film_problem_message(film)
    assert "7:12" in message and "5:00" in message
    assert "«Телевизионный сюжет»" in message
    assert "«TV story»" in problems.film_problem_message(film)


def test_format_message_lists_the_nominations_formats(made, edition):
    film = check(film_for(made("avi"), edition))
    assert film.problem_params["formats"] == ["mp4", "mov", "webm", "mkv"]
    assert film.container == "AVI (Audio Video Interleaved)"
    assert "mp4, mov, webm, mkv" in problems.film_problem_message(film)


def test_avi_passes_where_the_nomination_takes_avi(made, edition):
    nomination = edition.nominations.get(code="tv-story")
    nomination.allowed_formats = "avi"
    nomination.save()
    film = check(film_for(made("avi"), edition))
    assert film.status == Film.Status.OK
    assert film.video_codec == "mpeg4"


def test_limit_counts_whole_seconds_as_a_player_shows(made, edition):
    nomination = edition.nominations.get(code="tv-story")
    nomination.max_duration_seconds = 2  # the film is 2.0 s of picture, a little more with its sound
    nomination.save()
    assert check(film_for(made("good"), edition)).status == Film.Status.OK


# ---------------------------------------------------------------- duplicates, repeated runs, server trouble


def test_same_file_in_another_region_is_flagged_not_rejected(made, edition):
    first = check(film_for(made("good"), edition, region="astana", title="Наш двор"))
    second = check(film_for(made("good"), edition, region="almaty", title="Двор"))
    other = check(film_for(made("webm"), edition, region="shymkent"))

    assert (first.status, second.status, other.status) == (Film.Status.OK,) * 3
    assert first.duplicate_of is None
    assert second.duplicate_of == first
    assert other.duplicate_of is None
    with translation.override("ru"):
        message = problems.duplicate_message(second)
    assert "«Наш двор»" in message and "город Астана" in message
    assert problems.duplicate_message(first) == ""


def test_rejected_film_is_not_a_duplicate_source(made, edition):
    nomination = edition.nominations.get(code="tv-story")
    nomination.allowed_formats = "mov"
    nomination.save()
    rejected = check(film_for(made("webm"), edition))
    accepted = check(film_for(made("webm"), edition, nomination="best-film", region="almaty"))
    assert rejected.problem == problems.FORMAT
    assert accepted.status == Film.Status.OK and accepted.duplicate_of is None


FIELDS = ["status", "problem", "problem_params", "sha256", "container", "video_codec", "duration", "poster", "preview"]


@pytest.mark.parametrize("kind", ["good", "truncated"])
def test_checking_twice_gives_the_same_result(made, edition, kind):
    film = check(film_for(made(kind), edition))
    before = ({f: getattr(film, f) for f in FIELDS}, film.checked_at, stored_files())

    film_check(film=Film.objects.get(pk=film.pk))
    film.refresh_from_db()
    assert ({f: getattr(film, f) for f in FIELDS}, film.checked_at, stored_files()) == before


def test_run_interrupted_after_storing_the_poster_is_completed_with_the_same_names(made, edition):
    film = film_for(made("good"), edition)
    private_storage().save(f"films/{film.entry_id}/poster-{film.pk}.jpg", io.BytesIO(b"left by a run that died"))

    film = check(film)
    assert film.status == Film.Status.OK
    assert stored_files() == sorted([film.file, film.poster, film.preview])
    with Image.open(private_storage().path(film.poster)) as poster:
        assert poster.format == "JPEG"


def test_rejection_recorded_but_file_left_is_removed_on_the_next_run(made, edition):
    film = film_for(made("program"), edition)
    Film.objects.filter(pk=film.pk).update(status=Film.Status.REJECTED, problem=problems.NOT_VIDEO)
    film_check(film=Film.objects.get(pk=film.pk))
    assert stored_files() == []


def test_film_replaced_during_its_check_leaves_nothing_behind(made, edition, monkeypatch):
    film = film_for(made("good"), edition)

    def replaced_meanwhile(checked):
        Film.objects.filter(pk=checked.pk).delete()
        private_storage().delete(checked.file)

    monkeypatch.setattr(checks, "_same_file_elsewhere", replaced_meanwhile)
    film_check(film=film)
    assert stored_files() == []


def test_server_trouble_leaves_the_film_being_checked(made, edition, monkeypatch):
    film = film_for(made("good"), edition)

    def too_slow(*args, **kwargs):
        raise media.MediaTimeout("busy")

    monkeypatch.setattr(media, "make_preview", too_slow)
    with pytest.raises(media.MediaTimeout):
        film_check(film=film)
    film.refresh_from_db()
    assert film.status == Film.Status.CHECKING
    assert stored_files() == [film.file]


# ---------------------------------------------------------------- messages


def test_every_problem_has_its_own_message(edition):
    nomination = edition.nominations.get(code="tv-story")
    params = {
        problems.FORMAT: {"nomination": nomination.pk, "formats": ["mp4"]},
        problems.CODEC: {"codec": "mpeg2video"},
        problems.TOO_LONG: {"duration": 432, "limit": 300, "nomination": nomination.pk},
        problems.TOO_SMALL_RESOLUTION: {"width": 160, "height": 120, "min_width": 320, "min_height": 240},
        problems.TOO_BIG: {"size_mb": 3000, "limit_mb": 2048, "nomination": nomination.pk},
    }
    codes = [
        problems.NOT_VIDEO,
        problems.FORMAT,
        problems.CODEC,
        problems.TOO_LONG,
        problems.TOO_SHORT,
        problems.DAMAGED,
        problems.TOO_SMALL_RESOLUTION,
        problems.TOO_BIG,
    ]
    messages = [problems.problem_message(code, params.get(code)) for code in codes]
    assert len(set(messages)) == len(codes)
    assert problems.problem_message("no-such-code") not in messages
    assert not any("%(" in message for message in messages)
    assert "160×120" in messages[codes.index(problems.TOO_SMALL_RESOLUTION)]


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0:00"), (7, "0:07"), (300, "5:00"), (432.9, "7:12"), (3725, "1:02:05")]
)
def test_duration_display(seconds, shown):
    assert problems.duration_display(seconds) == shown


# ---------------------------------------------------------------- pictures


def picture(image_format, size=(64, 48), mode="RGB", **options):
    out = io.BytesIO()
    Image.new(mode, size, "red").save(out, image_format, **options)
    return out.getvalue()


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_clean_image_accepts_jpeg_png_webp(image_format):
    cleaned = media.clean_image(io.BytesIO(picture(image_format)))
    with Image.open(io.BytesIO(cleaned)) as image:
        assert (image.format, image.size) == ("JPEG", (64, 48))


def test_clean_image_can_give_webp_and_flattens_transparency():
    transparent = picture("PNG", mode="RGBA")
    cleaned = media.clean_image(transparent, image_format="WEBP")
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "WEBP"
        assert image.mode == "RGB"


@pytest.mark.parametrize(
    "data",
    [picture("GIF"), picture("TIFF"), picture("BMP"), b"just some text, not a picture", b""],
    ids=["gif", "tiff", "bmp", "text", "empty"],
)
def test_clean_image_refuses_other_formats(data):
    with pytest.raises(media.BadImage) as refused:
        media.clean_image(io.BytesIO(data))
    assert refused.value.code == "format"


@pytest.mark.parametrize(("width", "height"), [(20000, 20000), (8000, 6000)], ids=["pillow-limit", "our-limit"])
def test_clean_image_refuses_a_decompression_bomb(width, height):
    bomb = videos.png_bomb(width, height)
    assert len(bomb) < 100_000
    with pytest.raises(media.BadImage) as refused:
        media.clean_image(io.BytesIO(bomb))
    assert refused.value.code == "too_large"


def test_clean_image_refuses_a_cut_picture():
    data = picture("JPEG", size=(400, 300), quality=95)
    with pytest.raises(media.BadImage) as refused:
        media.clean_image(io.BytesIO(data[: len(data) // 2]))
    assert refused.value.code == "damaged"


def test_clean_image_turns_upright_and_drops_metadata():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° clockwise to show
    exif[0x010F] = "PhoneMaker"
    source = picture("JPEG", size=(40, 20), exif=exif.tobytes())

    cleaned = media.clean_image(io.BytesIO(source))
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.size == (20, 40)
        assert not image.getexif()
    assert b"PhoneMaker" not in cleaned


NAME_IN_PROFILE = "Aigerim Nurly"


def named_profile():
    """A valid sRGB profile whose description is a child's name, as a photo editor lets anyone write there."""
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    described = "sRGB built-in".encode("utf-16-be")
    assert profile.count(described) == 1
    return profile.replace(described, NAME_IN_PROFILE.encode("utf-16-be"))


def name_in(data):
    return any(NAME_IN_PROFILE.encode(encoding) in data for encoding in ("utf-16-be", "ascii"))


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
@pytest.mark.parametrize("profile", ["valid", "unreadable"])
def test_clean_image_drops_the_colour_profile_and_its_text(image_format, mode, profile):
    if image_format == "JPEG" and mode == "RGBA":
        pytest.skip("JPEG has no transparency")
    icc = named_profile() if profile == "valid" else b"not a profile, but " + NAME_IN_PROFILE.encode()
    source = picture(image_format, mode=mode, icc_profile=icc)
    with Image.open(io.BytesIO(source)) as image:
        assert name_in(image.info["icc_profile"])
    for output in ("JPEG", "WEBP"):
        cleaned = media.clean_image(io.BytesIO(source), image_format=output)
        thumbnail = media.make_thumbnail(io.BytesIO(source), image_format=output)
        for data in (cleaned, thumbnail):
            assert not name_in(data)
            with Image.open(io.BytesIO(data)) as image:
                assert "icc_profile" not in image.info
                # Turned into sRGB (or left as they were), the colours stay: still red.
                red, green, blue = image.convert("RGB").getpixel((10, 10))
                assert red > 200 and green < 60 and blue < 60


def test_entry_cover_stored_without_the_profile_text(db, edition):
    from submissions import services

    entry = factories.entry()
    services.entry_set_cover(
        entry=entry, uploaded=io.BytesIO(picture("JPEG", size=(300, 200), icc_profile=named_profile()))
    )
    entry.refresh_from_db()
    for name in (entry.cover, entry.cover_thumbnail):
        with private_storage().open(name) as stored:
            assert not name_in(stored.read())


def test_clean_image_scales_down_big_pictures_and_thumbnail_is_small():
    big = picture("JPEG", size=(3000, 1500))
    with Image.open(io.BytesIO(media.clean_image(io.BytesIO(big)))) as image:
        assert image.size == (2560, 1280)
    with Image.open(io.BytesIO(media.make_thumbnail(io.BytesIO(big)))) as image:
        assert image.format == "JPEG"
        assert image.size == (480, 240)


def test_image_problem_messages():
    codes = ["format", "too_large", "damaged"]
    assert len({problems.image_problem_message(code) for code in codes}) == 3


def test_a_film_whose_check_was_lost_is_checked_once_the_watchdog_sends_it_again(
    made, edition, django_capture_on_commit_callbacks
):
    import datetime

    from django.core.cache import cache
    from django.utils import timezone

    from submissions.services import CHECK_STALE_AFTER, films_check_watchdog

    cache.delete("submissions:films-check-resent")
    lost = film_for(made("good"), edition)  # made, its message to the worker never sent
    with django_capture_on_commit_callbacks(execute=True):
        assert films_check_watchdog() == 0  # too early: it may still be on its way
    # Another film's check ended within the quarter of an hour: the queue moves, the film is on its way.
    other = check(film_for(made("good"), edition, title="Другой"))
    with django_capture_on_commit_callbacks(execute=True):
        assert films_check_watchdog(now=other.checked_at + CHECK_STALE_AFTER - datetime.timedelta(seconds=1)) == 0
    lost.refresh_from_db()
    assert lost.status == Film.Status.CHECKING
    with django_capture_on_commit_callbacks(execute=True):
        assert films_check_watchdog(now=other.checked_at + CHECK_STALE_AFTER + datetime.timedelta(seconds=1)) == 1
    lost.refresh_from_db()
    assert lost.status == Film.Status.OK and lost.poster and lost.preview
    # At most once a quarter of an hour: a long check ahead in the queue must not bring copies of the rest.
    waiting = film_for(made("good"), edition, title="Третий")
    Film.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - 2 * CHECK_STALE_AFTER)
    Film.objects.update(checked_at=timezone.now() - 2 * CHECK_STALE_AFTER)
    with django_capture_on_commit_callbacks(execute=True):
        assert films_check_watchdog() == 0
    cache.delete("submissions:films-check-resent")
    with django_capture_on_commit_callbacks(execute=True):
        assert films_check_watchdog() == 1
    waiting.refresh_from_db()
    assert waiting.status == Film.Status.OK
