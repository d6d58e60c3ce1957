"""The jury protocol of a panel as a printable A4 PDF, in Kazakh or Russian.

It states what the panel decided and on what grounds: the members, each nomination's ranking with every
juror's total, the mean points per criterion, the organizer's decisions, and lines for the members'
signatures. The numbers come from `selectors.panels_results`, the same source as the results page, so the
paper and the screen cannot disagree.
"""

import functools
import io
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from festival.i18n import localized

from .models import Award, PanelMember, Score, ScoreItem
from .selectors import panel_entries, panels_results

PROTOCOL_LANGUAGES = ("kk", "ru")
# The protocol is dated where the festival is held, whatever the server's own zone.
PROTOCOL_ZONE = ZoneInfo("Asia/Almaty")

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"

MARGIN = 15 * mm
# The film title column never gets narrower than this; wider tables turn the pages to landscape first.
MIN_TITLE_WIDTH = 130
CELL_SIZE = 8
HEAD_SIZE = 7
PADDING = 3
# The widest number a cell shows: a total of 100 points.
WIDEST_NUMBER = "100,00"

TIE_MARK = "="
DISAGREEMENT_MARK = "!"


@functools.cache
def _register_fonts():
    """Once per process: parsing the TrueType files is the slowest step of a small protocol. The standard
    PDF fonts have no Kazakh letters (ә ғ қ ң ө ұ ү һ і); DejaVu Sans has them all."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    # Lets <b> inside a paragraph switch to the bold face instead of a Latin-only standard font.
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)


STYLES = {
    "festival": ParagraphStyle("festival", fontName=BOLD, fontSize=12, leading=15, alignment=TA_CENTER),
    "edition": ParagraphStyle("edition", fontName=REGULAR, fontSize=10, leading=13, alignment=TA_CENTER),
    "title": ParagraphStyle(
        "title", fontName=BOLD, fontSize=14, leading=18, alignment=TA_CENTER, spaceBefore=8, spaceAfter=8
    ),
    "heading": ParagraphStyle("heading", fontName=BOLD, fontSize=11, leading=14, spaceBefore=10, spaceAfter=4),
    "subheading": ParagraphStyle("subheading", fontName=BOLD, fontSize=9, leading=12, spaceBefore=6, spaceAfter=3),
    "body": ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=12),
    "label": ParagraphStyle("label", fontName=BOLD, fontSize=9, leading=12),
    "note": ParagraphStyle("note", fontName=REGULAR, fontSize=7.5, leading=10, textColor=colors.HexColor("#444444")),
    "cell": ParagraphStyle("cell", fontName=REGULAR, fontSize=CELL_SIZE, leading=10),
    "head": ParagraphStyle("head", fontName=BOLD, fontSize=HEAD_SIZE, leading=8.5),
}

TABLE_STYLE = [
    ("FONTNAME", (0, 0), (-1, -1), REGULAR),
    ("FONTSIZE", (0, 0), (-1, -1), CELL_SIZE),
    ("FONTNAME", (0, 0), (-1, 0), BOLD),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#808080")),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
    ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
]


def panel_protocol_pdf(panel, *, language, moment=None):
    """The protocol of `panel` in `language` ("kk" or "ru") as PDF bytes, dated `moment` (default: now).

    Renders from submitted scores only, like the results page; a panel nobody has scored yet still gets a
    protocol with its members and signature lines. Raises ValueError for another language.
    """
    if language not in PROTOCOL_LANGUAGES:
        raise ValueError(f"the protocol is written in {PROTOCOL_LANGUAGES}, not {language!r}")
    _register_fonts()
    moment = timezone.localtime(moment or timezone.now(), PROTOCOL_ZONE)
    with override(language):
        data = _collect(panel)
        buffer = io.BytesIO()
        pagesize = _page_size(data)
        heading = _("Protocol of the jury")
        document = SimpleDocTemplate(
            buffer,
            pagesize=pagesize,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + 4 * mm,
            title=f"{heading}: {panel.name}",
            author=_festival_name(),
            subject=panel.name,
        )
        footer = _footer(panel, moment)
        document.build(_story(panel, data, moment, document.width), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


# ---------------------------------------------------------------- the data


def _collect(panel):
    [(_panel, rankings)] = panels_results([panel])
    people = _people(panel, {juror for ranking in rankings for juror in ranking.jurors})
    users = [person["user"] for person in people.values()]
    return {
        "rankings": rankings,
        "people": people,
        "names": _short_names(users),
        "initials": _initials(users),
        "means": _criterion_means(panel, rankings),
        "awards": _awards(panel, rankings),
    }


def _people(panel, scoring_ids):
    """Everybody the protocol names, by user id, in the protocol's order: the chair first, then the members
    by name. A juror who left the panel stays when their submitted scores count, so that every total in
    the tables belongs to a named person."""
    members = {m.juror_id: m for m in PanelMember.objects.filter(panel=panel).select_related("juror")}
    users = {juror_id: member.juror for juror_id, member in members.items()}
    missing = (set(scoring_ids) | ({panel.chair_id} if panel.chair_id else set())) - set(users)
    users.update({user.pk: user for user in get_user_model().objects.filter(pk__in=missing)})
    people = {}
    for user in users.values():
        member = members.get(user.pk)
        is_chair = user.pk == panel.chair_id
        active = is_chair or (member is not None and member.active)
        if active or user.pk in scoring_ids:
            people[user.pk] = {"user": user, "chair": is_chair, "active": active}
    order = sorted(
        people.values(), key=lambda p: (not p["chair"], p["user"].last_name, p["user"].first_name, p["user"].pk)
    )
    return {person["user"].pk: person for person in order}


def _unique(labels, users, fallback):
    """`labels` by user id, with `fallback(user)` for the jurors whose label another juror shares."""
    counts = defaultdict(int)
    for label in labels.values():
        counts[label] += 1
    return {user.pk: fallback(user) if counts[labels[user.pk]] > 1 else labels[user.pk] for user in users}


def _short_names(users):
    """Column labels: the last name with initials (Жұмабаева Г. С.)."""
    labels = {}
    for user in users:
        initials = " ".join(f"{part[0]}." for part in (user.first_name, user.patronymic) if part)
        labels[user.pk] = " ".join(part for part in (user.last_name, initials) if part) or user.email
    return _unique(labels, users, lambda user: user.get_full_name() or user.email)


def _initials(users):
    """The narrowest labels (ЖГС), for panels too large for names in the columns; a legend explains them."""
    labels = {
        user.pk: "".join(part[0] for part in (user.last_name, user.first_name, user.patronymic) if part) or "?"
        for user in users
    }
    numbered = {}
    for number, user in enumerate(users, start=1):
        numbered[user.pk] = f"{labels[user.pk]}{number}"
    return _unique(labels, users, lambda user: numbered[user.pk])


def _criterion_means(panel, rankings):
    """{(entry id, criterion id): mean points} over exactly the score sheets the ranking counted (the
    jurors in each row's totals), so an incomplete or superseded sheet cannot shift a mean."""
    counted = {(juror, entry.pk) for ranking in rankings for row, entry in ranking.rows for juror in row.raw_totals}
    if not counted:
        return {}
    items = ScoreItem.objects.filter(
        score__status=Score.Status.SUBMITTED, score__assignment__panel=panel, score__assignment__active=True
    ).values_list("score__assignment__juror_id", "score__assignment__entry_id", "criterion_id", "value")
    sums = defaultdict(lambda: [0, 0])
    for juror, entry, criterion, value in items.iterator(chunk_size=5000):
        if (juror, entry) in counted:
            running = sums[(entry, criterion)]
            running[0] += value
            running[1] += 1
    return {key: total / count for key, (total, count) in sums.items()}


KIND_ORDER = {Award.Kind.GRAND_PRIX: 0, Award.Kind.PLACE: 1, Award.Kind.MENTION: 2}


def _awards(panel, rankings):
    ranked = {entry.pk for ranking in rankings for _row, entry in ranking.rows}
    awards = Award.objects.filter(Q(entry__in=panel_entries(panel)) | Q(entry_id__in=ranked)).select_related(
        "entry__nomination"
    )
    return sorted(
        awards,
        key=lambda a: (a.entry.nomination.order, KIND_ORDER.get(a.kind, 9), a.place or 0, a.entry.title, a.pk),
    )


# ---------------------------------------------------------------- the layout


def _fit(*texts, font=BOLD, size=HEAD_SIZE):
    """The narrowest column that shows every word of `texts` unbroken: a paragraph cut mid-word would
    print «Қорыт ынды» and could be misread."""
    words = [word for text in texts for word in str(text).split()]
    return max((pdfmetrics.stringWidth(word, font, size) for word in words), default=0) + 2 * PADDING + 1


def _juror_order(ranking, data):
    return [juror for juror in data["people"] if juror in ranking.jurors]


def _ranking_columns(ranking, data, labels):
    """(place, jurors' columns, score, marks) widths of a nomination's ranking with these juror labels."""
    number = _fit(WIDEST_NUMBER, font=REGULAR, size=CELL_SIZE)
    place = max(_fit(_("Place")), number)
    jurors = [max(_fit(labels[juror]), number) for juror in _juror_order(ranking, data)]
    score = max(_fit(_("Score")), _fit(WIDEST_NUMBER, font=BOLD, size=CELL_SIZE))
    marks = pdfmetrics.stringWidth(f"{TIE_MARK} {DISAGREEMENT_MARK}", REGULAR, CELL_SIZE) + 2 * PADDING + 1
    return place, jurors, score, marks


def _fits(columns, width):
    place, jurors, score, marks = columns
    return place + sum(jurors) + score + marks + MIN_TITLE_WIDTH <= width


def _page_size(data):
    """Portrait unless a ranking with the jurors' names in its columns needs the width of landscape."""
    width = A4[0] - 2 * MARGIN
    for ranking in data["rankings"]:
        if ranking.rows and not _fits(_ranking_columns(ranking, data, data["names"]), width):
            return landscape(A4)
    return A4


# ---------------------------------------------------------------- the document


def _festival_name():
    return _("Republican children's film festival «Children of Kazakhstan in a World without Borders!»")


def _number(value):
    # Kazakh and Russian both write a decimal comma; Django ships no Kazakh number formats to ask.
    return f"{value:.2f}".replace(".", ",")


def _p(text, style="cell"):
    return Paragraph(escape(str(text)), STYLES[style])


def _footer(panel, moment):
    text = f"{panel.name} · {moment:%d.%m.%Y}"
    page_label = _("Page %(number)s")

    def draw(canvas, document):
        canvas.saveState()
        canvas.setFont(REGULAR, 7)
        canvas.setFillColor(colors.HexColor("#555555"))
        y = MARGIN - 2 * mm
        canvas.drawString(document.leftMargin, y, text)
        canvas.drawRightString(document.leftMargin + document.width, y, page_label % {"number": canvas.getPageNumber()})
        canvas.restoreState()

    return draw


def _story(panel, data, moment, width):
    story = [*_title(panel), *_particulars(panel, data, moment)]
    rankings = data["rankings"]
    if not rankings:
        story.append(_p(_("No submitted scores yet."), "body"))
    for ranking in rankings:
        story.append(_p(f"{_('Nomination')}: {ranking.nomination.name}", "heading"))
        if not ranking.rows:
            story.append(_p(_("No submitted scores yet."), "body"))
            continue
        story.extend(_ranking_table(ranking, data, width))
        story.extend(_criteria_table(ranking, data, width))
    story.extend(_decisions(data, width))
    story.append(_signatures(data, width))
    return story


def _title(panel):
    festival = _festival_name()
    edition = panel.edition
    edition_title = localized(edition, "title")
    # Editions are often titled with the festival's own motto; printing it twice would read as a mistake.
    if edition_title and edition_title not in festival:
        edition_line = f"{edition_title} — {edition.year}"
    else:
        edition_line = str(edition.year)
    return [_p(festival, "festival"), _p(edition_line, "edition"), _p(_("Protocol of the jury"), "title")]


def _particulars(panel, data, moment):
    stage = panel.get_stage_display()
    if panel.region_id:
        stage = f"{stage}: {panel.region.name}"
    method = panel.get_method_display()
    if panel.normalise:
        method = f"{method}, {_('normalised per juror (z-scores)')}"
    rows = [
        (_("Jury panel"), panel.name),
        (_("Stage"), stage),
        (_("Date of the protocol"), f"{moment:%d.%m.%Y}"),
        (_("Aggregation of the jurors' totals"), method),
    ]
    table = Table(
        [[_p(label, "label"), _p(value, "body")] for label, value in rows], colWidths=[55 * mm, None], hAlign="LEFT"
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story = [table, _p(_("Members of the jury"), "heading")]
    people = data["people"].values()
    if not people:
        story.append(_p("—", "body"))
    for number, person in enumerate(people, start=1):
        line = f"{number}. {person['user'].get_full_name()}"
        if person["chair"]:
            line += f" — {_('chair of the jury')}"
        if not person["active"]:
            line += f" ({_('left the panel; the submitted scores count')})"
        story.append(_p(line, "body"))
    return story


def _ranking_table(ranking, data, width):
    jurors = _juror_order(ranking, data)
    labels, legend = data["names"], []
    columns = _ranking_columns(ranking, data, labels)
    if not _fits(columns, width):
        labels = data["initials"]
        columns = _ranking_columns(ranking, data, labels)
        legend.append(", ".join(f"{labels[juror]} — {data['names'][juror]}" for juror in jurors))
    place, juror_widths, score, marks = columns
    fixed = place + sum(juror_widths) + score + marks
    if fixed + MIN_TITLE_WIDTH > width:
        # Even initials do not fit: narrow every column alike and let the cells wrap.
        scale = (width - MIN_TITLE_WIDTH) / fixed
        place, score, marks = place * scale, score * scale, marks * scale
        juror_widths = [column * scale for column in juror_widths]
        fixed = width - MIN_TITLE_WIDTH
    header = [
        _p(_("Place"), "head"),
        _p(_("Film"), "head"),
        *[_p(labels[juror], "head") for juror in jurors],
        _p(_("Score"), "head"),
        "",
    ]
    rows = [header]
    style = [
        *TABLE_STYLE,
        ("ALIGN", (2, 1), (-2, -1), "RIGHT"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (-1, 1), (-1, -1), "CENTER"),
        ("FONTNAME", (-2, 1), (-2, -1), BOLD),
    ]
    tied = disagreed = False
    for index, (row, entry) in enumerate(ranking.rows, start=1):
        marks_text = []
        if row.tied:
            marks_text.append(TIE_MARK)
            style.append(("BACKGROUND", (0, index), (-1, index), colors.HexColor("#fff3cd")))
            tied = True
        if row.disagreement:
            marks_text.append(DISAGREEMENT_MARK)
            disagreed = True
        totals = [_number(row.raw_totals[juror]) if juror in row.raw_totals else "—" for juror in jurors]
        rows.append([str(row.place), _p(entry.title), *totals, _number(row.score), " ".join(marks_text)])
    table = Table(rows, colWidths=[place, width - fixed, *juror_widths, score, marks], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    legend.append(_("Jurors' columns: each juror's weighted total as scored, out of 100. Score: the panel's result."))
    if tied:
        legend.append(f"{TIE_MARK} — {_('tie the rules cannot break')}")
    if disagreed:
        legend.append(f"{DISAGREEMENT_MARK} — {_('jurors disagree')}")
    return [table, Spacer(1, 2), _p(" · ".join(legend), "note")]


def _criteria_table(ranking, data, width):
    """Criterion names head the columns when they fit; otherwise numbers, explained above the table."""
    criteria = ranking.criteria
    names = [f"{criterion.name} (0–{criterion.maximum})" for criterion in criteria]
    number = _fit(WIDEST_NUMBER, font=REGULAR, size=CELL_SIZE)
    place = max(_fit(_("Place")), number)
    columns = [max(_fit(name), number) for name in names]
    story = [_p(_("Points per criterion: the mean of the jurors"), "subheading")]
    labels = names
    if place + sum(columns) + MIN_TITLE_WIDTH > width:
        labels = [str(index) for index in range(1, len(criteria) + 1)]
        columns = [number] * len(criteria)
        story.append(_p(" · ".join(f"{label} — {name}" for label, name in zip(labels, names, strict=True)), "note"))
        story.append(Spacer(1, 2))
    if place + sum(columns) + MIN_TITLE_WIDTH > width:
        columns = [(width - place - MIN_TITLE_WIDTH) / len(criteria)] * len(criteria)
    header = [_p(_("Place"), "head"), _p(_("Film"), "head"), *[_p(label, "head") for label in labels]]
    means = data["means"]
    rows = [header]
    for row, entry in ranking.rows:
        values = [means.get((entry.pk, criterion.pk)) for criterion in criteria]
        rows.append([str(row.place), _p(entry.title), *["—" if v is None else _number(v) for v in values]])
    table = Table(rows, colWidths=[place, width - place - sum(columns), *columns], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle([*TABLE_STYLE, ("ALIGN", (2, 1), (-1, -1), "RIGHT"), ("ALIGN", (0, 1), (0, -1), "CENTER")])
    )
    return [*story, table]


def _decision(award):
    if award.kind == Award.Kind.PLACE:
        return _("%(place)s place") % {"place": award.place}
    return award.get_kind_display()


def _decisions(data, width):
    story = [_p(_("Decisions"), "heading")]
    awards = data["awards"]
    if not awards:
        return [*story, _p(_("No decisions recorded."), "body")]
    rows = [[_p(_("Nomination"), "head"), _p(_("Film"), "head"), _p(_("Decision"), "head"), _p(_("Wording"), "head")]]
    for award in awards:
        rows.append([_p(award.entry.nomination.name), _p(award.entry.title), _p(_decision(award)), _p(award.note)])
    widths = [0.25 * width, 0.3 * width, 0.15 * width, 0.3 * width]
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([*TABLE_STYLE, ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [*story, table]


def _signatures(data, width):
    """The chair signs first. Only the sitting jury signs: a juror who left cannot vouch for the result."""
    signing = [person for person in data["people"].values() if person["active"]]
    rows = [["", _p(_("Full name"), "head"), _p(_("Signature"), "head")]]
    for person in signing:
        role = _("Chair of the jury") if person["chair"] else _("Member of the jury")
        rows.append([_p(role), _p(person["user"].get_full_name()), ""])
    table = Table(rows, colWidths=[0.25 * width, 0.4 * width, 0.35 * width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 1), (-1, -1), 14),
                ("LINEBELOW", (2, 1), (2, -1), 0.5, colors.black),
            ]
        )
    )
    return KeepTogether([_p(_("Signatures"), "heading"), table])
