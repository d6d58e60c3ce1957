"""People by invitation: the organizer invites coordinators, jurors and organizers; the letter's link creates
the account or adds the role; roles are revoked from the list, effective on the holder's next request."""

import datetime
import re
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from festival.models import Edition, Region, RoleGrant, User
from judging.models import AuditEvent, Panel, PanelMember
from people import services
from people.models import Invitation
from tests import factories
from tests.queries import page_queries

pytestmark = pytest.mark.django_db

PASSWORD = "Kino-2026-festival"


@pytest.fixture
def organizer(client):
    user = factories.organizer()
    client.force_login(user)
    return user


@pytest.fixture
def panel(edition):
    return Panel.objects.create(
        edition=edition,
        stage=Panel.Stage.REPUBLICAN,
        name_ru="Жюри: сюжеты",
        name_kk="Қазылар: сюжеттер",
        deadline=timezone.now() + datetime.timedelta(days=20),
    )


def invite(client, capture, **data):
    form = {"email": "new.person@example.kz", "role": "coordinator", "region": "", "panel": "", "language": "en"}
    form.update(data)
    if isinstance(form["region"], str) and form["region"] and not form["region"].isdigit():
        form["region"] = Region.objects.get(code=form["region"]).pk
    with capture(execute=True):
        return client.post(reverse("people:invite"), form)


def link_in(letter):
    return re.search(r"https?://\S+/invite/\S+/", letter.body).group(0)


def path_of(link):
    return link.split("testserver", 1)[1]


def account_form(**overrides):
    data = {"last_name": "Жақсылықова", "first_name": "Дана", "patronymic": "", "password1": PASSWORD}
    data["password2"] = data["password1"]
    data.update(overrides)
    return data


# ---------------------------------------------------------------- inviting


def test_invite_sends_letter_in_invitees_language(client, edition, organizer, django_capture_on_commit_callbacks):
    response = invite(client, django_capture_on_commit_callbacks, region="almaty", language="kk")
    assert response.status_code == 302 and response.url == reverse("people:list")
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.region.code) == (
        "new.person@example.kz",
        "coordinator",
        "almaty",
    )
    assert invitation.sent_at is not None and invitation.invited_by == organizer
    [letter] = mail.outbox
    assert letter.to == ["new.person@example.kz"]
    with translation.override("kk"):
        subject = translation.gettext("Invitation to the children's film festival portal: %(role)s") % {
            "role": translation.gettext("Regional coordinator")
        }
    assert letter.subject == subject
    # Kazakh whatever the catalogue: the region is named in Kazakh, the link opens the Kazakh page.
    assert "Алматы облысы" in letter.body and "Алматинская" not in letter.body
    assert "/kk/invite/" in link_in(letter)
    assert organizer.get_full_name() in letter.body
    assert str(timezone.localtime(invitation.expires_at).year) in letter.body
    assert AuditEvent.objects.filter(action="invitation_send", subject=f"invitation {invitation.pk}").exists()
    # The link works: it opens the invitation in Kazakh, with the form for a new account.
    client.logout()
    page = client.get(path_of(link_in(letter)))
    assert page.status_code == 200 and page.context["form"] is not None
    assert "Алматы облысы" in page.content.decode()


def test_invite_letter_in_russian(client, edition, organizer, django_capture_on_commit_callbacks):
    invite(client, django_capture_on_commit_callbacks, region="almaty", language="ru")
    assert "Алматинская область" in mail.outbox[0].body and "/ru/invite/" in mail.outbox[0].body


def test_invite_prefilled_from_address(client, edition, organizer, panel):
    response = client.get(reverse("people:invite"), {"role": "juror", "panel": panel.pk})
    assert response.context["form"]["role"].value() == "juror"
    assert str(response.context["form"]["panel"].value()) == str(panel.pk)
    response = client.get(reverse("people:invite"), {"role": "coordinator", "region": "shymkent"})
    assert response.context["form"]["region"].value() == Region.objects.get(code="shymkent").pk


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"role": "coordinator", "region": ""}, "region"),
        ({"role": "juror", "panel": ""}, "panel"),
        ({"role": "coordinator", "region": "astana", "as_chair": "on"}, "as_chair"),
        ({"role": "organizer", "as_chair": "on"}, "as_chair"),
        ({"role": "organizer", "email": "not-an-address"}, "email"),
        ({"role": "boss"}, "role"),
    ],
)
def test_invite_bad_input_saves_nothing(client, edition, organizer, django_capture_on_commit_callbacks, data, field):
    response = invite(client, django_capture_on_commit_callbacks, **data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not Invitation.objects.exists() and not mail.outbox
    assert not AuditEvent.objects.exists()


def test_invite_panel_of_another_edition_refused(client, edition, organizer, django_capture_on_commit_callbacks):
    old = Edition.objects.create(year=2001, title_kk="Өткен", title_ru="Прошедший", title_en="Past")
    old_panel = Panel.objects.create(
        edition=old, stage=Panel.Stage.REPUBLICAN, name_ru="Старое жюри", deadline=timezone.now()
    )
    response = invite(client, django_capture_on_commit_callbacks, role="juror", panel=old_panel.pk)
    assert "panel" in response.context["form"].errors and not Invitation.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "juror", "organizer"])
