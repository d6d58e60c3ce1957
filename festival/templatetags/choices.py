"""A filter's <option>s, made in Python.

A template loop over the options of a <select> costs dozens of variable lookups and tag renders per option; a
coordinator's list of films has four such filters, some forty options, on every page of the list.
"""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

_SELECTED = mark_safe(" selected")


@register.simple_tag
def options(choices, selected=""):
    """The <option>s of `choices`, each a (value, label, …) tuple or an object (its pk, and itself as the
    label); the one whose value is `selected` (compared as text) is selected. Values and labels are escaped."""
    selected = str(selected)
    rows = []
    for choice in choices:
        value, label = (choice[0], choice[1]) if isinstance(choice, tuple | list) else (choice.pk, choice)
        value = str(value)
        rows.append((value, _SELECTED if value == selected else "", label))
    return format_html_join("", '<option value="{}"{}>{}</option>', rows)
