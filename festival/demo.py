"""A demo edition with open registration, schools in every region and one account per role."""

import datetime

from django.db import transaction
from django.utils import timezone

from . import services
from .models import Edition, Participant, Phase, Region, RoleGrant, School, User

DEMO_PASSWORD = "festival-demo-2026"

DEMO_ACCOUNTS = [
    # email, kind, last name, first name, role, coordinator's region
    ("organizer@demo.kz", User.Kind.STAFF, "Сейітова", "Айгүл", RoleGrant.Role.ORGANIZER, None),
    ("coordinator.astana@demo.kz", User.Kind.STAFF, "Омаров", "Ерлан", RoleGrant.Role.COORDINATOR, "astana"),
    ("coordinator.almaty@demo.kz", User.Kind.STAFF, "Ким", "Марина", RoleGrant.Role.COORDINATOR, "almaty-city"),
    ("juror@demo.kz", User.Kind.STAFF, "Жұмабаев", "Асқар", RoleGrant.Role.JUROR, None),
    ("supervisor@demo.kz", User.Kind.SUPERVISOR, "Иванова", "Елена", None, None),
    ("student@demo.kz", User.Kind.STUDENT, "Нұрланов", "Дәулет", None, None),
]


def demo_phases(now):
    day = datetime.timedelta(days=1)
    start = now.replace(hour=9, minute=0, second=0, microsecond=0)
    return {
        Phase.Kind.REGISTRATION: (start - 10 * day, start + 30 * day),
        Phase.Kind.REGIONAL_SUBMISSION: (start - 5 * day, start + 40 * day),
        Phase.Kind.REGIONAL_JUDGING: (start + 40 * day, start + 55 * day),
        Phase.Kind.FINALIST_SIGNOFF: (start + 55 * day, start + 60 * day),
        Phase.Kind.REPUBLICAN_JUDGING: (start + 60 * day, start + 75 * day),
        Phase.Kind.RESULTS: (start + 75 * day, start + 120 * day),
    }


def _consent(name, relation):
    return {"given_by_name": name, "relation": relation, "given_by_phone": "+7 701 000 00 00"}


@transaction.atomic
def demo_load():
    """Idempotent: running it twice changes nothing the second time. Returns the demo accounts."""
    now = timezone.localtime()
    if not Edition.objects.filter(year=now.year).exists():
        services.edition_create(
            year=now.year,
            title_kk="Әлемдегі шекарасыз Қазақстан балалары!",
            title_ru="Дети Казахстана в мире без границ!",
            title_en="Children of Kazakhstan in a World without Borders!",
            phases=demo_phases(now),
            make_current=True,
        )
    for region in Region.objects.all():
        for number in (1, 2, 3):
            School.objects.get_or_create(region=region, name=f"№{number} мектеп-лицей · Школа-лицей №{number}")

    astana = Region.objects.get(code="astana")
    school = School.objects.filter(region=astana).order_by("name").first()
    users = {}
    for email, kind, last, first, role, region_code in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                kind=kind,
                last_name=last,
                first_name=first,
                email_confirmed_at=timezone.now(),
                birth_date=datetime.date(now.year - 13, 5, 12) if kind == User.Kind.STUDENT else None,
                region=astana if kind == User.Kind.SUPERVISOR else None,
                school=school if kind == User.Kind.SUPERVISOR else None,
            )
        if role:
            region = Region.objects.get(code=region_code) if region_code else None
            services.role_grant(user=user, role=role, region=region)
        users[email] = user

    student = users["student@demo.kz"]
    if not Participant.objects.filter(user=student).exists():
        services.participant_register(
            recorded_by=student,
            user=student,
            language="kk",
            identity={
                "last_name": student.last_name,
                "first_name": student.first_name,
                "patronymic": "",
                "birth_date": student.birth_date,
            },
            profile={"region": astana, "school": school, "school_other": "", "grade": 7, "iin": None},
            consent=_consent("Нұрланова Сәуле", "mother"),
        )
    supervisor = users["supervisor@demo.kz"]
    for last, first, years, parent, relation in (
        ("Ахметова", "Алия", 12, "Ахметова Гүлмира", "mother"),
        ("Петров", "Максим", 14, "Петров Андрей", "father"),
    ):
        if not Participant.objects.filter(supervisor=supervisor, last_name=last).exists():
            services.participant_register(
                recorded_by=supervisor,
                supervisor=supervisor,
                language="ru",
                identity={
                    "last_name": last,
                    "first_name": first,
                    "patronymic": "",
                    "birth_date": datetime.date(now.year - years, 3, 1),
                },
                profile={"region": astana, "school": school, "school_other": "", "grade": years - 5, "iin": None},
                consent=_consent(parent, relation),
            )
    return [(email, role or kind) for email, kind, _l, _f, role, _r in DEMO_ACCOUNTS]
