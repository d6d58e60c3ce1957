"""Participant lists of offline regional stages, in and out of .xlsx.

An import is all or nothing: every row is checked first, and while any row is wrong nothing is saved; the
report names each wrong row and cell. Rows already imported (same name and date of birth in the region)
are skipped, so the same file can be sent twice. Each row carries the consent collected on paper.

The file holds children's names, IINs and parents' phones: it is deleted as soon as its import ends, however
it ends; the row-by-row report stays on the job. A file is refused before it is parsed when its archive would
unpack to far more than any participant list (a "zip bomb"), and the parse stops at MAX_ROWS rows and after
TIME_LIMIT seconds.
"""

import datetime
import re
import time
import zipfile

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from festival.consent import CONSENT_ITEMS, CONSENT_TEXT_VERSION, consent_text
from festival.forms import IIN_ERRORS, MAX_PARTICIPANT_AGE, MIN_PARTICIPANT_AGE
from festival.iin import InvalidIIN, iin_birth_date
from festival.models import ADULT_AGE, Consent, Participant, Region, School, age_on

COLUMNS = [
    ("last_name", gettext_lazy("Last name"), True),
    ("first_name", gettext_lazy("First name"), True),
    ("patronymic", gettext_lazy("Patronymic"), False),
    ("birth_date", gettext_lazy("Date of birth (DD.MM.YYYY)"), True),
    ("iin", gettext_lazy("IIN"), False),
    ("school", gettext_lazy("School"), True),
    ("grade", gettext_lazy("Grade"), False),
    ("guardian", gettext_lazy("Consent given by (full name)"), True),
    ("relation", gettext_lazy("Relation (mother, father, guardian, self)"), True),
    ("guardian_phone", gettext_lazy("Their phone"), False),
]
MAX_ERRORS_KEPT = 1000

# A region has at most about 10,000 school children taking part: a list is never longer than twice that.
MAX_ROWS = 20_000
# 20,000 rows of the template take about 15 MB of sheet XML (as openpyxl writes it; Excel's shared strings
# take less), about 14 times their packed size. zipfile never yields more than a member's declared size (and
# refuses a member whose content does not match it), so the declared sizes bound what the parser reads.
MAX_UNPACKED = 50 * 1024 * 1024
MAX_MEMBERS = 1000
# A member larger than this that unpacks to more than MAX_RATIO times its packed size is not a table someone
# typed: refused whatever its size.
RATIO_CHECKED_FROM = 1024 * 1024
MAX_RATIO = 100
# Seconds the worker spends on one list at most (the task's own limits are a little longer, as a backstop).
TIME_LIMIT = 120

# The words people write in the relation column, in the three languages.
RELATIONS = {
    Consent.Relation.MOTHER: {"mother", "мать", "мама", "анасы", "ана"},
    Consent.Relation.FATHER: {"father", "отец", "папа", "әкесі", "әке"},
    Consent.Relation.GUARDIAN: {"guardian", "опекун", "попечитель", "законный представитель", "қамқоршы", "заңды өкіл"},
    Consent.Relation.SELF: {"self", "сам", "сама", "сам участник", "өзі"},
}
_RELATION_BY_WORD = {word: relation for relation, words in RELATIONS.items() for word in words}


