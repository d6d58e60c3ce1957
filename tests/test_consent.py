import datetime
import re

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone, translation

from festival import services
from festival.models import Consent, Participant
from tests import factories
from tests.test_iin import make_iin

pytestmark = pytest.mark.django_db

AGREE = {f"agree_{key}": "on" for key in ("operator", "data_kept", "purpose", "term", "third_parties")}


def consent_form(school_obj, **overrides):
    data = {
        "region": school_obj.region_id,
        "school": school_obj.pk,
        "school_other": "",
        "grade": "6",
        "iin": "",
        "given_by_name": "Сапарова Гүлнар",
        "relation": "mother",
        "given_by_phone": "+7 701 111 22 33",
        **AGREE,
    }
    data.update(overrides)
    return data


@pytest.fixture
def student(client):
    user = factories.StudentFactory(birth_date=datetime.date(2013, 4, 1))
    client.force_login(user)
    return user


@pytest.fixture
def school():
    return factories.SchoolFactory(region=factories.region("astana"))


def test_student_without_consent_sent_to_consent_form(client, student):
    response = client.get(reverse("account:home"))
    assert response.status_code == 302 and response.url == reverse("account:consent")


def test_consent_records_participant_and_verbatim_text(client, student, school):
    with translation.override("kk"):
        url = reverse("account:consent")
    response = client.post(url, consent_form(school, iin=make_iin(datetime.date(2013, 4, 1))))
    assert response.status_code == 302
    participant = Participant.objects.get(user=student)
    assert participant.school == school and participant.birth_date == datetime.date(2013, 4, 1)
    consent = participant.consents.get()
    assert consent.relation == Consent.Relation.MOTHER and consent.recorded_by == student
    assert consent.language == "kk" and "Оқу-ағарту министрлігінің" in consent.operator
    assert consent.term and consent.third_parties and consent.purpose and consent.data_kept
    assert client.get(reverse("account:home")).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"iin": "123456789012"}, "iin"),
        ({"iin": "13040150001"}, "iin"),
        ({"relation": "self"}, "relation"),
        ({"agree_term": ""}, "agree_term"),
        ({"given_by_name": ""}, "given_by_name"),
        ({"school": "", "school_other": ""}, "school"),
    ],
)
def test_consent_bad_input_saves_nothing(client, student, school, overrides, field):
    data = consent_form(school, **overrides)
    data = {k: v for k, v in data.items() if v != ""}
    response = client.post(reverse("account:consent"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Participant.objects.exists() and not Consent.objects.exists()


def test_consent_wrong_iin_message_in_russian(client, student, school):
    good = make_iin(datetime.date(2013, 4, 1))
    typo = good[:11] + str((int(good[11]) + 1) % 10)
    with translation.override("ru"):
        url = reverse("account:consent")
        expected = translation.gettext(
            "This IIN has a typo: its last digit does not match the others. Check it against the document."
        )
    response = client.post(url, consent_form(school, iin=typo))
    assert expected in response.content.decode()
    assert expected != "This IIN has a typo: its last digit does not match the others. Check it against the document."


def test_consent_iin_must_match_birth_date(client, student, school):
    response = client.post(reverse("account:consent"), consent_form(school, iin=make_iin(datetime.date(2012, 1, 2))))
    assert "iin" in response.context["form"].errors
    assert not Participant.objects.exists()


def test_consent_duplicate_iin_refused(client, student, school):
    iin = make_iin(datetime.date(2013, 4, 1))
    factories.participant(supervisor=factories.SupervisorFactory(), birth_date=datetime.date(2013, 4, 1), iin=iin)
    response = client.post(reverse("account:consent"), consent_form(school, iin=iin))
    assert "iin" in response.context["form"].errors
    assert not Participant.objects.filter(user=student).exists()


def test_adult_participant_may_consent_for_themselves(client, school):
    today = timezone.localdate()
    adult = factories.StudentFactory(birth_date=today.replace(year=today.year - 18) - datetime.timedelta(days=1))
    client.force_login(adult)
    response = client.post(reverse("account:consent"), consent_form(school, relation="self"))
    assert response.status_code == 302
    assert adult.participant.consents.get().relation == "self"


def test_supervisor_adds_team_member_with_consent(client, edition, school):
    supervisor = factories.SupervisorFactory(school=school)
    client.force_login(supervisor)
    data = consent_form(school, last_name="Омарова", first_name="Дана", birth_date="2014-09-01", relation="father")
    response = client.post(reverse("account:team_add"), data)
    assert response.status_code == 302
    member = Participant.objects.get(supervisor=supervisor)
    assert member.full_name == "Омарова Дана" and member.user is None and member.created_by == supervisor
    assert member.consents.get().recorded_by == supervisor
    assert "Омарова Дана" in client.get(reverse("account:team")).content.decode()


def test_supervisor_team_member_without_consent_not_saved(client, edition, school):
    supervisor = factories.SupervisorFactory(school=school)
    client.force_login(supervisor)
    data = consent_form(school, last_name="Омарова", first_name="Дана", birth_date="2014-09-01")
    del data["agree_third_parties"]
    response = client.post(reverse("account:team_add"), data)
    assert response.status_code == 200
    assert not Participant.objects.exists()


def test_supervisor_team_add_outside_phase_refused(client, school):
    factories.closed_edition()
    client.force_login(factories.SupervisorFactory(school=school))
    data = consent_form(school, last_name="Омарова", first_name="Дана", birth_date="2014-09-01")
    assert client.post(reverse("account:team_add"), data).status_code == 403
    assert not Participant.objects.exists()


def test_iin_never_in_a_url():
    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    routes = list(walk(get_resolver().url_patterns))
    assert routes and not [r for r in routes if "iin" in r.lower()]


def test_iin_form_posts_not_gets(client, student):
    body = client.get(reverse("account:consent")).content.decode()
    forms = re.findall(r"<form\b([^>]*)>(.*?)</form>", body, flags=re.S)
    with_iin = [attrs for attrs, inner in forms if 'name="iin"' in inner]
    assert len(with_iin) == 1 and 'method="post"' in with_iin[0]


def test_iin_masked_on_personal_page(client, student, school):
    iin = make_iin(datetime.date(2013, 4, 1))
    client.post(reverse("account:consent"), consent_form(school, iin=iin))
    body = client.get(reverse("account:home")).content.decode()
    assert iin not in body and iin[-2:] in body


def test_withdrawn_consent_stops_processing_and_can_be_renewed(client, student, school):
    iin = make_iin(datetime.date(2013, 4, 1))
    client.post(reverse("account:consent"), consent_form(school, iin=iin))
    participant = Participant.objects.get(user=student)
    services.consent_withdraw(consent=participant.consents.get())
    assert client.get(reverse("account:home")).url == reverse("account:consent")
    coordinator = factories.coordinator("astana")
    client.force_login(coordinator)
    page = client.get(reverse("region_workspace", args=["astana"]))
    assert [p.has_consent for p in page.context["page"]] == [False]
    client.force_login(student)
    response = client.post(reverse("account:consent"), consent_form(school, iin=iin, relation="father"))
    assert response.status_code == 302
    assert Participant.objects.get() == participant  # the same record, renewed
    assert participant.consents.filter(withdrawn_at__isnull=True).get().relation == "father"


def test_student_created_without_birth_date_gives_it_with_consent(client, school):
    kid = factories.StudentFactory(birth_date=None)
    client.force_login(kid)
    response = client.post(reverse("account:consent"), consent_form(school, birth_date="2013-04-01"))
    assert response.status_code == 302
    assert Participant.objects.get(user=kid).birth_date == datetime.date(2013, 4, 1)


def test_consent_relation_has_no_preselected_answer(client, student):
    response = client.get(reverse("account:consent"))
    assert response.context["form"]["relation"].value() in (None, "")
    body = response.content.decode()
    assert (
        re.search(r'<option value=""[^>]*selected', body) or "selected" not in body.split('id="id_relation"')[1][:400]
    )


def test_consent_parent_phone_required(client, student, school):
    response = client.post(reverse("account:consent"), consent_form(school, given_by_phone=""))
    assert "given_by_phone" in response.context["form"].errors
    assert not Participant.objects.exists()


def test_supervisor_double_submit_adds_child_once(client, edition, school):
    supervisor = factories.SupervisorFactory(school=school)
    client.force_login(supervisor)
    data = consent_form(school, last_name="Омарова", first_name="Дана", birth_date="2014-09-01")
    assert client.post(reverse("account:team_add"), data).status_code == 302
    again = client.post(reverse("account:team_add"), data)
    assert again.status_code == 200 and again.context["form"].non_field_errors()
    assert Participant.objects.filter(supervisor=supervisor).count() == 1


def test_duplicate_iin_not_revealed_before_birth_date_matches(client, student, school):
    other_iin = make_iin(datetime.date(2011, 1, 1))
    factories.participant(supervisor=factories.SupervisorFactory(), birth_date=datetime.date(2011, 1, 1), iin=other_iin)
    body = client.post(reverse("account:consent"), consent_form(school, iin=other_iin)).content.decode()
    with translation.override("en"):
        assert "differs from the one entered" in body
        assert "already registered" not in body
