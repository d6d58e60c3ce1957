"""Participant lists of offline regional stages: the template, all-or-nothing imports, exports."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from festival.models import Consent, Participant, School
from submissions.models import ImportJob
from tests import factories
from tests.test_iin import make_iin

pytestmark = pytest.mark.django_db

GOOD_ROWS = [
    ["Сапарова", "Айгерім", "Нұрланқызы", "01.04.2013", "", "№5 мектеп", 6, "Сапарова Гүлнар", "анасы", ""],
    ["Иванов", "Пётр", "", "2012-09-15", "", "Гимназия №2", "7", "Иванов Сергей", "отец", "+7 701 1"],
    ["Ли", "Анна", "", "10.10.2014", None, "№5 мектеп", None, "Ли Ольга", "Guardian", None],
]


def xlsx(rows, header=True):
    book = Workbook()
    sheet = book.active
    if header:
        sheet.append(["h"] * 10)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("list.xlsx", buffer.getvalue())


@pytest.fixture
def coordinator(client):
    user = factories.coordinator("kostanay")
    client.force_login(user)
    return user


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """Upload a list; the worker's import runs (inline in tests) once the request's transaction commits."""

    def upload(file, region="kostanay"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("submissions:region_import", args=[region]), {"file": file})
        return response, ImportJob.objects.order_by("-pk").first()

    return upload


def test_import_template_is_a_workbook_in_the_readers_language(client, coordinator, send):
    with translation.override("ru"):
        url = reverse("submissions:region_import_template", args=["kostanay"])
        expected = translation.gettext("Last name")
    book = load_workbook(io.BytesIO(client.get(url).content))
    assert book.active["A1"].value == expected != "Last name"


def test_import_good_list_creates_participants_with_consent(client, coordinator, send):
    response, job = send(xlsx(GOOD_ROWS))
    assert response.status_code == 302 and response.url == reverse(
        "submissions:region_import_job", args=["kostanay", job.pk]
    )
    job.refresh_from_db()
    assert (job.status, job.rows, job.imported) == ("done", 3, 3)
    people = Participant.objects.filter(region__code="kostanay")
    assert people.count() == 3 and Consent.objects.filter(participant__in=people).count() == 3
    assert set(School.objects.filter(region__code="kostanay").values_list("name", flat=True)) == {
        "№5 мектеп",
        "Гимназия №2",
    }
    petr = people.get(first_name="Пётр")
    assert petr.grade == 7 and petr.consents.get().relation == "father"
    assert petr.consents.get().recorded_by == coordinator


def test_import_same_list_twice_adds_nobody_twice(client, coordinator, send):
    send(xlsx(GOOD_ROWS))
    _response, job = send(xlsx(GOOD_ROWS))
    job.refresh_from_db()
    assert (job.status, job.imported) == ("done", 0)
    assert Participant.objects.count() == 3


def test_import_with_errors_imports_nothing_and_reports_each_row(client, coordinator, send):
    good_iin = make_iin(__import__("datetime").date(2013, 4, 1))
    rows = [
        [*GOOD_ROWS[0][:4], good_iin, *GOOD_ROWS[0][5:]],
        ["", "Без фамилии", "", "01.04.2013", "", "№5 мектеп", 6, "Кто-то", "мать", ""],
        ["Дата", "Плохая", "", "31.02.2013", "", "№5 мектеп", 6, "Кто-то", "мать", ""],
        ["Сам", "Ребёнок", "", "01.04.2013", "", "№5 мектеп", 6, "Сам Ребёнок", "сам", ""],
        ["Двойник", "ИИН", "", "01.04.2013", good_iin, "№5 мектеп", 6, "Кто-то", "мать", ""],
        ["Класс", "Странный", "", "01.04.2013", "", "№5 мектеп", "седьмой", "Кто-то", "бабушка", ""],
    ]
    _response, job = send(xlsx(rows))
    job.refresh_from_db()
    assert job.status == "failed" and job.imported == 0
    assert not Participant.objects.exists() and not School.objects.filter(region__code="kostanay").exists()
    problems = {(e["row"], e["column"], e["code"]) for e in job.errors}
    assert {
        (3, "last_name", "required"),
        (4, "birth_date", "date"),
        (5, "relation", "minor_self"),
        (6, "iin", "iin_twice"),
        (7, "grade", "grade"),
        (7, "relation", "relation"),
    } <= problems
    with translation.override("ru"):
        url = reverse("submissions:region_import_job", args=["kostanay", job.pk])
        expected = translation.gettext("Write the date as DD.MM.YYYY, for example 01.04.2013.")
    assert expected in client.get(url).content.decode()


def test_import_iin_of_someone_registered_refused(client, coordinator, send):
    import datetime

    iin = make_iin(datetime.date(2013, 4, 1))
    factories.participant(supervisor=factories.SupervisorFactory(), birth_date=datetime.date(2013, 4, 1), iin=iin)
    _response, job = send(xlsx([[*GOOD_ROWS[0][:4], iin, *GOOD_ROWS[0][5:]]]))
    job.refresh_from_db()
    assert job.status == "failed" and job.errors[0]["code"] == "iin_taken"


def test_import_refuses_a_file_that_is_not_xlsx(client, coordinator, send):
    fake = SimpleUploadedFile("list.xlsx", b"<html>not a table</html>")
    response, job = send(fake)
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert job is None


def test_import_other_region_forbidden(client, coordinator, send):
    response, job = send(xlsx(GOOD_ROWS), region="astana")
    assert response.status_code == 403 and job is None


def test_export_participants_and_films(client, edition, coordinator, send):
    send(xlsx(GOOD_ROWS))
    book = load_workbook(
        io.BytesIO(client.get(reverse("submissions:region_export_participants", args=["kostanay"])).content)
    )
    rows = list(book.active.iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in rows) == ["Иванов", "Ли", "Сапарова"]
    response = client.get(reverse("submissions:region_export_entries", args=["kostanay"]))
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).active.max_row == 1


def test_import_template_example_is_never_imported(client, coordinator, send):
    template = client.get(reverse("submissions:region_import_template", args=["kostanay"])).content
    _response, job = send(SimpleUploadedFile("template.xlsx", template))
    job.refresh_from_db()
    assert (job.status, job.imported) == ("done", 0) and not Participant.objects.exists()


def test_import_damaged_archive_fails_with_message(client, coordinator, send):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("nothing.txt", "not a workbook")
    _response, job = send(SimpleUploadedFile("list.xlsx", buffer.getvalue()))
    job.refresh_from_db()
    assert job.status == "failed" and job.errors[0]["code"] == "unreadable"


def test_export_does_not_turn_typed_text_into_formulas(client, coordinator):
    child = factories.participant(supervisor=factories.SupervisorFactory(), region_code="kostanay")
    Participant.objects.filter(pk=child.pk).update(last_name='=HYPERLINK("http://example.kz")', patronymic="@home")
    url = reverse("submissions:region_export_participants", args=["kostanay"])
    cells = next(load_workbook(io.BytesIO(client.get(url).content)).active.iter_rows(min_row=2))
    assert cells[0].data_type == "s" and cells[0].value == "'" + '=HYPERLINK("http://example.kz")'
    assert cells[2].value == "'@home"
