"""Every URL of the portal, requested as every role: who gets in. A URL missing here fails the test."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from judging.models import Assignment, Panel, PanelMember
from submissions.models import ImportJob
from submissions.storage import private_storage
from tests import factories
from tests.queries import page_queries

ROLES = [
    "anonymous",
    "new_student",
    "student",
    "other_student",
    "supervisor",
    "coordinator",
    "other_coordinator",
    "juror",
    "organizer",
]
STAFF = ["coordinator", "other_coordinator", "juror", "organizer"]
SIGNED_IN = [r for r in ROLES if r != "anonymous"]

OK, LOGIN, DENY, REDIRECT, GONE, BAD, NOT_ALLOWED = 200, "login", 403, 302, 410, 400, 405
CONSENT = "consent"  # a redirect to the consent form: a student's data is processed only after it
NOT_FOUND = 404
ENTRY = "entry"  # stands for the id of the student's entry, made by the `people` fixture
JOB = "job"  # and this for an import job of Astana's coordinator
PANEL, ASSIGNMENT = "panel", "assignment"
# Documents: the student's certificate, a design, an issuing job (its batch has no file yet), Astana's archive.
DOCUMENT, TEMPLATE, ISSUE_JOB, ARCHIVE = "document", "template", "issue_job", "archive"
NOMINATION = "nomination"  # the nomination of the student's entry, in the current edition
OBJECTS = (ENTRY, JOB, PANEL, ASSIGNMENT, DOCUMENT, TEMPLATE, ISSUE_JOB, ARCHIVE, NOMINATION)


def everyone(code):
    return dict.fromkeys(ROLES, code)


def only(allowed, *, others=DENY, code=OK):
    outcome = {role: others for role in SIGNED_IN}
    outcome.update(dict.fromkeys(allowed, code))
    outcome["anonymous"] = LOGIN
    return outcome


# url name -> (args, expected outcome per role)
MATRIX = {
    "favicon": ((), everyone(REDIRECT)),
    "set_language": ((), everyone(REDIRECT)),
    "health": ((), everyone(OK)),
    "landing": ((), everyone(OK)),
    "school_options": ((), everyone(OK)),
    "register": ((), everyone(OK)),
    "register_student": ((), everyone(OK)),
    "register_supervisor": ((), everyone(OK)),
    "register_done": ((), everyone(OK)),
    "resend_confirmation": ((), everyone(OK)),
    "confirm_email": (("not-a-token",), everyone(BAD)),
    "login": ((), {"anonymous": OK, **dict.fromkeys(SIGNED_IN, REDIRECT)}),
    "logout": ((), everyone(NOT_ALLOWED)),
    "password_change": ((), only(SIGNED_IN)),
    "password_change_done": ((), only(SIGNED_IN)),
    "password_reset": ((), everyone(OK)),
    "password_reset_done": ((), everyone(OK)),
    "password_reset_confirm": (("MQ", "set-password"), everyone(OK)),
    "password_reset_complete": ((), everyone(OK)),
    # A student whose consent is on record is sent on to the personal page.
    "account:home": ((), only(SIGNED_IN)),
    "account:consent": ((), only(["student", "other_student"], code=REDIRECT)),
    "account:team": ((), only(["supervisor"])),
    "account:team_add": ((), only(["supervisor"])),
    "region_workspace": (("astana",), only(["coordinator", "organizer"])),
    "organizer_dashboard": ((), only(["organizer"])),
    # Jury: PANEL has the juror as its member; ASSIGNMENT gives them the student's entry.
    "judging:home": ((), only(["juror"])),
    "judging:panel": ((PANEL,), only(["juror", "organizer"])),
    "judging:results": ((PANEL,), only(["organizer"])),
    "judging:protocol": ((PANEL,), only(["organizer"])),
    "judging:region_panels": (("astana",), only(["coordinator", "organizer"])),
    "judging:organizer_panels": ((), only(["organizer"])),
    "judging:setup_panel": ((PANEL,), only(["organizer"])),
    "judging:criteria": ((), only(["organizer"])),
    "judging:organizer_results": ((), only(["organizer"])),
    "judging:public": ((), everyone(OK)),
    "judging:public_poster": ((ENTRY,), everyone(NOT_FOUND)),
    "judging:public_film": ((ENTRY,), everyone(NOT_FOUND)),
    "judging:score": ((ASSIGNMENT,), only(["juror"], others=NOT_FOUND)),
    "judging:preview": ((ASSIGNMENT,), only([], others=NOT_FOUND)),
    "judging:recuse": ((ASSIGNMENT,), only([], others=NOT_ALLOWED)),
    "admin:index": ((), {**everyone(REDIRECT), "organizer": OK}),
    # Entries: `ENTRY` is the student's draft in Astana. Someone else's entry is not found (404), not
    # forbidden, so that its existence is not revealed.
    "submissions:mine": ((), only(["student", "other_student", "supervisor"])),
    "submissions:create": ((), only(["student", "other_student", "supervisor"])),
    "submissions:entry": ((ENTRY,), only(["student", "coordinator", "organizer"], others=NOT_FOUND)),
    "submissions:edit": ((ENTRY,), {**only(["student", "organizer"], others=NOT_FOUND), "coordinator": DENY}),
    "submissions:film_status": ((ENTRY,), only(["student", "coordinator", "organizer"], others=NOT_FOUND)),
    "submissions:submit": ((ENTRY,), only([], others=NOT_ALLOWED)),
    "submissions:withdraw": ((ENTRY,), only([], others=NOT_ALLOWED)),
    "submissions:film_original": ((ENTRY,), only(["student", "coordinator", "organizer"], others=NOT_FOUND)),
    "submissions:film_preview": ((ENTRY,), only([], others=NOT_FOUND)),
    "submissions:film_poster": ((ENTRY,), only([], others=NOT_FOUND)),
    "submissions:cover": ((ENTRY,), only([], others=NOT_FOUND)),
    "submissions:cover_thumbnail": ((ENTRY,), only([], others=NOT_FOUND)),
    "submissions:cover_upload": ((ENTRY,), only([], others=NOT_ALLOWED)),
    "submissions:region_entries": (("astana",), only(["coordinator", "organizer"])),
    "submissions:region_entry": (("astana", ENTRY), only(["coordinator", "organizer"])),
    "submissions:region_signoff": (("astana",), only([], others=NOT_ALLOWED)),
    "submissions:region_import": (("astana",), only(["coordinator", "organizer"])),
    "submissions:region_import_job": (("astana", JOB), only(["coordinator", "organizer"])),
    "submissions:region_import_template": (("astana",), only(["coordinator", "organizer"])),
    "submissions:region_export_participants": (("astana",), only(["coordinator", "organizer"])),
    "submissions:region_export_entries": (("astana",), only(["coordinator", "organizer"])),
    # Documents: the student's own (and Astana's coordinator's, and organizers'); the designs and jobs are the
    # organizers'. Verification is public.
    "certificates:mine": ((), only(SIGNED_IN)),
    # A document, archive, design or job somebody may not see is not found (404), not forbidden: a 403 would
    # tell which ids exist. Pages without an object stay 403.
    "certificates:download": ((DOCUMENT,), only(["student", "coordinator", "organizer"], others=NOT_FOUND)),
    "certificates:archive": ((ARCHIVE,), only(["coordinator", "organizer"], others=NOT_FOUND)),
    "certificates:region": (("astana",), only(["coordinator", "organizer"])),
    "certificates:organizer": ((), only(["organizer"])),
    "certificates:template_new": ((), only(["organizer"], code=NOT_ALLOWED)),
    "certificates:template": ((TEMPLATE,), only(["organizer"], others=NOT_FOUND)),
    "certificates:template_preview": ((TEMPLATE,), only(["organizer"], code=NOT_ALLOWED, others=NOT_FOUND)),
    "certificates:template_image": ((TEMPLATE,), only(["organizer"], code=NOT_ALLOWED, others=NOT_FOUND)),
    "certificates:font_upload": ((TEMPLATE,), only(["organizer"], code=NOT_ALLOWED, others=NOT_FOUND)),
    "certificates:job": ((ISSUE_JOB,), only(["organizer"], others=NOT_FOUND)),
    "certificates:job_progress": ((ISSUE_JOB,), only(["organizer"], code=286, others=NOT_FOUND)),
    "certificates:batch": ((ISSUE_JOB, 0), only(["organizer"], code=NOT_FOUND, others=NOT_FOUND)),
    "certificates:correct": ((DOCUMENT,), only(["organizer"], code=NOT_ALLOWED, others=NOT_FOUND)),
    "certificates:verify": ((), everyone(OK)),
    "certificates:verify_code": (("NOTAREALCODE",), everyone(NOT_FOUND)),
    "verify_short": (("NOTAREALCODE",), everyone(REDIRECT)),
    # Statistics: the whole edition for organizers; one region for its coordinator (and organizers).
    "statistics:edition": ((), only(["organizer"])),
    "statistics:export": ((), only(["organizer"])),
    "statistics:region": (("astana",), only(["coordinator", "organizer"])),
    "statistics:region_export": (("astana",), only(["coordinator", "organizer"])),
    # People: the organizers' list of roles and their invitations. The invitee's page is public; a damaged
    # token is a bad request (400) with a page saying what to do, for everyone.
    "people:list": ((), only(["organizer"])),
    "people:invite": ((), only(["organizer"])),
    "people:accept": (("not-a-token",), everyone(BAD)),
    # The organizers' actions on an invitation are POST only (405 to a GET); a role that does not exist: 404.
    "people:resend": ((0,), only(["organizer"], code=NOT_ALLOWED)),
    "people:cancel": ((0,), only(["organizer"], code=NOT_ALLOWED)),
    "people:revoke": ((0,), only(["organizer"], code=NOT_FOUND)),
    # Running the edition: the organizers' own pages. The demo's phase control is not there at all (404 to
    # everyone) unless settings.DEMO_MODE, which tests leave off, as production does.
    "organizing:edition_new": ((), only(["organizer"])),
    "organizing:edition": ((), only(["organizer"])),
    # POST only: a GET is 405 to the organizer, 403 to the others.
    "organizing:edition_make_current": ((0,), only(["organizer"], code=NOT_ALLOWED)),
    "organizing:nominations": ((), only(["organizer"])),
    "organizing:nomination": ((NOMINATION,), only(["organizer"])),
    "organizing:age_groups": ((), only(["organizer"])),
    "organizing:quotas": ((), only(["organizer"])),
    "organizing:readiness": ((), only(["organizer"])),
    "organizing:demo_phase": ((), everyone(NOT_FOUND)),
    "organizing:schools": ((), only(["organizer"])),
    # The upload protocol answers GET with 405 to everyone; what it does allow is in tests/test_tus.py.
    "tus:collection": ((), everyone(NOT_ALLOWED)),
    "tus:resource": (("00000000-0000-0000-0000-000000000000",), everyone(NOT_ALLOWED)),
}

# A student without a recorded consent reaches the consent form and little else.
NEW_STUDENT = {
    "judging:public": OK,
    "favicon": REDIRECT,
    "set_language": REDIRECT,
    "health": OK,
    "landing": OK,
    "school_options": OK,
    "confirm_email": BAD,
    "logout": NOT_ALLOWED,
    "password_change": OK,
    "password_change_done": OK,
    "account:consent": OK,
    "certificates:verify": OK,
    "certificates:verify_code": NOT_FOUND,
    "verify_short": REDIRECT,
}
for _name, (_args, _outcome) in MATRIX.items():
    _outcome["new_student"] = NEW_STUDENT.get(_name, CONSENT)


def url_names(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                yield "admin:index"  # the admin's own pages: see test_admin_changelists_organizer_only
                continue
            yield from url_names(pattern, f"{pattern.namespace}:" if pattern.namespace else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


def test_matrix_covers_every_url():
    missing = sorted(set(url_names()) - set(MATRIX))
    assert not missing, f"URLs without an authorization rule in the matrix: {missing}"


@pytest.fixture
def people(db, edition):
    student = factories.student_with_consent("astana")
    entry = factories.entry(user=student)
    factories.checked_film(entry)
    supervisor = factories.SupervisorFactory()
    factories.participant(supervisor=supervisor, region_code="astana")
    result = {
        "anonymous": None,
        "new_student": factories.StudentFactory(),
        "student": student,
        "other_student": factories.student_with_consent("shymkent"),
        "supervisor": supervisor,
        "coordinator": factories.coordinator("astana"),
        "other_coordinator": factories.coordinator("almaty-city"),
        "juror": factories.juror(),
        "organizer": factories.organizer(),
        "entry": entry,
        "nomination": entry.nomination,
        "job": ImportJob.objects.create(
            region=entry.region, created_by=entry.created_by, file="imports/x.xlsx", original_name="x.xlsx"
        ),
    }
    panel = Panel.objects.create(
        edition=edition, stage=Panel.Stage.REPUBLICAN, name_ru="Жюри", deadline=timezone.now() + timedelta(days=9)
    )
    PanelMember.objects.create(panel=panel, juror=result["juror"])
    result["panel"] = panel
    result["assignment"] = Assignment.objects.create(panel=panel, juror=result["juror"], entry=entry)
    from certificates import services as documents
    from certificates.models import Archive, IssueChunk, IssueJob, Kind

    [result["document"]] = documents._issue(
        edition,
        Kind.CERTIFICATE,
        [
            {
                "kind": Kind.CERTIFICATE,
                "basis": "participant:x",
                "participant": student.participant.pk,
                "region": entry.region_id,
            }
        ],
    )
    result["template"] = documents.templates_ensure(edition)[0]
    result["issue_job"] = IssueJob.objects.create(
        edition=edition, kinds=[Kind.CERTIFICATE], created_by=result["organizer"], status=IssueJob.Status.DONE
    )
    IssueChunk.objects.create(job=result["issue_job"], index=0, kind=Kind.CERTIFICATE, status=IssueChunk.Status.DONE)
    result["archive"] = Archive.objects.create(
        edition=edition, kind=Kind.CERTIFICATE, region=entry.region, file="documents/none.zip"
    )
    return result


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_authorization_matrix(client, people, edition, name):
    args, expected = MATRIX[name]
    url = reverse(name, args=[people[arg].pk if arg in OBJECTS else arg for arg in args])
    failures = []
    if name == "certificates:archive":
        # The archive's file exists: whoever may download it gets it.
        private_storage().save("documents/none.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18))
    for role in ROLES:
        client.logout()
        if people[role] is not None:
            client.force_login(people[role])
        response = client.get(url)
        want = expected[role]
        if want == LOGIN:
            ok = response.status_code == 302 and reverse("login") in response.url
        elif want == CONSENT:
            ok = response.status_code == 302 and response.url == reverse("account:consent")
        else:
            ok = response.status_code == want
        if not ok:
            failures.append(f"{role}: got {response.status_code}, expected {want}")
    assert not failures, f"{url}: " + "; ".join(failures)


FESTIVAL_ADMIN_MODELS = [m._meta.label_lower for m in admin.site._registry if m._meta.app_label == "festival"]


@pytest.mark.parametrize("model", FESTIVAL_ADMIN_MODELS)
def test_admin_changelists_organizer_only(client, people, model):
    url = reverse(f"admin:{model.replace('.', '_')}_changelist")
    client.force_login(people["organizer"])
    assert client.get(url).status_code == 200
    for role in ("coordinator", "juror", "student"):
        client.force_login(people[role])
        assert client.get(url).status_code in (302, 403), role


def test_student_without_consent_reaches_only_consent(client, edition):
    kid = factories.StudentFactory()
    client.force_login(kid)
    for name in ("account:home", "account:team", "judging:home", "organizer_dashboard"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url == reverse("account:consent"), name
    assert client.get(reverse("account:consent")).status_code == 200
    assert client.get(reverse("landing")).status_code == 200


@pytest.mark.django_db
def test_region_workspace_query_count_constant(client):
    supervisor = factories.SupervisorFactory()
    client.force_login(factories.coordinator("astana"))
    url = reverse("region_workspace", args=["astana"])
    factories.participant(supervisor=supervisor, region_code="astana")
    one, _page = page_queries(client, url)
    for _ in range(2):
        factories.participant(supervisor=supervisor, region_code="astana")
    three, page = page_queries(client, url)
    assert len(page.context["page"].object_list) == 3
    assert len(three) == len(one)


def test_admin_role_inline_makes_organizer_staff(client, people):
    from festival.models import RoleGrant

    target = factories.UserFactory(kind="staff")
    client.force_login(people["organizer"])
    url = reverse("admin:festival_rolegrant_add")
    response = client.post(
        url,
        {
            "user": target.pk,
            "role": RoleGrant.Role.ORGANIZER,
            "region": "",
            "granted_at_0": "2026-11-01",
            "granted_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    target.refresh_from_db()
    assert target.is_staff
    grant = RoleGrant.objects.get(user=target)
    client.post(reverse("admin:festival_rolegrant_delete", args=[grant.pk]), {"post": "yes"})
    target.refresh_from_db()
    assert not target.is_staff


def test_admin_organizer_edits_phases_inline(client, people, edition):
    client.force_login(people["organizer"])
    response = client.get(reverse("admin:festival_edition_change", args=[edition.pk]))
    assert response.status_code == 200
    inlines = {
        formset.formset.prefix: len(formset.formset.forms) for formset in response.context["inline_admin_formsets"]
    }
    assert inlines == {"phases": 6, "nominations": 8, "age_groups": 3}


def test_admin_consent_cannot_be_rewritten_or_invented(client, people):
    from festival.models import Consent

    consent = Consent.objects.filter(participant__user=people["student"]).get()
    client.force_login(people["organizer"])
    assert client.get(reverse("admin:festival_consent_add")).status_code == 403
    assert client.get(reverse("admin:festival_participant_add")).status_code == 403
    url = reverse("admin:festival_consent_change", args=[consent.pk])
    client.post(
        url, {"operator": "someone else", "given_by_name": "Nobody", "withdrawn_at_0": "", "withdrawn_at_1": ""}
    )
    consent.refresh_from_db()
    assert consent.given_by_name == factories.CONSENT["given_by_name"] and "someone else" not in consent.operator
    assert client.post(reverse("admin:festival_consent_delete", args=[consent.pk]), {"post": "yes"}).status_code == 403
    assert Consent.objects.filter(pk=consent.pk).exists()


def test_admin_consent_withdraw_action(client, people):
    from festival.models import Consent

    consent = Consent.objects.filter(participant__user=people["student"]).get()
    client.force_login(people["organizer"])
    client.post(reverse("admin:festival_consent_changelist"), {"action": "withdraw", "_selected_action": [consent.pk]})
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


# Actions are POSTs: who may send them (outcome before any phase or state check says no).
POSTS = {
    "submissions:submit": (
        (ENTRY,),
        {
            "student": REDIRECT,
            "other_student": NOT_FOUND,
            "coordinator": DENY,
            "other_coordinator": NOT_FOUND,
            "juror": NOT_FOUND,
            "supervisor": NOT_FOUND,
        },
    ),
    "submissions:withdraw": ((ENTRY,), {"other_student": NOT_FOUND, "coordinator": DENY, "juror": NOT_FOUND}),
    "submissions:region_signoff": (
        ("astana",),
        {"coordinator": REDIRECT, "other_coordinator": DENY, "student": DENY, "juror": DENY, "supervisor": DENY},
    ),
    "submissions:region_entry": (
        ("astana", ENTRY),
        {"coordinator": REDIRECT, "other_coordinator": DENY, "student": DENY, "juror": DENY},
    ),
}


@pytest.mark.parametrize("name", sorted(POSTS))
def test_authorization_of_actions(client, people, name):
    from submissions.models import Entry

    args, expected = POSTS[name]
    url = reverse(name, args=[people["entry"].pk if arg == ENTRY else arg for arg in args])
    for role, want in expected.items():
        client.force_login(people[role])
        state_before = Entry.objects.get(pk=people["entry"].pk).state
        response = client.post(url, {"action": "accept"})
        assert response.status_code == want, f"{role}: {response.status_code}"
        if want != REDIRECT:
            assert Entry.objects.get(pk=people["entry"].pk).state == state_before, role
