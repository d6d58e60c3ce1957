import functools
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


@functools.lru_cache(maxsize=4096)
def _in_each_language(url):
    """What django.urls.translate_url gives for each language, with the address resolved once for all; kept
    for the addresses asked most (the answer depends on nothing but the address and the URLconf), so callers
    must not change the dict."""
    parsed = urlsplit(url)
    try:
        match = resolve(unquote(parsed.path))
    except Resolver404:
        return {code: url for code, _name in settings.LANGUAGES}
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    urls = {}
    for code, _name in settings.LANGUAGES:
        with override(code):
            try:
                path = reverse(name, args=match.args, kwargs=match.kwargs)
            except NoReverseMatch:
                urls[code] = url
            else:
                urls[code] = urlunsplit((parsed.scheme, parsed.netloc, path, parsed.query, parsed.fragment))
    return urls


@receiver(setting_changed)
def _urlconf_changed(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _in_each_language.cache_clear()
