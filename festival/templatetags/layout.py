"""The site's menu, made once per language, address and kind of visitor and kept in this process.

Every page shows it, and it is the dearest part of the layout to render (the language switcher's three forms,
a dozen translations and addresses). What it shows depends only on the language, the page's address (the
switcher's links), whether someone is signed in and whether they may make entries; the CSRF token, which
differs per visitor, is put in afterwards.
"""

import threading

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# Stands for the CSRF token in a kept menu (no token looks like it: tokens are letters and digits).
_TOKEN_MARK = "{~csrf~}"
_KEPT, _LONGEST = 1000, 300
_menus = {}
_lock = threading.Lock()


@register.simple_tag(takes_context=True)
def site_menu(context):
    return menu(context["request"], context["user"], context["language_links"], context.get("csrf_token", ""))


def menu(request, user, language_links, csrf_token):
    """The menu for this visitor and page (the Jinja2 layout calls it too, festival/jinja.py)."""
    signed_in = user.is_authenticated
    makes_entries = signed_in and user.has_perm("submissions.create_entry")
    path = request.get_full_path()
    key = (get_language(), path, signed_in, makes_entries)
    html = _menus.get(key)
    if html is None:
        html = render_to_string(
            "festival/partials/site_menu.html",
            {
                "LANG": get_language(),
                "language_links": language_links,
                "signed_in": signed_in,
                "makes_entries": makes_entries,
                "csrf_token": _TOKEN_MARK,
            },
        )
        if len(path) <= _LONGEST:
            with _lock:
                if len(_menus) >= _KEPT:
                    _menus.clear()
                _menus[key] = html
    # The menu is our own template, escaped when it was made; the token is escaped here.
    return mark_safe(html.replace(_TOKEN_MARK, escape(str(csrf_token))))  # noqa: S308


@receiver(setting_changed)
def _settings_changed(**kwargs):
    _menus.clear()
