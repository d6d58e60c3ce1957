from urllib.parse import unquote, urlsplit, urlunsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.translation import get_language_info, override


def festival(request):
    """The language switcher: this page's address in each language.

    Computed while rendering the page, where its own language is active; Django's set_language would
    translate `next` under the language of the switcher's request instead, which fails when the page's
    language differs from the browser's.
    """
    urls = _in_each_language(request.get_full_path())
    languages = [
        {"code": code, "name_local": get_language_info(code)["name_local"], "url": urls[code]}
        for code, _name in settings.LANGUAGES
    ]
    return {"LANGUAGES": settings.LANGUAGES, "language_links": languages}


# The paths of the pages people open most, in each language: resolving and reversing them is most of what
# the language switcher costs. Only paths that resolve, and short ones, are kept, at most _KEPT of them.
_paths_in_each_language = {}
_KEPT, _LONGEST = 2000, 200


def _in_each_language(url):
    """What django.urls.translate_url gives for each language, with the address resolved once for all."""
    parsed = urlsplit(url)
    paths = _paths_in_each_language.get(parsed.path)
    if paths is None:
        paths = _paths_of(unquote(parsed.path))
        if paths is None:
            return {code: url for code, _name in settings.LANGUAGES}
        if len(parsed.path) <= _LONGEST:
            if len(_paths_in_each_language) >= _KEPT:
                _paths_in_each_language.clear()
            _paths_in_each_language[parsed.path] = paths
    return {
        code: url if path is None else urlunsplit((parsed.scheme, parsed.netloc, path, parsed.query, parsed.fragment))
        for code, path in paths.items()
    }


def _paths_of(path):
    """{language: the same page's path in it, or None if it has none}, or None if the path resolves to nothing."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    paths = {}
    for code, _name in settings.LANGUAGES:
        with override(code):
            try:
                paths[code] = reverse(name, args=match.args, kwargs=match.kwargs)
            except NoReverseMatch:
                paths[code] = None
    return paths


@receiver(setting_changed)
def _urlconf_changed(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _paths_in_each_language.clear()
