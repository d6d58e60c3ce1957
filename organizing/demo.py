"""The demo that scripts/run loads: the whole festival in one sitting, with work waiting for every printed login.

`demo_load` makes the edition (six contiguous phases, films being sent now), schools in every region, the
accounts, the children with their parents' consent and the jury's seven criteria. `demo_entries_load` makes the
films: clips of a few seconds made by ffmpeg, uploaded, checked (poster frame and jury preview) and sent by
their teachers; Astana's coordinator has accepted some and returned one, and has others to review; Astana's
regional panel (the demo juror) has its films to score; Shymkent and Karaganda have sent their finalists to
the republican stage, where two jurors have scored them, so that the organizer can give places and lock.

Everything goes through the services, as a person would do it. Both functions are idempotent: a second run
adds nothing, and a run stopped half-way is completed by the next.
"""

import contextlib
import dataclasses
import datetime
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from festival import services as festival_services
from festival.models import Edition, Participant, Phase, Region, RoleGrant, School, User
from festival.phases import phase_allows
from judging import services as jury
from judging.models import Assignment, Panel, PanelMember
from judging.selectors import criteria_for
from submissions import services as entries
from submissions.checks import film_check
from submissions.models import Entry, EntryAuthor, Film, RegionSignoff
from submissions.storage import upload_path

DEMO_PASSWORD = "festival-demo-2026"

# ---------------------------------------------------------------- the calendar

# The phases in their order and their length in days: each starts when the one before ends.
PHASE_DAYS = [
    (Phase.Kind.REGISTRATION, 10),
    (Phase.Kind.REGIONAL_SUBMISSION, 30),
    (Phase.Kind.REGIONAL_JUDGING, 15),
    (Phase.Kind.FINALIST_SIGNOFF, 5),
    (Phase.Kind.REPUBLICAN_JUDGING, 15),
    (Phase.Kind.RESULTS, 45),
]
# The open phase began this many days ago, at 09:00 Astana time.
OPEN_SINCE_DAYS = 2


def demo_phases(now, open_kind=Phase.Kind.REGIONAL_SUBMISSION):
    """Contiguous phases in which `open_kind` is open at `now` (by default the regional submission of films,
    when registration, sending films and the coordinators' review are all allowed): {kind: (starts, ends)}."""
    day = datetime.timedelta(days=1)
    start = now.replace(hour=9, minute=0, second=0, microsecond=0) - OPEN_SINCE_DAYS * day
    for kind, days in PHASE_DAYS:
        if kind == open_kind:
            break
        start -= days * day
    phases = {}
    for kind, days in PHASE_DAYS:
        phases[kind] = (start, start + days * day)
        start += days * day
    return phases


@contextlib.contextmanager
def _phase_opened(edition, kind):
    """Inside one transaction, the edition's calendar as if phase `kind` were open now; as it was afterwards.

    The demo plays a stage that comes after its own (two regions' finalists signed off) through the same
    services, which check the phase: nobody else sees the calendar moved."""
    with transaction.atomic():
        before = list(Phase.objects.select_for_update().filter(edition=edition))
        for phase_kind, (starts_at, ends_at) in demo_phases(timezone.localtime(), kind).items():
            Phase.objects.filter(edition=edition, kind=phase_kind).update(starts_at=starts_at, ends_at=ends_at)
        yield
        Phase.objects.bulk_update(before, ["starts_at", "ends_at"])


# ---------------------------------------------------------------- people


@dataclasses.dataclass(frozen=True)
class Account:
    email: str
    kind: str
    last_name: str
    first_name: str
    role: str = ""
    region: str = ""  # the coordinator's region, or the teacher's
    # What to do first, and on which page (a URL name): printed by load_demo beside the login.
    todo: str = ""
    page: str = ""
    page_args: tuple = ()
    # A teacher whose films are part of the scenery: no password, not printed.
    login: bool = True


ORGANIZER = "organizer@demo.kz"
ASTANA_COORDINATOR = "coordinator.astana@demo.kz"
ALMATY_COORDINATOR = "coordinator.almaty@demo.kz"
JUROR = "juror@demo.kz"
JURY_CHAIR = "jury.chair@demo.kz"
JURY_MEMBER = "jury.member@demo.kz"
SUPERVISOR = "supervisor@demo.kz"
STUDENT = "student@demo.kz"