def test_invite_address_already_holding_role_refused(
    client, edition, organizer, panel, django_capture_on_commit_callbacks, role
):
    holder = {"coordinator": factories.coordinator("astana"), "juror": factories.juror(), "organizer": organizer}[role]
    if role == "juror":
        PanelMember.objects.create(panel=panel, juror=holder)
    response = invite(
        client,
        django_capture_on_commit_callbacks,
        email=holder.email.upper(),
        role=role,
        region="astana",
        panel=panel.pk,
    )
    assert response.status_code == 200
    assert "already holds this role" in str(response.context["form"].errors["email"])
    assert not Invitation.objects.exists() and not mail.outbox


def test_invite_coordinator_of_another_region_allowed(client, edition, organizer, django_capture_on_commit_callbacks):
    holder = factories.coordinator("astana")
    response = invite(client, django_capture_on_commit_callbacks, email=holder.email, region="shymkent")
    assert response.status_code == 302 and Invitation.objects.get().region.code == "shymkent"


def test_invite_twice_while_waiting_refused(client, edition, organizer, django_capture_on_commit_callbacks):
    invite(client, django_capture_on_commit_callbacks, region="astana")
    response = invite(client, django_capture_on_commit_callbacks, region="astana")
    assert "has already been invited" in str(response.context["form"].errors["email"])
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1


def test_invite_again_after_expiry_replaces_the_old_one(client, edition, organizer, django_capture_on_commit_callbacks):
    invite(client, django_capture_on_commit_callbacks, region="astana")
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = invite(client, django_capture_on_commit_callbacks, region="astana")
    assert response.status_code == 302
    assert Invitation.objects.open().count() == 1 and Invitation.objects.filter(cancelled_at__isnull=False).count() == 1


def test_one_open_invitation_per_scope_in_the_database(edition, panel):
    Invitation.objects.create(email="a@example.kz", role="juror", panel=panel, language="ru")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(email="a@example.kz", role="juror", panel=panel, language="kk")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(email="b@example.kz", role="coordinator", panel=panel, language="kk")
    Invitation.objects.create(email="a@example.kz", role="organizer", language="ru")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(email="a@example.kz", role="organizer", language="ru")


# ---------------------------------------------------------------- accepting


def test_accept_as_new_user(client, edition, organizer, django_capture_on_commit_callbacks):
    invite(client, django_capture_on_commit_callbacks, email="Dana@Example.kz", region="astana", language="kk")
    client.logout()
    response = client.post(path_of(link_in(mail.outbox[0])), account_form())
    assert response.status_code == 302
    with translation.override("kk"):
        assert response.url == reverse("submissions:region_entries", args=["astana"])
    user = User.objects.get(email="dana@example.kz")
    assert user.kind == User.Kind.STAFF and user.email_confirmed_at is not None and user.language == "kk"
    assert user.check_password(PASSWORD) and not user.is_staff
    assert user.role_grants.filter(role="coordinator", region__code="astana").exists()
    invitation = Invitation.objects.get()
    assert invitation.accepted_at is not None and invitation.accepted_by == user
    # Signed in: the region's workspace opens.
    assert client.get(response.url).status_code == 200
    event = AuditEvent.objects.get(action="role_grant")
    assert event.actor == user and event.after["role"] == "coordinator" and event.after["invited_by"] == organizer.pk


