"""A panel's list of films for its juror, made in Python.

A juror may have a hundred films or more in a panel; a template loop costs dozens of variable lookups and tag
renders per row, on the page every juror goes back to between two films.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

register = template.Library()

_ROW = (
    '<a class="list-group-item list-group-item-action d-flex justify-content-between align-items-center gap-2" '
    'href="{}"><span>{}<br><span class="small text-muted">{}</span></span>{}</a>'
)


@register.simple_tag
def panel_rows(assignments):
    """The rows of `assignments` (dicts with url, title, nomination and score_status), each with its score's
    badge: submitted, draft or not scored. Everything shown is escaped."""
    badges = {
        "submitted": format_html('<span class="badge text-bg-success">{}</span>', gettext("Submitted")),
        "draft": format_html('<span class="badge text-bg-warning">{}</span>', gettext("Draft")),
        None: format_html('<span class="badge text-bg-light border">{}</span>', gettext("Not scored")),
    }
    return format_html_join(
        "\n",
        _ROW,
        (
            (
                row["url"],
                row["title"],
                row["nomination"],
                badges["submitted" if row["score_status"] == "submitted" else "draft" if row["score_status"] else None],
            )
            for row in assignments
        ),
    )
