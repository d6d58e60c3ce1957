"""The jury protocol PDF: read back with pypdf, in Kazakh and in Russian."""

import datetime
import io
import re

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, override
from pypdf import PdfReader

from judging import protocol, services
from judging.models import Award, Panel
from judging.protocol import panel_protocol_pdf
from submissions.models import Entry
from tests import factories
from tests.test_judging import finalists, panel_with, submit

pytestmark = pytest.mark.django_db

TITLES = ["Әжемнің ертегісі", "Қоңыр қаз және үйрек", "Өзен жағасындағы үй"]
JURORS = [("Жұмабаева", "Гүлнұр", "Серікқызы"), ("Оспанов", "Ерғали", ""), ("Иванова", "Мария", "Петровна")]
KK_FESTIVAL = "«Әлемдегі шекарасыз Қазақстан балалары!» республикалық балалар кино фестивалі"
RU_FESTIVAL = "Республиканский фестиваль детского кино «Дети Казахстана в мире без границ!»"


def pages(pdf):
    """Each page's text with whitespace collapsed, so a line wrapped in the PDF still reads as one string."""
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def named_jurors():
    jurors = []
    for last, first, patronymic in JURORS:
        juror = factories.juror()
        juror.last_name, juror.first_name, juror.patronymic = last, first, patronymic
        juror.save(update_fields=["last_name", "first_name", "patronymic"])
        jurors.append(juror)
    return jurors


def retitle(entries, titles):
    for entry, title in zip(entries, titles, strict=True):
        Entry.objects.filter(pk=entry.pk).update(title=title)
        entry.title = title


@pytest.fixture
def scored(edition):
    """Three jurors (the first one chairs), three films all scored, a decision for the best one."""
    entries = finalists(edition, 3)
    retitle(entries, TITLES)
    jurors = named_jurors()
    panel = panel_with(edition, jurors)
    Panel.objects.filter(pk=panel.pk).update(chair=jurors[0])
    panel.refresh_from_db()
    services.assignments_build(panel=panel)
    for juror, offset in zip(jurors, (0, 1, -1), strict=True):
        for entry, points in zip(entries, (9, 7, 5), strict=True):
            submit(panel, juror, entry, points + offset)
    services.award_set(
        entry=entries[0], kind=Award.Kind.PLACE, place=1, note="Ең үздік сценарий", by=factories.organizer()
    )
    return panel, entries, jurors


@pytest.mark.parametrize(
    ("language", "festival", "other"),
    [("kk", KK_FESTIVAL, RU_FESTIVAL), ("ru", RU_FESTIVAL, KK_FESTIVAL)],
    ids=["kk", "ru"],
)
def test_protocol_names_the_panel_films_jurors_and_festival(scored, language, festival, other):
    panel, _entries, jurors = scored
    texts = pages(panel_protocol_pdf(panel, language=language))
    assert len(texts) >= 1
    text = " ".join(texts)
    assert panel.name in text
    for title in TITLES:
        assert title in text
    for juror in jurors:
        assert juror.last_name in text
    assert festival in text and other not in text
    with override(language):
        for word in ("Signature", "Place", "Chair of the jury", "Decisions"):
            assert gettext(word) in text
        assert gettext("%(place)s place") % {"place": 1} in text
    assert "Ең үздік сценарий" in text


def test_protocol_numbers_follow_the_ranking(scored):
    panel, _entries, _jurors = scored
    text = " ".join(pages(panel_protocol_pdf(panel, language="ru")))
    # Seven criteria 0–10 of weight 1: a juror's total is ten times the points. The first film got 9 points
    # everywhere from Жұмабаева (the chair, first column), 8 from Иванова and 10 from Оспанов (then by name).
    assert "90,00 80,00 100,00 90,00" in text
    assert "9,00" in text and "Жұмабаева Г. С." in text and "Оспанов Е." in text
    # The best film is listed first.
    assert text.index(TITLES[0]) < text.index(TITLES[1]) < text.index(TITLES[2])