def test_accept_new_user_bad_password_saves_nothing(client, edition, organizer, django_capture_on_commit_callbacks):
    invite(client, django_capture_on_commit_callbacks, region="astana")
    client.logout()
    link = path_of(link_in(mail.outbox[0]))
    for bad in (
        account_form(password2="Other-2026-festival"),
        account_form(password1="12345678", password2="12345678"),
    ):
        response = client.post(link, bad)
        assert response.status_code == 200 and response.context["form"].errors
    assert not User.objects.filter(email="new.person@example.kz").exists()
    assert Invitation.objects.get().accepted_at is None
    assert not RoleGrant.objects.filter(role="coordinator").exists()


def test_accept_as_existing_user(client, edition, organizer, django_capture_on_commit_callbacks):
    # A staff account of the festival, say a coordinator's in an earlier year, now without a role.
    teacher = factories.UserFactory(email="teacher@example.kz", kind=User.Kind.STAFF)
    invite(client, django_capture_on_commit_callbacks, email="teacher@example.kz", role="organizer")
    client.logout()
    link = path_of(link_in(mail.outbox[0]))
    page = client.get(link)
    assert page.status_code == 200 and "form" not in page.context
    assert page.context["login_url"] == reverse("login") + "?" + urlencode({"next": link})
    assert "teacher@example.kz" in page.content.decode()
    # Nobody's account is created or changed by a POST without signing in.
    client.post(link, account_form())
    assert User.objects.filter(email="teacher@example.kz").count() == 1
    assert not teacher.role_grants.exists()
    # Signed in, the page returns with one button.
    login = client.post(page.context["login_url"], {"username": "teacher@example.kz", "password": "pass-word-123"})
    assert login.status_code == 302 and login.url == link
    assert b'type="submit"' in client.get(link).content
    response = client.post(link)
    assert response.status_code == 302 and response.url == reverse("organizer_dashboard")
    teacher.refresh_from_db()
    assert teacher.role_grants.filter(role="organizer").exists() and teacher.is_staff
    assert client.get(response.url).status_code == 200


def test_accept_signed_in_as_another_account(client, edition, organizer, django_capture_on_commit_callbacks):
    invite(client, django_capture_on_commit_callbacks, region="astana")
    link = path_of(link_in(mail.outbox[0]))
    page = client.get(link)  # still the organizer
    assert page.status_code == 200
    assert "is for new.person@example.kz" in page.content.decode()
    client.post(link)
    assert Invitation.objects.get().accepted_at is None
    assert not organizer.role_grants.filter(role="coordinator").exists()
    with pytest.raises(services.InvitationError) as refused:
        services.invitation_accept(invitation=Invitation.objects.get(), user=organizer)
    assert refused.value.code == "wrong_account"


def test_reused_link_refused(client, edition, organizer, django_capture_on_commit_callbacks):
    invite(client, django_capture_on_commit_callbacks, region="astana")
    link = path_of(link_in(mail.outbox[0]))
    client.logout()
    client.post(link, account_form())
    # The one who accepted is sent on to their workspace.
    response = client.get(link)
    assert response.status_code == 302 and response.url == reverse("submissions:region_entries", args=["astana"])
    client.logout()
    response = client.get(link)
    assert response.status_code == 410 and response.context["reason"] == "used"
    assert "already been accepted" in response.content.decode()
    response = client.post(link, account_form(first_name="Другой"))
    assert response.status_code == 410
    assert User.objects.filter(email="new.person@example.kz").get().first_name == "Дана"
    assert RoleGrant.objects.filter(role="coordinator").count() == 1


def test_expired_link_refused(client, edition, organizer, django_capture_on_commit_callbacks):
    invite(client, django_capture_on_commit_callbacks, region="astana", language="ru")
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client.logout()
    link = path_of(link_in(mail.outbox[0]))
    response = client.get(link)
    assert response.status_code == 410 and response.context["reason"] == "expired"
    assert organizer.email in response.content.decode()  # whom to ask for a new letter
    response = client.post(link, account_form())
    assert response.status_code == 410
    assert not User.objects.filter(email="new.person@example.kz").exists()


def test_expired_between_page_and_accept_refused(client, edition, organizer, django_capture_on_commit_callbacks):
    invite(client, django_capture_on_commit_callbacks, region="astana")
    invitation = services.invitation_from_token(link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1])
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(services.InvitationError):
        services.invitation_account_create(invitation=invitation, last_name="А", first_name="Б", password=PASSWORD)
    assert not User.objects.filter(email="new.person@example.kz").exists()


def test_damaged_link_page(client, edition):
    response = client.get(reverse("people:accept", args=["not-a-token"]))
    assert response.status_code == 400 and "damaged or incomplete" in response.content.decode()


