"""Content stored in three languages (name_kk, name_ru, name_en) and shown in the reader's language."""

from django.utils.translation import get_language

LANGUAGE_CODES = ("kk", "ru", "en")
# When a text is missing in the reader's language, Russian and then Kazakh are the festival's working languages.
FALLBACK_ORDER = ("ru", "kk", "en")


def localized(obj, field, language=None):
    language = (language or get_language() or "ru")[:2]
    order = (language, *[code for code in FALLBACK_ORDER if code != language])
    for code in order:
        value = getattr(obj, f"{field}_{code}", "")
        if value:
            return value
    return ""


class LocalizedNameMixin:
    @property
    def name(self):
        return localized(self, "name")