def test_protocol_is_dated_in_almaty(scored):
    panel, _entries, _jurors = scored
    late_evening_utc = datetime.datetime(2025, 3, 9, 20, 30, tzinfo=datetime.UTC)
    text = " ".join(pages(panel_protocol_pdf(panel, language="kk", moment=late_evening_utc)))
    assert "10.03.2025" in text and "09.03.2025" not in text


def test_protocol_marks_an_unbroken_tie_and_disagreement(edition):
    entries = finalists(edition, 2)
    retitle(entries, TITLES[:2])
    jurors = named_jurors()[:2]
    panel = panel_with(edition, jurors)
    services.assignments_build(panel=panel)
    submit(panel, jurors[0], entries[0], 9)  # 90 and 50: equal means of 70, 40 points apart
    submit(panel, jurors[1], entries[0], 5)
    submit(panel, jurors[0], entries[1], 5)
    submit(panel, jurors[1], entries[1], 9)
    text = " ".join(pages(panel_protocol_pdf(panel, language="ru")))
    with override("ru"):
        assert gettext("tie the rules cannot break") in text
        assert gettext("jurors disagree") in text
        assert gettext("No decisions recorded.") in text


def test_long_nomination_spans_pages_with_the_header_repeated(edition):
    entries = finalists(edition, 60)
    juror = named_jurors()[0]
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    for number, entry in enumerate(entries):
        submit(panel, juror, entry, number % 11)
    pdf = panel_protocol_pdf(panel, language="kk")
    texts = pages(pdf)
    assert len(texts) >= 3
    with override("kk"):
        place = gettext("Place")
    # Page 2 goes on with the ranking: its header row (with the juror's column) comes before the first film.
    first_film = re.search(r"Фильм \d+", texts[1])
    assert first_film, texts[1][:300]
    header = texts[1].index(place)
    assert header < texts[1].index("Жұмабаева Г. С.") < first_film.start()
    assert "Фильм 0" not in texts[1][: first_film.end() + 1]  # not the top of the table again


def test_empty_panel_still_renders(edition):
    juror = named_jurors()[0]
    panel = panel_with(edition, [juror])
    for language in ("kk", "ru"):
        texts = pages(panel_protocol_pdf(panel, language=language))
        text = " ".join(texts)
        assert len(texts) >= 1 and panel.name in text and juror.last_name in text
        with override(language):
            assert gettext("No submitted scores yet.") in text and gettext("Signature") in text

    bare = Panel.objects.create(
        edition=edition, stage=Panel.Stage.REPUBLICAN, name_ru="Бос алқа", deadline=timezone.now()
    )
    assert "Бос алқа" in " ".join(pages(panel_protocol_pdf(bare, language="kk")))


def test_other_languages_are_refused(scored):
    panel, _entries, _jurors = scored
    with pytest.raises(ValueError):
        panel_protocol_pdf(panel, language="en")


def test_fonts_are_registered_once_per_process(scored, monkeypatch):
    panel, _entries, _jurors = scored
    panel_protocol_pdf(panel, language="kk")

    def refuse(*args, **kwargs):
        raise AssertionError("fonts registered again")

    monkeypatch.setattr(protocol.pdfmetrics, "registerFont", refuse)
    assert pages(panel_protocol_pdf(panel, language="ru"))


def protocol_url(panel, **query):
    try:
        url = reverse("judging:protocol", args=[panel.pk])
    except NoReverseMatch:
        pytest.skip("the protocol's URL is not routed yet")
    return url + "".join(f"?{key}={value}" for key, value in query.items())


def test_protocol_view_serves_the_chair_and_refuses_members(client, scored):
    panel, _entries, jurors = scored
    url = protocol_url(panel, language="kk")
    client.force_login(jurors[0])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert KK_FESTIVAL in " ".join(pages(response.content))
    client.force_login(jurors[1])
    assert client.get(url).status_code == 403