def test_resend_invalidates_old_link(client, edition, organizer, django_capture_on_commit_callbacks):
    invite(client, django_capture_on_commit_callbacks, region="astana")
    invitation = Invitation.objects.get()
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(days=1))  # resend also revives
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:resend", args=[invitation.pk]))
    assert response.status_code == 302 and len(mail.outbox) == 2
    old, new = path_of(link_in(mail.outbox[0])), path_of(link_in(mail.outbox[1]))
    assert old != new
    client.logout()
    response = client.get(old)
    assert response.status_code == 410 and response.context["reason"] == "superseded"
    assert client.get(new).status_code == 200
    assert Invitation.objects.get().expires_at > timezone.now() + datetime.timedelta(days=13)
    assert AuditEvent.objects.filter(action="invitation_resend").exists()


def test_cancelled_invitation_link_refused(client, edition, organizer, django_capture_on_commit_callbacks):
    invite(client, django_capture_on_commit_callbacks, region="astana")
    invitation = Invitation.objects.get()
    client.post(reverse("people:cancel", args=[invitation.pk]))
    assert Invitation.objects.get().cancelled_at is not None
    client.logout()
    response = client.get(path_of(link_in(mail.outbox[0])))
    assert response.status_code == 410 and response.context["reason"] == "cancelled"
    # A cancelled invitation is not resent.
    client.force_login(organizer)
    client.post(reverse("people:resend", args=[invitation.pk]))
    assert len(mail.outbox) == 1


def test_juror_invitation_seats_on_panel_as_chair(
    client, edition, organizer, panel, django_capture_on_commit_callbacks
):
    invite(
        client,
        django_capture_on_commit_callbacks,
        email="chair@example.kz",
        role="juror",
        panel=panel.pk,
        as_chair="on",
    )
    invite(client, django_capture_on_commit_callbacks, email="member@example.kz", role="juror", panel=panel.pk)
    chair_link, member_link = (path_of(link_in(letter)) for letter in mail.outbox)
    client.logout()
    response = client.post(chair_link, account_form())
    assert response.status_code == 302 and response.url == reverse("judging:home")
    assert client.get(response.url).status_code == 200
    client.logout()
    client.post(member_link, account_form(first_name="Ерлан"))
    chair, member = User.objects.get(email="chair@example.kz"), User.objects.get(email="member@example.kz")
    assert set(PanelMember.objects.filter(panel=panel, active=True).values_list("juror", flat=True)) == {
        chair.pk,
        member.pk,
    }
    panel.refresh_from_db()
    assert panel.chair == chair
    assert RoleGrant.objects.filter(role="juror").count() == 2


# ---------------------------------------------------------------- the list and revoking


def test_revoke_takes_effect_on_next_request(client, edition, organizer):
    coordinator = factories.coordinator("astana")
    grant = coordinator.role_grants.get()
    from django.test import Client

    theirs = Client()
    theirs.force_login(coordinator)
    region_page = reverse("submissions:region_entries", args=["astana"])
    assert theirs.get(region_page).status_code == 200
    page = client.get(reverse("people:revoke", args=[grant.pk]))
    assert page.status_code == 200 and coordinator.email in page.content.decode()
    assert RoleGrant.objects.filter(pk=grant.pk).exists()  # the page only asks
    response = client.post(reverse("people:revoke", args=[grant.pk]))
    assert response.status_code == 302 and not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert theirs.get(region_page).status_code == 403
    event = AuditEvent.objects.get(action="role_revoke")
    assert event.actor == organizer and event.after == {
        "role": "coordinator",
        "region": "astana",
        "email": coordinator.email,
    }


def test_revoke_juror_leaves_panels_of_current_edition(client, edition, organizer, panel):
    juror = factories.juror()
    PanelMember.objects.create(panel=panel, juror=juror)
    Panel.objects.filter(pk=panel.pk).update(chair=juror)
    client.post(reverse("people:revoke", args=[juror.role_grants.get().pk]))
    assert not PanelMember.objects.get(panel=panel, juror=juror).active
    panel.refresh_from_db()
    assert panel.chair is None
    assert AuditEvent.objects.filter(action="juror_drop", panel=panel).exists()
    assert AuditEvent.objects.get(action="role_revoke").after["panels"] == [panel.pk]


