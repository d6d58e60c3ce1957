"""A realistic edition for the load test, written in bulk: 20 regions with their schools, students with a
parent's consent and their own entries, supervisors' teams, entries in every state with authors and films,
a coordinator per region, and a regional jury panel per region with assignments and scores.

Called by bench/load.py once Django is set up on a throw-away database; returns the accounts the simulated
users sign in with.
"""

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

PASSWORD = "load-test-2026"

LAST_NAMES = [
    "Әбілқайырова", "Жұмабеков", "Қоңырбаева", "Өмірзақов", "Ұлықбекова", "Үмбетов", "Іңкәрова", "Сейітов",
    "Нұрланова", "Ахметов", "Иванова", "Петров", "Ким", "Омаров", "Тоқтарова", "Бекмұхамедов",
]  # fmt: skip
FIRST_NAMES = ["Гүлназ", "Нұрсұлтан", "Айгерім", "Ерасыл", "Әсел", "Ақжол", "Іңкәр", "Дәулет", "Мария", "Артём"]
WORDS = [
    "Дала", "әуені", "Менің", "мектебім", "Тау", "жұлдызы", "Первый", "снег", "Ветер", "степи", "Балалық",
    "шақ", "Атамның", "әңгімесі", "Жаңа", "күн", "Город", "мечты", "Пластилин", "әлемі", "Река", "времени",
]  # fmt: skip
# Share of the entries in each state, as in the middle of the regional stage.
STATES = [
    ("draft", 18),
    ("submitted", 30),
    ("accepted", 36),
    ("returned", 6),
    ("regional_finalist", 3),
    ("withdrawn", 7),
]