STAFF, SUPERVISING, STUDYING = User.Kind.STAFF, User.Kind.SUPERVISOR, User.Kind.STUDENT
ACCOUNTS = [
    Account(
        ORGANIZER, STAFF, "Сейітова", "Айгүл", RoleGrant.Role.ORGANIZER,
        todo="give the republican finalists their places and lock the results; then issue the documents",
        page="judging:organizer_results",
    ),
    Account(
        ASTANA_COORDINATOR, STAFF, "Омаров", "Ерлан", RoleGrant.Role.COORDINATOR, "astana",
        todo="review Astana's films: accept or return the two that were sent",
        page="submissions:region_entries", page_args=("astana",),
    ),
    Account(
        ALMATY_COORDINATOR, STAFF, "Ким", "Марина", RoleGrant.Role.COORDINATOR, "almaty-city",
        todo="review the film sent in Almaty: accept it or return it with a reason",
        page="submissions:region_entries", page_args=("almaty-city",),
    ),
    Account(
        JUROR, STAFF, "Жұмабаев", "Асқар", RoleGrant.Role.JUROR,
        todo="score the films of Astana's regional panel: watch, score, «submit and next»",
        page="judging:home",
    ),
    Account(
        JURY_CHAIR, STAFF, "Әбілова", "Гаухар", RoleGrant.Role.JUROR,
        todo="chair of the republican jury, all scored: the ranking and the PDF protocol of the panel",
        page="judging:home",
    ),
    Account(
        JURY_MEMBER, STAFF, "Морозов", "Игорь", RoleGrant.Role.JUROR,
        todo="republican juror, all scored: scores change in the republican judging phase, until results are locked",
        page="judging:home",
    ),
    Account(
        SUPERVISOR, SUPERVISING, "Иванова", "Елена", region="astana",
        todo="the coordinator returned «Бір күн» with a reason: fix it and send it again",
        page="submissions:mine",
    ),
    Account(
        STUDENT, STUDYING, "Нұрланов", "Дәулет",
        todo="upload a film to the draft «Пластилин әлемі», watch it once checked, send it to the coordinator",
        page="submissions:mine",
    ),
    Account("teacher.almaty@demo.kz", SUPERVISING, "Сергеева", "Ольга", region="almaty-city", login=False),
    Account("teacher.shymkent@demo.kz", SUPERVISING, "Тұрсынов", "Бауыржан", region="shymkent", login=False),
    Account("teacher.karaganda@demo.kz", SUPERVISING, "Кузнецова", "Анна", region="karaganda", login=False),
]  # fmt: skip

# The children each teacher registered (with a parent's consent): last name, first name, age, parent, relation.
TEAMS = {
    SUPERVISOR: [
        ("Ахметова", "Алия", 12, "Ахметова Гүлмира", "mother"),
        ("Петров", "Максим", 14, "Петров Андрей", "father"),
        ("Сейтқали", "Әлихан", 13, "Сейтқали Нұржан", "father"),
        ("Ли", "Виктория", 11, "Ли Светлана", "mother"),
        ("Бекова", "Томирис", 15, "Бекова Әсел", "mother"),
    ],
    "teacher.almaty@demo.kz": [("Гончаренко", "Даниил", 13, "Гончаренко Ирина", "mother")],
    "teacher.shymkent@demo.kz": [
        ("Әбдірахман", "Жансая", 14, "Әбдірахман Гүлнар", "mother"),
        ("Исмаилов", "Тимур", 15, "Исмаилов Рустам", "father"),
    ],
    "teacher.karaganda@demo.kz": [("Васильева", "Полина", 13, "Васильева Наталья", "mother")],
}


def _consent(name, relation):
    return {"given_by_name": name, "relation": relation, "given_by_phone": "+7 701 000 00 00"}