def template_workbook():
    """The .xlsx to fill in: the header row in the reader's language and one example row."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Participants")
    sheet.append([str(label) for _key, label, _required in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (_key, label, _required) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = max(14, len(str(label)) + 2)
    # The example lives on a sheet of its own: only the first sheet is read, so it is never imported.
    example = book.create_sheet(_("Example"))
    example.append([str(label) for _key, label, _required in COLUMNS])
    example.append(
        [
            "Сапарова",
            "Айгерім",
            "Нұрланқызы",
            "01.04.2013",
            "",
            "№1 мектеп-лицей",
            6,
            "Сапарова Гүлнар",
            _("mother"),
            "+7 701 000 00 00",
        ]
    )
    return book


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def _date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _check_row(values, today):
    """(cleaned row, [(column, code, params)]) for one row of the sheet."""
    row = {key: values[i] if i < len(values) else None for i, (key, _label, _req) in enumerate(COLUMNS)}
    errors = []
    clean = {
        key: _text(row[key])
        for key in ("last_name", "first_name", "patronymic", "school", "guardian", "guardian_phone")
    }
    for key, _label, required in COLUMNS:
        if required and not _text(row[key]):
            errors.append((key, "required", {}))
    birth = _date(row["birth_date"]) if _text(row["birth_date"]) else None
    if _text(row["birth_date"]) and birth is None:
        errors.append(("birth_date", "date", {}))
    elif birth is not None and not MIN_PARTICIPANT_AGE <= age_on(birth, today) <= MAX_PARTICIPANT_AGE:
        errors.append(("birth_date", "age", {"age": age_on(birth, today)}))
    clean["birth_date"] = birth
    iin = _text(row["iin"]).replace(" ", "")
    if iin:
        try:
            if birth is not None and iin_birth_date(iin) != birth:
                errors.append(("iin", "iin_birth_date", {}))
        except InvalidIIN as error:
            errors.append(("iin", f"iin_{error.code}", {}))
    clean["iin"] = iin or None
    grade = _text(row["grade"])
    clean["grade"] = int(grade) if grade.isdigit() and 1 <= int(grade) <= 12 else None
    if grade and clean["grade"] is None:
        errors.append(("grade", "grade", {}))
    relation = _RELATION_BY_WORD.get(_text(row["relation"]).lower())
    if _text(row["relation"]) and relation is None:
        errors.append(("relation", "relation", {}))
    elif relation == Consent.Relation.SELF and birth is not None and age_on(birth, today) < ADULT_AGE:
        errors.append(("relation", "minor_self", {}))
    clean["relation"] = relation
    return clean, errors


def archive_problem(file):
    """None when `file` (a path, or a binary file object, which is left where it was) may be opened as a
    workbook; otherwise the code of the reason it may not. Reads only the archive's directory: nothing is
    unpacked, so a zip bomb costs nothing here."""
    position = file.tell() if hasattr(file, "tell") else None
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return "not_xlsx"
    finally:
        if position is not None:
            file.seek(position)
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED:
        return "too_large"
    if any(m.file_size > RATIO_CHECKED_FROM and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members):
        return "packed"
    return None


def import_refuse(*, job, code):
    """Record that nothing of `job`'s file is imported, for a reason about the whole file (`code`).

    Side effects: the job's status, counts, errors and finished_at."""
    job.status, job.imported, job.finished_at = job.Status.FAILED, 0, timezone.now()
    job.errors = [{"row": 0, "column": "", "code": code, "params": {}}]
    job.save(update_fields=["status", "errors", "imported", "finished_at"])
    return job


def import_file_delete(*, job):
    """Delete the uploaded list of `job`, whose import has ended; the report stays on the job.

    Side effects: the file removed from private storage; the job's file emptied and file_deleted_at set."""
    from .models import ImportJob
    from .storage import private_storage

    if job.file:
        private_storage().delete(job.file)
    job.file, job.file_deleted_at = "", job.file_deleted_at or timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(file=job.file, file_deleted_at=job.file_deleted_at)
    return job


# A job still waiting after this long was lost (the queue emptied, the worker gone): it is not run any more.
UNSTARTED_AFTER = datetime.timedelta(days=1)
# A job "checking" for longer than the task's hard limit was stopped by it, or its worker died for good.
STALLED_AFTER = datetime.timedelta(seconds=TIME_LIMIT * 3)


def import_files_expire(*, now=None):
    """Delete the lists kept past their job: of jobs that ended (when the worker could not delete them at once),
    of jobs never started within UNSTARTED_AFTER, and of jobs stopped mid-way (STALLED_AFTER); the last two
    are recorded as not imported.

    Side effects: jobs refused, files deleted. Returns the number of files deleted."""
    from .models import ImportJob

    now = now or timezone.now()
    Status = ImportJob.Status
    lost = ImportJob.objects.filter(status=Status.QUEUED, created_at__lte=now - UNSTARTED_AFTER)
    stalled = ImportJob.objects.filter(status=Status.RUNNING, started_at__lte=now - STALLED_AFTER)
    for job in [*lost, *stalled]:
        import_refuse(job=job, code="not_processed" if job.status == Status.QUEUED else "too_slow")
    ended = ImportJob.objects.filter(status__in=[Status.DONE, Status.FAILED]).exclude(file="")
    count = 0
    for job in ended:
        import_file_delete(job=job)
        count += 1
    return count


