from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info


def festival(request):
    """The language switcher: this page's address in each language.

    Computed while rendering the page, where its own language is active; Django's set_language would
    translate `next` under the language of the switcher's request instead, which fails when the page's
    language differs from the browser's.
    """
    path = request.get_full_path()
    languages = [
        {"code": code, "name_local": get_language_info(code)["name_local"], "url": translate_url(path, code)}
        for code, _name in settings.LANGUAGES
    ]
    return {"LANGUAGES": settings.LANGUAGES, "language_links": languages}