@transaction.atomic
def demo_load():
    """The edition, schools, accounts, children and criteria. Returns the edition. Idempotent."""
    now = timezone.localtime()
    if not Edition.objects.filter(year=now.year).exists():
        festival_services.edition_create(
            year=now.year,
            title_kk="Әлемдегі шекарасыз Қазақстан балалары!",
            title_ru="Дети Казахстана в мире без границ!",
            title_en="Children of Kazakhstan in a World without Borders!",
            phases=demo_phases(now),
            make_current=True,
        )
    edition = Edition.objects.current()
    jury.criteria_default_create(edition=edition)
    for region in Region.objects.all():
        for number in (1, 2, 3):
            School.objects.get_or_create(region=region, name=f"№{number} мектеп-лицей · Школа-лицей №{number}")

    for account in ACCOUNTS:
        region = Region.objects.get(code=account.region) if account.region else None
        teaching = account.kind == SUPERVISING
        if not User.objects.filter(email=account.email).exists():
            school = School.objects.filter(region=region).order_by("name").first() if teaching else None
            User.objects.create_user(
                email=account.email,
                # None: an account that cannot sign in (a teacher of another region, part of the scenery).
                password=DEMO_PASSWORD if account.login else None,
                kind=account.kind,
                last_name=account.last_name,
                first_name=account.first_name,
                email_confirmed_at=timezone.now(),
                birth_date=datetime.date(now.year - 13, 5, 12) if account.kind == STUDYING else None,
                region=region if teaching else None,
                school=school,
            )
        if account.role:
            user = User.objects.get(email=account.email)
            festival_services.role_grant(user=user, role=account.role, region=region)

    astana = Region.objects.get(code="astana")
    student = User.objects.get(email=STUDENT)
    if not Participant.objects.filter(user=student).exists():
        festival_services.participant_register(
            recorded_by=student,
            user=student,
            language="kk",
            identity={
                "last_name": student.last_name,
                "first_name": student.first_name,
                "patronymic": "",
                "birth_date": student.birth_date,
            },
            profile={
                "region": astana,
                "school": School.objects.filter(region=astana).order_by("name").first(),
                "school_other": "",
                "grade": 7,
                "iin": None,
            },
            consent=_consent("Нұрланова Сәуле", "mother"),
        )
    for email, team in TEAMS.items():
        teacher = User.objects.get(email=email)
        for last, first, years, parent, relation in team:
            if Participant.objects.filter(supervisor=teacher, last_name=last, first_name=first).exists():
                continue
            festival_services.participant_register(
                recorded_by=teacher,
                supervisor=teacher,
                language="ru",
                identity={
                    "last_name": last,
                    "first_name": first,
                    "patronymic": "",
                    "birth_date": datetime.date(now.year - years, 3, 1),
                },
                profile={
                    "region": teacher.region,
                    "school": teacher.school,
                    "school_other": "",
                    "grade": years - 5,
                    "iin": None,
                },
                consent=_consent(parent, relation),
            )
    return edition


def demo_logins():
    """The accounts that sign in, as load_demo prints them."""
    return [account for account in ACCOUNTS if account.login]


# ---------------------------------------------------------------- films


@dataclasses.dataclass(frozen=True)
class DemoFilm:
    title: str
    nomination: str
    language: str
    teacher: str
    # The children of the teacher's team in the film (last names) with their part, the director first.
    authors: tuple
    # ffmpeg's test pattern (a lavfi source) and the pitch of the sine tone under it.
    pattern: str
    tone: int
    # Where the demo leaves the entry: submitted, accepted, returned, or finalist (republican stage).
    outcome: str
    synopsis: str = ""
    # A finalist's points from the republican jurors (out of 10, varied per criterion and juror).
    points: int = 0


SUBMITTED, ACCEPTED, RETURNED, FINALIST = "submitted", "accepted", "returned", "finalist"
RETURN_REASON = "В титрах нет имён авторов. Добавьте их в конце фильма и отправьте фильм снова."
D, C, E = EntryAuthor.Role.DIRECTOR, EntryAuthor.Role.CAMERA, EntryAuthor.Role.EDITING