def participants_import(*, job, path, deadline=None):
    """Check every row of the .xlsx at `path` for `job`'s region; import all of them or none.
    `deadline`: a time.monotonic() value past which the check stops and nothing is imported.

    Side effects: job status, counts and errors; when the file is clean, Participant and Consent rows (and
    the schools not yet known in the region, not yet approved) in one transaction.
    """
    region, today = job.region, timezone.localdate()
    problem = archive_problem(path)
    if problem:
        return import_refuse(job=job, code=problem)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except SoftTimeLimitExceeded:
        raise
    # Any damage inside the archive means the same to the coordinator: the file cannot be read.
    except Exception:
        return import_refuse(job=job, code="unreadable")
    rows, errors = [], []
    seen_iins, seen_people = {}, set()
    listed = set()  # people of the list already known in the region: they take part in this edition too
    existing_people = {
        (last.lower(), first.lower(), born)
        for last, first, born in Participant.objects.filter(region=region).values_list(
            "last_name", "first_name", "birth_date"
        )
    }
    read = 0
    rows_of_sheet = sheet.iter_rows(min_row=2, max_col=len(COLUMNS), values_only=True)
    for number, values in enumerate(rows_of_sheet, start=2):
        if deadline is not None and time.monotonic() > deadline:
            book.close()
            return import_refuse(job=job, code="too_slow")
        if not any(_text(v) for v in values):
            continue
        read += 1
        if read > MAX_ROWS:
            book.close()
            return import_refuse(job=job, code="too_many_rows")
        clean, row_errors = _check_row(values, today)
        person = (clean["last_name"].lower(), clean["first_name"].lower(), clean["birth_date"])
        if not row_errors and person in existing_people:
            listed.add(person)
            continue  # imported before: sending the same list twice adds nobody twice
        if not row_errors and person in seen_people:
            row_errors.append(("last_name", "duplicate_row", {}))
        seen_people.add(person)
        if clean["iin"]:
            if clean["iin"] in seen_iins:
                row_errors.append(("iin", "iin_twice", {"row": seen_iins[clean["iin"]]}))
            seen_iins.setdefault(clean["iin"], number)
        for column, code, params in row_errors:
            if len(errors) < MAX_ERRORS_KEPT:
                errors.append({"row": number, "column": column, "code": code, "params": params})
        if not row_errors:
            rows.append(clean)
    book.close()
    if seen_iins:
        taken = set(Participant.objects.filter(iin__in=list(seen_iins)).values_list("iin", flat=True))
        for iin in sorted(taken):
            errors.append({"row": seen_iins[iin], "column": "iin", "code": "iin_taken", "params": {}})
    job.rows = read
    if errors:
        job.status, job.errors, job.imported = job.Status.FAILED, errors[:MAX_ERRORS_KEPT], 0
    else:
        job.imported = _save_rows(region=region, rows=rows, recorded_by=job.created_by, job=job, listed=listed)
        job.status, job.errors = job.Status.DONE, []
    job.finished_at = timezone.now()
    job.save(update_fields=["rows", "status", "errors", "imported", "finished_at"])
    return job


def _save_rows(*, region, rows, recorded_by, job=None, listed=()):
    from .models import RegionalParticipant

    language, text = consent_text("ru")
    with transaction.atomic():
        # Two imports of one region run one after the other; the second skips whom the first added.
        Region.objects.select_for_update().get(pk=region.pk)
        existing = {
            (last.lower(), first.lower(), born)
            for last, first, born in Participant.objects.filter(region=region).values_list(
                "last_name", "first_name", "birth_date"
            )
        }
        rows = [r for r in rows if (r["last_name"].lower(), r["first_name"].lower(), r["birth_date"]) not in existing]
        schools = {s.name.lower(): s for s in School.objects.filter(region=region)}
        new_names = {r["school"] for r in rows if r["school"].lower() not in schools}
        # Typed by hand in a list: offered to everyone in the school picker only once an organizer approves them.
        School.objects.bulk_create(
            [School(region=region, name=name, approved=False) for name in sorted(new_names)], ignore_conflicts=True
        )
        schools = {s.name.lower(): s for s in School.objects.filter(region=region)}
        participants = Participant.objects.bulk_create(
            [
                Participant(
                    last_name=r["last_name"],
                    first_name=r["first_name"],
                    patronymic=r["patronymic"],
                    birth_date=r["birth_date"],
                    iin=r["iin"],
                    region=region,
                    school=schools[r["school"].lower()],
                    grade=r["grade"],
                    created_by=recorded_by,
                )
                for r in rows
            ],
            batch_size=2000,
        )
        covers = {key: text[key] for key, _label in CONSENT_ITEMS}
        Consent.objects.bulk_create(
            [
                Consent(
                    participant=p,
                    given_by_name=r["guardian"],
                    relation=r["relation"],
                    given_by_phone=r["guardian_phone"],
                    recorded_by=recorded_by,
                    text_version=CONSENT_TEXT_VERSION,
                    language=language,
                    **covers,
                )
                for p, r in zip(participants, rows, strict=True)
            ],
            batch_size=2000,
        )
        if job is not None and job.edition_id:
            # Everyone on the list took part in this edition's regional stage, new or known from before.
            wanted = set(listed) | {(r["last_name"].lower(), r["first_name"].lower(), r["birth_date"]) for r in rows}
            ids = [
                pk
                for pk, last, first, born in Participant.objects.filter(region=region).values_list(
                    "pk", "last_name", "first_name", "birth_date"
                )
                if (last.lower(), first.lower(), born) in wanted
            ]
            RegionalParticipant.objects.bulk_create(
                [RegionalParticipant(edition_id=job.edition_id, participant_id=pk, job=job) for pk in ids],
                batch_size=5000,
                ignore_conflicts=True,
            )
    return len(participants)