def test_revoke_organizer_loses_admin_and_not_oneself(client, edition, organizer):
    other = factories.organizer()
    assert User.objects.get(pk=other.pk).is_staff
    client.post(reverse("people:revoke", args=[other.role_grants.get().pk]))
    assert not User.objects.get(pk=other.pk).is_staff and not other.role_grants.exists()
    own = organizer.role_grants.get()
    response = client.post(reverse("people:revoke", args=[own.pk]), follow=True)
    assert RoleGrant.objects.filter(pk=own.pk).exists()
    assert "ask another organizer" in response.content.decode()


def test_people_list_shows_roles_and_invitations(client, edition, organizer, panel, django_capture_on_commit_callbacks):
    juror = factories.juror()
    PanelMember.objects.create(panel=panel, juror=juror)
    Panel.objects.filter(pk=panel.pk).update(chair=juror)
    factories.coordinator("shymkent")
    invite(client, django_capture_on_commit_callbacks, email="waiting@example.kz", role="organizer")
    response = client.get(reverse("people:list"))
    assert response.status_code == 200
    assert [g.region.code for g in response.context["coordinators"]] == ["shymkent"]
    assert response.context["jurors"] == [(juror.role_grants.get(), [(panel, True)])]
    assert [g.user for g in response.context["organizers"]] == [organizer]
    assert [i.email for i in response.context["invitations"]] == ["waiting@example.kz"]
    text = response.content.decode()
    assert "waiting@example.kz" in text and juror.email in text and "Жюри: сюжеты" in text


def _people(count, panel):
    for _ in range(count):
        factories.coordinator("astana")
        juror = factories.juror()
        PanelMember.objects.create(panel=panel, juror=juror)
        factories.organizer()
        Invitation.objects.create(email=f"{juror.pk}@example.kz", role="juror", panel=panel, language="ru")


def test_people_list_query_count_constant(client, edition, organizer, panel):
    _people(1, panel)
    one, _ = page_queries(client, reverse("people:list"))
    _people(2, panel)
    three, response = page_queries(client, reverse("people:list"))
    assert len(response.context["jurors"]) == 3
    assert len(one) == len(three)


def test_revoked_juror_can_no_longer_open_or_change_a_submitted_score(client, edition, organizer):
    from judging import services as jury
    from judging.models import Assignment, Score
    from submissions.models import Entry

    jury.criteria_default_create(edition=edition)
    entry = factories.entry()
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.ACCEPTED)
    panel = Panel.objects.create(
        edition=edition,
        stage=Panel.Stage.REGIONAL,
        region=entry.region,
        name_ru="Жюри Астаны",
        deadline=timezone.now() + datetime.timedelta(days=20),
    )
    panel.nominations.add(entry.nomination)
    juror = factories.juror()
    jury.member_add(panel=panel, juror=juror, by=organizer)
    jury.assignments_build(panel=panel, by=organizer)
    assignment = Assignment.objects.get(panel=panel, juror=juror)
    values = {c.pk: 8 for c in edition.criteria.all()}
    jury.score_save(assignment=assignment, values=values, notes={}, note="", submit=True, version=0, by=juror)

    client.post(reverse("people:revoke", args=[juror.role_grants.get().pk]))

    # The submitted score still counts (its assignment stays active), but its juror is off the panel.
    assert Assignment.objects.get(pk=assignment.pk).active
    client.force_login(juror)
    assert client.get(reverse("judging:score", args=[assignment.pk])).status_code == 404
    with pytest.raises(jury.JudgingError):
        jury.score_save(
            assignment=assignment, values={k: 1 for k in values}, notes={}, note="", submit=True, version=1, by=juror
        )
    assert set(Score.objects.get(assignment=assignment).items.values_list("value", flat=True)) == {8}


def test_roles_go_to_staff_accounts_only(client, edition, organizer, panel, django_capture_on_commit_callbacks):
    student = factories.student_with_consent("astana")
    response = invite(client, django_capture_on_commit_callbacks, email=student.email, role="juror", panel=panel.pk)
    assert response.status_code == 200 and not Invitation.objects.exists()
    assert "belongs to a student" in response.content.decode()

    # An invitation sent before the address had an account: a teacher's account made since cannot accept it.
    invite(client, django_capture_on_commit_callbacks, email="later.teacher@example.kz", region="astana")
    link = path_of(link_in(mail.outbox[-1]))
    teacher = factories.SupervisorFactory(email="later.teacher@example.kz")
    client.force_login(teacher)
    response = client.post(link)
    assert response.status_code == 410 and "staff account" in response.content.decode()
    assert not teacher.role_grants.exists() and Invitation.objects.get().accepted_at is None
