"""What went wrong with a film, in words a twelve-year-old understands, in the reader's language.

A check stores a code and language-neutral values (numbers, ids); the sentence is written when it is shown,
so a child reading in Kazakh and a coordinator reading in Russian each get their own. Nominations and
regions are stored by id and named at display time, in the language then active.
"""

from django.apps import apps
from django.utils.translation import gettext as _

NOT_VIDEO = "not_video"
FORMAT = "format"
CODEC = "codec"
TOO_LONG = "too_long"
TOO_SHORT = "too_short"
DAMAGED = "damaged"
TOO_SMALL_RESOLUTION = "too_small_resolution"
TOO_BIG = "too_big"
# Not a rejection: a note for coordinators that the same file came in another entry.
DUPLICATE = "duplicate"


def duration_display(seconds):
    """A length as a player's clock shows it: whole seconds, "7:12", or "1:02:05" from an hour on."""
    seconds = int(seconds or 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _nomination_name(params):
    from festival.models import Nomination

    nomination = Nomination.objects.filter(pk=params.get("nomination")).first()
    return nomination.name if nomination is not None else "—"


def problem_message(code, params=None):
    """The message for a problem code and the values the check stored with it."""
    params = params or {}
    if code == NOT_VIDEO:
        return _("This file is not a video. Choose the film file itself (for example .mp4).")
    if code == FORMAT:
        return _(
            "Films for «%(nomination)s» must be in one of these formats: %(formats)s. "
            "Save your film in one of them and upload it again."
        ) % {"nomination": _nomination_name(params), "formats": ", ".join(params.get("formats") or [])}
    if code == CODEC:
        return _(
            "We cannot play the video inside this file (it is coded as %(codec)s). "
            "Export your film again as an MP4 file with H.264 video and upload it again."
        ) % {"codec": params.get("codec") or "?"}
    if code == TOO_LONG:
        return _(
            "Your film is %(duration)s; the limit for «%(nomination)s» is %(limit)s. Shorten it and upload it again."
        ) % {
            "duration": duration_display(params.get("duration")),
            "limit": duration_display(params.get("limit")),
            "nomination": _nomination_name(params),
        }
    if code == TOO_SHORT:
        return _("Your film is shorter than one second. Check that you chose the right file and upload it again.")
    if code == DAMAGED:
        return _(
            "This file is broken or did not upload completely. "
            "Save the film on your computer or phone again and upload it once more."
        )
    if code == TOO_SMALL_RESOLUTION:
        return _(
            "The picture of your film is too small: %(width)s×%(height)s. "
            "Export it in a size of at least %(min_width)s×%(min_height)s (for example 1280×720) and upload it again."
        ) % {key: params.get(key, "?") for key in ("width", "height", "min_width", "min_height")}
    if code == TOO_BIG:
        return _(
            "The file is too big: %(size)s MB, and the limit for «%(nomination)s» is %(limit)s MB. "
            "Export the film in a smaller size and upload it again."
        ) % {
            "size": params.get("size_mb", "?"),
            "limit": params.get("limit_mb", "?"),
            "nomination": _nomination_name(params),
        }
    if code == DUPLICATE:
        return _duplicate_message(params.get("film"))
    return _("Something is wrong with this file. Upload it again, and ask your teacher for help if this repeats.")


def film_problem_message(film):
    """Why the film was rejected; empty for a film that was not."""
    return problem_message(film.problem, film.problem_params) if film.problem else ""


def duplicate_message(film):
    """For coordinators: where else the same file was sent; empty when nowhere."""
    return _duplicate_message(film.duplicate_of_id) if film.duplicate_of_id else ""


def _duplicate_message(film_id):
    # By the app registry: the models import this module for Film.problem_message.
    other = apps.get_model("submissions", "Film").objects.filter(pk=film_id).select_related("entry__region").first()
    if other is None:
        return _("The same file was also sent in another entry.")
    return _("The same file was also sent as «%(title)s» (%(region)s).") % {
        "title": other.entry.title,
        "region": other.entry.region.name,
    }


def image_problem_message(code):
    """For a picture refused by submissions.media.clean_image (BadImage.code)."""
    if code == "too_large":
        from .media import MAX_IMAGE_PIXELS

        return _("This picture is too large. Choose a picture of at most %(megapixels)s megapixels.") % {
            "megapixels": MAX_IMAGE_PIXELS // 1_000_000
        }
    if code == "damaged":
        return _("This picture is broken or did not upload completely. Choose it again.")
    return _("This file is not a picture we can use. Choose a JPEG, PNG or WebP picture.")