FILMS = [
    # Astana, supervisor@demo.kz's team: accepted for the regional panel, sent, returned.
    DemoFilm("Мектеп жаңалықтары", "tv-story", "ru", SUPERVISOR, (("Петров", D), ("Ахметова", C)), "testsrc2", 330,
             ACCEPTED, "Новости нашей школы за неделю."),
    DemoFilm("Жұлдыздар қайдан келеді?", "science", "kk", SUPERVISOR, (("Сейтқали", D),), "mandelbrot", 523,
             ACCEPTED, "Ғаламның пайда болуы туралы қысқа ғылыми фильм."),
    DemoFilm("Су — өмір", "social", "kk", SUPERVISOR, (("Ли", D), ("Бекова", E)), "smptebars", 587,
             SUBMITTED, "Ауылдағы таза су мәселесі туралы."),
    DemoFilm("Бабушкин сад", "best-film", "ru", SUPERVISOR, (("Петров", D), ("Ли", C)), "pal75bars", 262,
             SUBMITTED, "Лето у бабушки: сад, яблоки и первая камера."),
    DemoFilm("Бір күн", "feature", "kk", SUPERVISOR, (("Сейтқали", D), ("Ахметова", C)), "cellauto", 392,
             RETURNED, "Бір оқушының бір күні."),
    # Almaty: one film for its coordinator to review.
    DemoFilm("Голос гор", "feature", "ru", "teacher.almaty@demo.kz", (("Гончаренко", D),), "yuvtestsrc", 349,
             SUBMITTED, "Мальчик поднимается в горы за голосом эха."),
    # Shymkent and Karaganda: finalists signed off to the republican stage, scored by the republican jury.
    DemoFilm("Ақ бата", "best-film", "kk", "teacher.shymkent@demo.kz", (("Әбдірахман", D), ("Исмаилов", C)),
             "smptehdbars", 294, FINALIST, "Атаның батасы туралы фильм.", points=9),
    DemoFilm("Базар күні", "feature", "kk", "teacher.shymkent@demo.kz", (("Исмаилов", D),), "testsrc", 466,
             FINALIST, "Шымкент базарындағы бір күн.", points=8),
    DemoFilm("Город угля", "feature", "ru", "teacher.karaganda@demo.kz", (("Васильева", D),), "testsrc2,hue=h=140",
             370, FINALIST, "Карагандинские шахтёры глазами внучки.", points=7),
]  # fmt: skip

# The republican panel's name in Kazakh, Russian and English (a regional one is named after its region).
REPUBLICAN_PANEL = ("Республикалық қазылар алқасы", "Республиканское жюри", "Republican jury")

CLIP_SECONDS = 3
CLIP_SIZE = "426x240"


def _clip_command(film, path):
    # A fixed command line, no user input: ffmpeg's test pattern and a tone become the film.
    source, _sep, filters = film.pattern.partition(",")
    return [
        "ffmpeg", "-nostdin", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"{source}=size={CLIP_SIZE}:rate=25",
        "-f", "lavfi", "-i", f"sine=frequency={film.tone}:sample_rate=44100",
        *(["-vf", filters] if filters else []),
        "-t", str(CLIP_SECONDS), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", str(path),
    ]  # fmt: skip


def _clips_make(films, folder):
    """The films' clips, made side by side (a fraction of a second each): {title: path}."""
    paths = {film.title: Path(folder) / f"demo-{index}.mp4" for index, film in enumerate(films)}
    running = [
        (film, subprocess.Popen(_clip_command(film, paths[film.title]), stdin=subprocess.DEVNULL))  # noqa: S603
        for film in films
    ]
    for film, process in running:
        if process.wait(timeout=120) != 0:
            raise RuntimeError(f"ffmpeg could not make the demo clip of «{film.title}»")
    return paths


def _has_checked_film(entry):
    return Film.objects.filter(entry=entry, status=Film.Status.OK).exists()


@dataclasses.dataclass
class EntriesReport:
    made: int = 0
    seconds: float = 0.0
    no_ffmpeg: bool = False
    wrong_phase: bool = False


