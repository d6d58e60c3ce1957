import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from festival.models import Edition, Nomination, Phase, Region
from festival.phases import PhaseClosed, phase_allows, phase_check
from tests import factories

pytestmark = pytest.mark.django_db


def test_regions_twenty_named_in_three_languages():
    regions = list(Region.objects.all())
    assert len(regions) == 20
    assert sum(r.kind == Region.Kind.CITY for r in regions) == 3
    assert {r.code for r in regions if r.kind == Region.Kind.CITY} == {"astana", "almaty-city", "shymkent"}
    for field in ("name_kk", "name_ru", "name_en"):
        names = [getattr(r, field) for r in regions]
        assert all(names) and len(set(names)) == 20


def test_region_name_follows_language():
    astana = Region.objects.get(code="astana")
    with translation.override("kk"):
        assert str(astana) == "Астана қаласы"
    with translation.override("en"):
        assert str(astana) == "Astana city"


def test_edition_create_has_eight_nominations_and_six_phases(edition):
    assert edition.nominations.count() == 8
    assert {p.kind for p in edition.phases.all()} == set(Phase.Kind.values)
    tv = edition.nominations.get(code="tv-story")
    assert tv.name_ru == "Телевизионный сюжет" and tv.max_duration_display == "5"
    assert Edition.objects.current() == edition


def test_edition_only_one_current(edition):
    second = factories.closed_edition()
    edition.refresh_from_db()
    assert not edition.is_current and Edition.objects.current() == second


def test_nomination_clean_rejects_unknown_format(edition):
    nomination = edition.nominations.first()
    nomination.allowed_formats = "mp4, exe"
    with pytest.raises(ValidationError) as error:
        nomination.clean()
    assert "exe" in str(error.value)


def test_nomination_clean_normalizes_formats(edition):
    nomination = edition.nominations.first()
    nomination.allowed_formats = " mp4,mov ,mp4"
    nomination.clean()
    assert nomination.allowed_formats == "mp4,mov"


def test_nomination_team_size_constraint(edition):
    from django.db import IntegrityError, transaction

    nomination = edition.nominations.first()
    nomination.min_team_size, nomination.max_team_size = 5, 2
    with pytest.raises(IntegrityError), transaction.atomic():
        nomination.save()
    assert Nomination.objects.get(pk=nomination.pk).max_team_size != 2


def test_phase_allows_registration_now(edition):
    assert phase_allows(edition, "register")
    assert phase_allows(edition, "submit_entry")
    assert not phase_allows(edition, "republican_judging")


def test_phase_boundaries_are_half_open(edition):
    registration = edition.phases.get(kind=Phase.Kind.REGISTRATION)
    submission = edition.phases.get(kind=Phase.Kind.REGIONAL_SUBMISSION)
    assert phase_allows(edition, "register", registration.starts_at)
    # Registration also runs through the submission phase; past both, it is closed.
    last = max(registration.ends_at, submission.ends_at)
    assert phase_allows(edition, "register", last - datetime.timedelta(seconds=1))
    assert not phase_allows(edition, "register", last)


def test_phase_check_raises_with_the_phases_that_allow(edition):
    later = timezone.now() + datetime.timedelta(days=365)
    with pytest.raises(PhaseClosed) as closed:
        phase_check(edition=edition, action="register", moment=later)
    assert {p.kind for p in closed.value.phases} == {Phase.Kind.REGISTRATION, Phase.Kind.REGIONAL_SUBMISSION}


def test_phase_allows_without_edition_is_false():
    assert not phase_allows(None, "register")


def test_times_are_in_almaty(settings):
    assert settings.TIME_ZONE == "Asia/Almaty"
    assert timezone.localtime().utcoffset() == datetime.timedelta(hours=5)


def test_nomination_duration_reads_as_minutes(edition):
    nomination = edition.nominations.first()
    nomination.max_duration_seconds = 7 * 60 + 30
    assert nomination.max_duration_display == "7:30"
    nomination.max_duration_seconds = 15 * 60
    assert nomination.max_duration_display == "15"
