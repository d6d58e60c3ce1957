import datetime

import factory
from django.utils import timezone

from festival import services
from festival.models import Consent, Region, RoleGrant, School, User
from organizing.demo import demo_phases


def region(code="astana"):
    return Region.objects.get(code=code)


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    region = factory.LazyFunction(region)
    name = factory.Sequence(lambda n: f"Школа №{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.kz")
    first_name = "Айгерім"
    last_name = factory.Sequence(lambda n: f"Сапарова{n}")
    kind = User.Kind.STUDENT
    email_confirmed_at = factory.LazyFunction(timezone.now)
    language = "en"  # tests read messages in English unless they say otherwise
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StudentFactory(UserFactory):
    kind = User.Kind.STUDENT
    birth_date = factory.LazyFunction(lambda: timezone.localdate().replace(year=timezone.localdate().year - 12, day=1))


class SupervisorFactory(UserFactory):
    kind = User.Kind.SUPERVISOR
    region = factory.LazyFunction(region)
    school = factory.SubFactory(SchoolFactory)


def staff(role, region_code=None):
    user = UserFactory(kind=User.Kind.STAFF)
    services.role_grant(user=user, role=role, region=region(region_code) if region_code else None)
    return user


def coordinator(region_code="astana"):
    return staff(RoleGrant.Role.COORDINATOR, region_code)


def juror():
    return staff(RoleGrant.Role.JUROR)


def organizer():
    return staff(RoleGrant.Role.ORGANIZER)


CONSENT = {"given_by_name": "Сапарова Гүлнар", "relation": Consent.Relation.MOTHER, "given_by_phone": ""}


def participant(*, user=None, supervisor=None, region_code="astana", school=None, birth_date=None, iin=None):
    """A participant with a recorded consent, as the services create them."""
    birth_date = birth_date or (user.birth_date if user else None) or datetime.date(2013, 4, 1)
    school = school or SchoolFactory(region=region(region_code))
    return services.participant_register(
        recorded_by=user or supervisor,
        user=user,
        supervisor=supervisor,
        identity={"last_name": "Қасымов", "first_name": "Арман", "patronymic": "", "birth_date": birth_date},
        profile={"region": region(region_code), "school": school, "school_other": "", "grade": 6, "iin": iin},
        consent=dict(CONSENT),
        language="kk",
    )


def student_with_consent(region_code="astana"):
    user = StudentFactory()
    participant(user=user, region_code=region_code)
    return user


def open_edition(now=None):
    return services.edition_create(
        year=(now or timezone.now()).year,
        title_kk="Фестиваль",
        title_ru="Фестиваль",
        title_en="Festival",
        phases=demo_phases(timezone.localtime(now)),
        make_current=True,
    )


def republican_judging_open(edition, now=None):
    """The republican judging phase open now too (from a day ago, its end unchanged), beside the regional
    submission the test edition is in: republican panels are scored in that phase only."""
    now = now or timezone.now()
    edition.phases.filter(kind="republican_judging").update(starts_at=now - datetime.timedelta(days=1))


def closed_edition():
    """The current edition, with registration over: every phase lies in the past."""
    past = timezone.now() - datetime.timedelta(days=400)
    return services.edition_create(
        year=past.year,
        title_kk="Өткен",
        title_ru="Прошедший",
        title_en="Past",
        phases=demo_phases(timezone.localtime(past)),
        make_current=True,
    )


def entry(*, user=None, supervisor=None, nomination_code="tv-story", title="Менің ауылым", region_code="astana"):
    """A draft entry made through the service, by a student (their own) or a supervisor (their team)."""
    from festival.models import Edition
    from submissions import services as entry_services
    from submissions.models import EntryAuthor

    edition = Edition.objects.current()
    if user is None and supervisor is None:
        user = student_with_consent(region_code)
    if supervisor is not None:
        member = participant(supervisor=supervisor, region_code=region_code)
        authors, owner, supervisors = [(member, EntryAuthor.Role.DIRECTOR)], supervisor, [supervisor]
        region_obj, school = supervisor.region, supervisor.school
    else:
        me = user.participant
        authors, owner, supervisors = [(me, EntryAuthor.Role.DIRECTOR)], user, []
        region_obj, school = me.region, me.school
    return entry_services.entry_save(
        user=owner,
        edition=edition,
        nomination=edition.nominations.get(code=nomination_code),
        title=title,
        synopsis="",
        language="kk",
        age_group=None,
        region=region_obj,
        school=school,
        school_other="",
        authors=authors,
        supervisors=supervisors,
    )


def checked_film(an_entry, content=b"\x00\x00\x00\x18ftypmp42" + b"x" * 2048):
    """A film row that passed the check, with a file in private storage (not a real video: for access tests)."""
    from django.core.files.base import ContentFile

    from submissions.models import Film
    from submissions.storage import private_storage

    name = private_storage().save(f"films/{an_entry.pk}/film.mp4", ContentFile(content))
    return Film.objects.create(
        entry=an_entry,
        file=name,
        size=len(content),
        original_name="film.mp4",
        status=Film.Status.OK,
        duration=120,
        width=1280,
        height=720,
        video_codec="h264",
    )
