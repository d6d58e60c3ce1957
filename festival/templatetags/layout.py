"""The site's menu, made once per language and kind of visitor and kept in this process.

Every page shows it, and it is the dearest part of the layout to render (the language switcher's three forms,
a dozen translations and addresses). What it shows depends only on the language, whether someone is signed in,
whether they may make entries, and the page's address in each language (the switcher's links). The menu is
kept with marks for those addresses and for the CSRF token, which differs per visitor, and they are put in
for each page: kept per address instead, the menus of a film's page, a scoring page, a filtered list would
be as many as the pages, and made again as often as they are opened.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# Stand for the CSRF token and for the page's address in a language, in a kept menu: neither a token (letters
# and digits) nor an escaped address can contain "{~".
_TOKEN_MARK = "{~csrf~}"
_ADDRESS_MARK = "{~next-%s~}"
_menus = {}


@register.simple_tag(takes_context=True)
def site_menu(context):
    return menu(context["request"], context["user"], context["language_links"], context.get("csrf_token", ""))


def menu(request, user, language_links, csrf_token):
    """The menu for this visitor and page (the Jinja2 layout calls it too, festival/jinja.py)."""
    signed_in = user.is_authenticated
    makes_entries = signed_in and user.has_perm("submissions.create_entry")
    language = get_language()
    key = (language, signed_in, makes_entries, tuple(link["code"] for link in language_links))
    html = _menus.get(key)
    if html is None:
        html = render_to_string(
            "festival/partials/site_menu.html",
            {
                "LANG": language,
                "language_links": [{**link, "url": _ADDRESS_MARK % link["code"]} for link in language_links],
                "signed_in": signed_in,
                "makes_entries": makes_entries,
                "csrf_token": _TOKEN_MARK,
            },
        )
        # A handful of keys in all (languages × kinds of visitor): nothing to bound.
        _menus[key] = html
    # The menu is our own template, escaped when it was made; what is put in is escaped here.
    html = html.replace(_TOKEN_MARK, escape(str(csrf_token)))
    for link in language_links:
        html = html.replace(_ADDRESS_MARK % link["code"], escape(link["url"]))
    return mark_safe(html)  # noqa: S308


@receiver(setting_changed)
def _settings_changed(**kwargs):
    _menus.clear()