def demo_entries_load():
    """The student's draft, the teachers' films, the panels, their assignments and the republican scores.
    Idempotent. Returns an EntriesReport (how many films were made; why none could be)."""
    report = EntriesReport()
    edition = Edition.objects.current()
    users = {user.email: user for user in User.objects.filter(email__in=[a.email for a in ACCOUNTS])}
    organizer = users[ORGANIZER]
    _student_draft(edition, users[STUDENT])

    made = {}
    for film in FILMS:
        entry = Entry.objects.filter(edition=edition, created_by=users[film.teacher], title=film.title).first()
        if entry is not None:
            made[film.title] = entry
    to_film = [film for film in FILMS if film.title not in made or not _has_checked_film(made[film.title])]
    if to_film and shutil.which("ffmpeg") is None:
        report.no_ffmpeg, to_film = True, []
    if to_film and not phase_allows(edition, "submit_entry"):
        report.wrong_phase, to_film = True, []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="festival-demo-") as folder:
        clips = _clips_make(to_film, folder)
        uploaded = []
        for film in to_film:
            made[film.title], film_id = _entry_with_upload(edition, film, users[film.teacher], clips[film.title])
            uploaded.append(film_id)
    _films_check([pk for pk in uploaded if pk is not None])
    report.made = len(to_film)
    report.seconds = time.monotonic() - started

    # The reviews are the demo's only for the films it made now: on a later run, what people did since stays.
    for film in to_film:
        _entry_review(film, made[film.title], users, organizer)
    finalists = {made[film.title]: film.points for film in to_film if film.outcome == FINALIST}
    _finalists_sign_off(edition, list(finalists), organizer)
    if to_film:
        _panels(edition, users, finalists)
    return report


def _panels(edition, users, finalists):
    """Astana's regional panel (the demo juror) with its films, and the republican panel (two jurors) with the
    finalists scored (`finalists`: {entry: points}). Each made once, with its members and assignments in the
    same transaction: a panel that exists is the organizers' from then on."""
    organizer = users[ORGANIZER]
    astana = Region.objects.get(code="astana")
    with transaction.atomic():
        regional, created = _panel(
            edition,
            stage=Panel.Stage.REGIONAL,
            region=astana,
            names=(
                f"{astana.name_kk}: өңірлік қазылар алқасы",
                f"Региональное жюри: {astana.name_ru}",
                f"Regional jury: {astana.name_en}",
            ),
            deadline_phase=Phase.Kind.REGIONAL_JUDGING,
        )
        if created:
            jury.member_add(panel=regional, juror=users[JUROR], by=organizer)
            jury.assignments_build(panel=regional, by=organizer)
    with transaction.atomic():
        republican, created = _panel(
            edition,
            stage=Panel.Stage.REPUBLICAN,
            region=None,
            names=REPUBLICAN_PANEL,
            deadline_phase=Phase.Kind.REPUBLICAN_JUDGING,
        )
        if created:
            jury.member_add(panel=republican, juror=users[JURY_CHAIR], chair=True, by=organizer)
            jury.member_add(panel=republican, juror=users[JURY_MEMBER], by=organizer)
            jury.assignments_build(panel=republican, by=organizer)
            # Scores are given in the republican judging phase only: the demo plays it, as it plays the sign-off.
            with _phase_opened(edition, Phase.Kind.REPUBLICAN_JUDGING):
                _republican_scores(republican, {entry.pk: points for entry, points in finalists.items()})


def _student_draft(edition, student):
    """The demo student's draft, without a film: uploading one is the first thing to try."""
    if Entry.objects.filter(edition=edition, created_by=student).exists():
        return
    if not phase_allows(edition, "submit_entry"):
        return
    me = student.participant
    entries.entry_save(
        user=student,
        edition=edition,
        nomination=edition.nominations.get(code="stop-motion"),
        title="Пластилин әлемі",
        synopsis="",
        language="kk",
        age_group=None,
        region=me.region,
        school=me.school,
        school_other="",
        authors=[(me, EntryAuthor.Role.DIRECTOR)],
        supervisors=[],
    )


def _entry_with_upload(edition, film, teacher, clip):
    """The teacher's entry (made if missing) and its film uploaded from the clip: (entry, film id), the film
    id None when the entry could take no film."""
    entry = Entry.objects.filter(edition=edition, created_by=teacher, title=film.title).first()
    if entry is None:
        team = {p.last_name: p for p in teacher.supervised_participants.all()}
        entry = entries.entry_save(
            user=teacher,
            edition=edition,
            nomination=edition.nominations.get(code=film.nomination),
            title=film.title,
            synopsis=film.synopsis,
            language=film.language,
            age_group=None,
            region=teacher.region,
            school=teacher.school,
            school_other="",
            authors=[(team[last_name], role) for last_name, role in film.authors],
            supervisors=[teacher],
        )
    if entry.state not in (Entry.State.DRAFT, Entry.State.RETURNED):
        return entry, None
    name = f"{film.nomination}.mp4"
    upload = entries.upload_create(entry=entry, user=teacher, length=clip.stat().st_size, filename=name)
    shutil.copyfile(clip, upload_path(upload.pk))
    return entry, entries.upload_complete(upload=upload).pk