def build(*, entries=5000, student_accounts=2000, schools_per_region=10, jurors_per_region=3, seed=2026):
    """Write the edition; return {"students": [...], "coordinators": [...], "jurors": [...], "password": …}."""
    from festival.consent import CONSENT_ITEMS, CONSENT_TEXT_VERSION, consent_text
    from festival.models import Consent, Participant, Region, RoleGrant, School, User
    from festival.services import edition_create
    from judging.models import Assignment, Panel, PanelMember, Score, ScoreItem
    from judging.services import criteria_default_create
    from organizing.demo import demo_phases
    from submissions.models import Entry, EntryAuthor, Film

    rng = random.Random(seed)
    now = timezone.now()
    edition = edition_create(
        year=now.year,
        title_kk="Әлемдегі шекарасыз Қазақстан балалары!",
        title_ru="Дети Казахстана в мире без границ!",
        title_en="Children of Kazakhstan in a World without Borders!",
        phases=demo_phases(timezone.localtime()),  # the regional stage: films are being sent and reviewed
        make_current=True,
    )
    criteria_default_create(edition=edition)
    criteria = list(edition.criteria.all())
    nominations = list(edition.nominations.all())
    age_groups = list(edition.age_groups.all())
    regions = list(Region.objects.all())
    schools = School.objects.bulk_create(
        School(region=region, name=f"№{n} жалпы білім беретін мектеп · Школа №{n}", locality=region.name_ru)
        for region in regions
        for n in range(1, schools_per_region + 1)
    )
    schools_of = {region.pk: [s for s in schools if s.region_id == region.pk] for region in regions}
    # One hash for every account: hashing is the slow part of creating users, and the test signs in, not them.
    password = make_password(PASSWORD)
    confirmed = now - datetime.timedelta(days=20)

    def person(i):
        return LAST_NAMES[i % len(LAST_NAMES)], FIRST_NAMES[(i // len(LAST_NAMES)) % len(FIRST_NAMES)]

    def user(email, kind, i, **fields):
        last, first = person(i)
        return User(
            email=email,
            password=password,
            kind=kind,
            last_name=last,
            first_name=first,
            email_confirmed_at=confirmed,
            language=rng.choice(["kk", "ru"]),
            **fields,
        )

    # Students with an account, each with a participant record and a parent's consent.
    students = User.objects.bulk_create(
        user(
            f"student{i}@load.kz",
            User.Kind.STUDENT,
            i,
            birth_date=datetime.date(now.year - rng.randint(8, 17), rng.randint(1, 12), rng.randint(1, 28)),
        )
        for i in range(student_accounts)
    )
    student_region = {s.pk: regions[i % len(regions)] for i, s in enumerate(students)}
    own = Participant.objects.bulk_create(
        Participant(
            user=s,
            last_name=s.last_name,
            first_name=s.first_name,
            birth_date=s.birth_date,
            region=student_region[s.pk],
            school=rng.choice(schools_of[student_region[s.pk].pk]),
            grade=min(11, max(1, now.year - s.birth_date.year - 6)),
            created_by=s,
        )
        for s in students
    )
    # Supervisors (teachers), five per region, each with a team registered on the children's behalf.
    supervisors = User.objects.bulk_create(
        user(
            f"supervisor{i}@load.kz",
            User.Kind.SUPERVISOR,
            i,
            region=regions[i % len(regions)],
            school=rng.choice(schools_of[regions[i % len(regions)].pk]),
        )
        for i in range(5 * len(regions))
    )
    team = Participant.objects.bulk_create(
        Participant(
            last_name=person(i)[0],
            first_name=person(i + 7)[1],
            birth_date=datetime.date(now.year - rng.randint(8, 17), rng.randint(1, 12), rng.randint(1, 28)),
            region=supervisor.region,
            school=supervisor.school,
            grade=rng.randint(2, 11),
            supervisor=supervisor,
            created_by=supervisor,
        )
        for i, supervisor in enumerate(s for s in supervisors for _ in range(15))
    )
    teams = {s.pk: [p for p in team if p.supervisor_id == s.pk] for s in supervisors}
    for language in ("kk", "ru"):
        _language, text = consent_text(language)
        Consent.objects.bulk_create(
            (
                Consent(
                    participant=p,
                    given_by_name=f"{p.last_name} {FIRST_NAMES[p.pk % len(FIRST_NAMES)]}",
                    relation=rng.choice(["mother", "father", "guardian"]),
                    given_by_phone="+7 701 000 00 00",
                    text_version=CONSENT_TEXT_VERSION,
                    language=language,
                    recorded_by_id=p.created_by_id,
                    **{key: text[key] for key, _label in CONSENT_ITEMS},
                )
                for p in [*own, *team]
                if (p.pk % 2 == 0) == (language == "kk")
            ),
            batch_size=2000,
        )

    # Entries: one of each student with an account, the rest by the teams.
    states = [state for state, share in STATES for _ in range(share)]
    own_by_region = {region.pk: [p for p in own if p.region_id == region.pk] for region in regions}
    rows, authors, supervised = [], [], []
    for i in range(entries):
        state = rng.choice(states)
        if i < len(own):
            creator, me = students[i], own[i]
            region, school = me.region, me.school
            crew = [(me, "director")]
            if rng.random() < 0.3:
                crew.append((rng.choice(own_by_region[region.pk]), "camera"))
            supervisor = None
        else:
            supervisor = supervisors[i % len(supervisors)]
            creator, region, school = supervisor, supervisor.region, supervisor.school
            members = rng.sample(teams[supervisor.pk], rng.randint(1, 4))
            crew = [(members[0], "director")] + [(m, rng.choice(["camera", "editing", "acting"])) for m in members[1:]]
        title = " ".join(rng.sample(WORDS, rng.randint(2, 4)))
        rows.append(
            Entry(
                edition=edition,
                nomination=rng.choice(nominations),
                age_group=rng.choice(age_groups),
                title=title[:1].upper() + title[1:],
                synopsis="Фильм о нашем городе и людях, которые в нём живут. " * rng.randint(1, 4),
                language=rng.choice(["kk", "ru", "kk", "ru", "other"]),
                region=region,
                school=school,
                state=state,
                return_reason="Нет титров с именами авторов." if state == "returned" else "",
                created_by=creator,
                submitted_at=None if state == "draft" else now - datetime.timedelta(hours=rng.randint(1, 400)),
            )
        )
        authors.append(crew)
        supervised.append(supervisor)
    rows = Entry.objects.bulk_create(rows, batch_size=2000)
    EntryAuthor.objects.bulk_create(
        (
            EntryAuthor(entry=entry, participant=participant, role=role)
            for entry, crew in zip(rows, authors, strict=True)
            for participant, role in dict(((p.pk, r), (p, r)) for p, r in crew).values()
        ),
        batch_size=5000,
    )
    Entry.supervisors.through.objects.bulk_create(
        Entry.supervisors.through(entry_id=entry.pk, user_id=supervisor.pk)
        for entry, supervisor in zip(rows, supervised, strict=True)
        if supervisor is not None
    )
    Film.objects.bulk_create(
        (
            Film(
                entry=entry,
                file=f"films/{entry.pk}/film.mp4",
                size=rng.randint(20, 900) * 1024 * 1024,
                original_name="film.mp4",
                sha256=f"{entry.pk:064x}",
                status=Film.Status.OK,
                container="mov,mp4,m4a,3gp,3g2,mj2",
                video_codec="h264",
                audio_codec="aac",
                duration=rng.randint(60, 900),
                width=1920,
                height=1080,
                poster=f"films/{entry.pk}/poster.jpg",
                preview=f"films/{entry.pk}/preview.mp4",
                checked_at=now,
            )
            for entry in rows
            if entry.state != "draft" or rng.random() < 0.4
        ),
        batch_size=2000,
    )

    # Staff: a coordinator per region; a regional panel of three jurors per region scoring its accepted films.
    coordinators = User.objects.bulk_create(
        user(f"coordinator.{region.code}@load.kz", User.Kind.STAFF, i) for i, region in enumerate(regions)
    )
    jurors = User.objects.bulk_create(
        user(f"juror{i}@load.kz", User.Kind.STAFF, i) for i in range(jurors_per_region * len(regions))
    )
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=u, role="coordinator", region=r) for u, r in zip(coordinators, regions, strict=True)]
        + [RoleGrant(user=u, role="juror") for u in jurors]
    )
    jury = []
    deadline = now + datetime.timedelta(days=30)
    for index, region in enumerate(regions):
        members = jurors[index * jurors_per_region : (index + 1) * jurors_per_region]
        panel = Panel.objects.create(
            edition=edition,
            stage=Panel.Stage.REGIONAL,
            region=region,
            name_ru=f"Жюри · {region.name_ru}",
            deadline=deadline,
            chair=members[0],
            tie_break=[["chair"]],
        )
        panel.nominations.add(*nominations)
        PanelMember.objects.bulk_create(PanelMember(panel=panel, juror=j) for j in members)
        judged = [e for e in rows if e.region_id == region.pk and e.state in ("accepted", "regional_finalist")]
        assignments = Assignment.objects.bulk_create(
            Assignment(panel=panel, juror=j, entry=e) for e in judged for j in members
        )
        # About half scored so far: most submitted, some drafts.
        scored = [a for a in assignments if rng.random() < 0.5]
        scores = Score.objects.bulk_create(
            Score(assignment=a, status=status, version=1, submitted_at=now if status == "submitted" else None)
            for a, status in ((a, "submitted" if rng.random() < 0.8 else "draft") for a in scored)
        )
        ScoreItem.objects.bulk_create(
            (ScoreItem(score=s, criterion=c, value=rng.randint(3, 10)) for s in scores for c in criteria),
            batch_size=5000,
        )
        for juror in members:
            jury.append(
                {
                    "email": juror.email,
                    "panel": panel.pk,
                    "assignments": [a.pk for a in assignments if a.juror_id == juror.pk],
                }
            )

    drafts = {e.created_by_id: e.pk for e in rows if e.state == "draft" and e.created_by.kind == User.Kind.STUDENT}
    return {
        "password": PASSWORD,
        "students": [{"email": s.email, "entry": drafts[s.pk]} for s in students if s.pk in drafts],
        "coordinators": [{"email": u.email, "region": r.code} for u, r in zip(coordinators, regions, strict=True)],
        "jurors": jury,
        "nominations": [n.pk for n in nominations],
        "states": [state for state, _share in STATES if state != "draft"],
        "counts": {
            "entries": len(rows),
            "student_accounts": len(students),
            "participants": len(own) + len(team),
            "supervisors": len(supervisors),
            "schools": len(schools),
            "films": Film.objects.count(),
            "assignments": Assignment.objects.count(),
            "coordinators": len(coordinators),
            "jurors": len(jurors),
        },
    }
