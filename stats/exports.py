"""The figures of the statistics page as an .xlsx: the headline figures, then one sheet per breakdown."""

import re

from django.utils.translation import gettext as _
from openpyxl import Workbook

# Characters a sheet title may not hold, and its length limit.
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_TITLE_MAX = 31


def _cells(values):
    """Names typed by people (panels, nominations) written so that a spreadsheet never runs one as a formula."""
    return ["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v for v in values]


def _sheet_title(title, taken):
    base = _TITLE_FORBIDDEN.sub(" ", str(title)).strip()[:_TITLE_MAX] or "-"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: _TITLE_MAX - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def figures_workbook(figures):
    book = Workbook(write_only=True)
    taken = set()
    summary = book.create_sheet(_sheet_title(_("Summary"), taken))
    summary.append(_cells([_("Figure"), _("Value")]))
    summary.append(_cells([_("Edition"), str(figures.edition)]))
    if figures.region is not None:
        summary.append(_cells([_("Region"), str(figures.region)]))
    for headline in figures.headlines:
        summary.append(_cells([headline.caption, headline.value]))
    for table in figures.tables:
        sheet = book.create_sheet(_sheet_title(table.title, taken))
        sheet.append(_cells([str(table.label), *(str(c) for c in table.columns)]))
        for row in table.rows:
            sheet.append(_cells([row.label, *row.values]))
        sheet.append(_cells([_("Total"), *table.totals]))
    return book