def _films_check(ids):
    """The check the worker runs on each film (poster frame, jury preview), run here, two or more at a time, so
    that the films can be sent at once. The worker gets the same checks queued and leaves a checked film as it
    is (submissions.checks.film_check)."""

    def check(pk):
        film_check(film=Film.objects.select_related("entry__nomination").get(pk=pk))

    def check_in_thread(pk):
        try:
            check(pk)
        finally:
            connection.close()  # the thread's own connection

    if connection.in_atomic_block:
        # Other connections would not see the films of this unfinished transaction: one at a time, here.
        for pk in ids:
            check(pk)
        return
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 1))) as pool:
        list(pool.map(check_in_thread, ids))


def _entry_review(film, entry, users, organizer):
    """Send the entry, and take the coordinator's decision the demo wants (the organizer's where the region
    has no demo coordinator)."""
    entry.refresh_from_db()
    if not _has_checked_film(entry):
        return
    if entry.state == Entry.State.DRAFT:
        entries.entry_submit(entry=entry, user=users[film.teacher])
    coordinator = {"astana": ASTANA_COORDINATOR, "almaty-city": ALMATY_COORDINATOR}.get(entry.region.code)
    reviewer = users[coordinator] if coordinator else organizer
    if entry.state == Entry.State.SUBMITTED and film.outcome in (ACCEPTED, FINALIST):
        entries.entry_accept(entry=entry, by=reviewer)
    elif entry.state == Entry.State.SUBMITTED and film.outcome == RETURNED:
        entries.entry_return(entry=entry, by=reviewer, reason=RETURN_REASON)


def _finalists_sign_off(edition, finalists, organizer):
    """Two regions' regional stage, played to its end: their accepted films picked as finalists and the lists
    signed off, so that the films are in the republican stage."""
    waiting = [entry for entry in finalists if entry.state == Entry.State.ACCEPTED]
    regions = {entry.region_id for entry in finalists}
    unsigned = regions - set(RegionSignoff.objects.filter(edition=edition).values_list("region_id", flat=True))
    if not waiting and not unsigned:
        return
    # Picking finalists is allowed in the sign-off phase too: one phase serves both steps.
    with _phase_opened(edition, Phase.Kind.FINALIST_SIGNOFF):
        for entry in waiting:
            entries.entry_set_finalist(entry=entry, by=organizer, finalist=True)
        for region in Region.objects.filter(pk__in=unsigned):
            entries.region_signoff(edition=edition, region=region, by=organizer)


def _panel(edition, *, stage, region, names, deadline_phase):
    """The demo's panel of the stage (and region), judging every nomination until its phase ends: (panel,
    whether it was made now)."""
    panel = Panel.objects.filter(edition=edition, stage=stage, region=region).order_by("pk").first()
    if panel is not None:
        return panel, False
    name_kk, name_ru, name_en = names
    panel = Panel.objects.create(
        edition=edition,
        stage=stage,
        region=region,
        name_kk=name_kk,
        name_ru=name_ru,
        name_en=name_en,
        deadline=edition.phases.get(kind=deadline_phase).ends_at,
    )
    panel.nominations.set(edition.nominations.all())
    return panel, True


def _republican_scores(panel, points):
    """The republican jurors' submitted scores: `points` per entry id, varied by criterion and juror."""
    jurors = sorted(PanelMember.objects.filter(panel=panel).values_list("juror_id", flat=True))
    assignments = Assignment.objects.filter(panel=panel, entry_id__in=points).select_related("panel", "entry", "juror")
    for assignment in assignments:
        criteria = criteria_for(edition=panel.edition_id, nomination=assignment.entry.nomination_id)
        offset = jurors.index(assignment.juror_id)
        values = {
            criterion.pk: max(0, min(criterion.maximum, points[assignment.entry_id] + (index + offset) % 3 - 1))
            for index, criterion in enumerate(criteria)
        }
        jury.score_save(
            assignment=assignment, values=values, notes={}, note="", submit=True, version=0, by=assignment.juror
        )