def import_error_message(error):
    code, params = error["code"], error.get("params", {})
    if code.startswith("iin_") and code[4:] in IIN_ERRORS:
        return str(IIN_ERRORS[code[4:]])
    messages = {
        "required": _("Fill this cell in."),
        "date": _("Write the date as DD.MM.YYYY, for example 01.04.2013."),
        "age": _("Participants are school students aged %(min)s to %(max)s; this date of birth gives %(age)s.")
        % {"min": MIN_PARTICIPANT_AGE, "max": MAX_PARTICIPANT_AGE, "age": params.get("age")},
        "iin_birth_date": _("The IIN does not match the date of birth."),
        "iin_twice": _("The same IIN is in row %(row)s.") % {"row": params.get("row")},
        "iin_taken": _("A participant with this IIN is already registered."),
        "grade": _("The grade is a number from 1 to 12."),
        "relation": _("Write mother, father, guardian or self."),
        "minor_self": _("A participant under 18 needs the consent of a parent or guardian."),
        "duplicate_row": _("This person is already in the file above."),
        "unreadable": _("The file cannot be read as a table. Open it in Excel, save it as .xlsx and send it again."),
        "not_xlsx": _("This is not an .xlsx file. Save the table as .xlsx and send it again."),
        "too_large": _(
            "This file unpacks to more than %(size)s MB, far more than a list of participants takes. "
            "Send only the list, one child per row."
        )
        % {"size": MAX_UNPACKED // (1024 * 1024)},
        "packed": _(
            "This file is not packed the way Excel saves a table. Open it in Excel, save it as .xlsx and send it again."
        ),
        "too_many_rows": _(
            "The list has more than %(max)s rows. Split it into files of at most %(max)s rows and send them one by one."
        )
        % {"max": MAX_ROWS},
        "too_slow": _(
            "Checking the file took too long and was stopped; nothing is imported. Split the list into smaller "
            "files and send them one by one."
        ),
        "not_processed": _("The file was not checked in time; nothing is imported. Send it again."),
        "error": _(
            "The file could not be checked because of an error on the server; nothing is imported. Send it again later."
        ),
    }
    return messages.get(code, _("This value is not correct."))


def column_label(key):
    return str(dict((k, label) for k, label, _r in COLUMNS).get(key, key))


def _cells(values):
    """Values people typed, written so that a spreadsheet shows them and never runs one as a formula."""
    return ["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v for v in values]


def participants_workbook(*, region):
    """All participants of a region with their consent state, for the coordinator's records."""
    from festival.selectors import with_consent_flag

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Participants"))
    sheet.append([str(label) for _k, label, _r in COLUMNS[:7]] + [_("Supervisor"), _("Consent")])
    people = with_consent_flag(
        Participant.objects.filter(region=region)
        .select_related("school", "supervisor")
        .order_by("last_name", "first_name")
    )
    for p in people.iterator(chunk_size=2000):
        sheet.append(
            _cells(
                [
                    p.last_name,
                    p.first_name,
                    p.patronymic,
                    p.birth_date.strftime("%d.%m.%Y"),
                    p.iin or "",
                    p.school_display,
                    p.grade or "",
                    p.supervisor.get_full_name() if p.supervisor else "",
                    _("given") if p.has_consent else _("withdrawn"),
                ]
            )
        )
    return book


def entries_workbook(*, edition, region):
    from .models import Entry

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Films"))
    sheet.append(
        [_("Title"), _("Nomination"), _("State"), _("Authors"), _("School"), _("Sent"), _("Duration, s"), "SHA-256"]
    )
    entries = (
        Entry.objects.filter(edition=edition, region=region)
        .exclude(state=Entry.State.DRAFT)
        .select_related("nomination", "school")
        .prefetch_related("authors__participant", "films")
        .order_by("nomination__order", "title")
    )
    for e in entries:
        film = e.film
        sheet.append(
            _cells(
                [
                    e.title,
                    e.nomination.name,
                    e.get_state_display(),
                    ", ".join(f"{a.participant.full_name} ({a.get_role_display()})" for a in e.authors.all()),
                    e.school_display,
                    timezone.localtime(e.submitted_at).strftime("%d.%m.%Y %H:%M") if e.submitted_at else "",
                    round(film.duration) if film and film.duration else "",
                    film.sha256 if film else "",
                ]
            )
        )
    return book
