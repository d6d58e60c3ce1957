"""Operations of the festival core. Views, tasks, admin, commands and tests call these, never raw save()."""

import datetime
import hashlib
import hmac
import logging

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import slugify
from kombu.exceptions import OperationalError as KombuOperationalError

from .consent import CONSENT_ITEMS, CONSENT_TEXT_VERSION, consent_text
from .defaults import DEFAULT_AGE_GROUPS, DEFAULT_CONTACT_EMAIL, DEFAULT_CONTACT_PHONE, DEFAULT_NOMINATIONS
from .models import AgeGroup, Consent, Edition, Nomination, Participant, Phase, RoleGrant, School, User

_CONFIRM_SALT = "festival.email-confirmation"
logger = logging.getLogger(__name__)


def queue_after_commit(task, *args):
    """Queue the Celery task named `task` ("app.tasks.function") with `args` once the current transaction
    commits (at once outside one).

    By name, so that a services module never imports its tasks module, which imports the services. A broker
    outage must not turn a saved change into an error page: the task is logged as not sent, and the watchdogs
    (film checks, document chunks) or the person (a letter asked for again) send it later."""

    def send():
        try:
            import_string(task).delay(*args)
        except KombuOperationalError:
            logger.exception("Could not queue %s; the broker is unreachable", task)

    transaction.on_commit(send)


class DuplicateEmail(Exception):
    pass


class DuplicateIIN(Exception):
    pass


class ConfirmationExpired(Exception):
    pass


class ConfirmationInvalid(Exception):
    pass


# ---------------------------------------------------------------- accounts


def user_register(
    *,
    kind,
    email,
    password,
    first_name,
    last_name,
    patronymic="",
    birth_date=None,
    phone="",
    region=None,
    school=None,
    school_other="",
    language="ru",
    base_url,
):
    """Create an unconfirmed account and send the confirmation letter.

    Side effects: one User row; after commit, a Celery task e-mails the confirmation link.
    Raises DuplicateEmail if the address is taken (checked by the database, so two tabs cannot both win).
    """
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                language=language,
                email=email,
                password=password,
                kind=kind,
                first_name=first_name,
                last_name=last_name,
                patronymic=patronymic,
                birth_date=birth_date,
                phone=phone,
                region=region,
                school=school,
                school_other=school_other,
            )
    except IntegrityError:
        raise DuplicateEmail(email) from None
    email_confirmation_send(user=user, language=language, base_url=base_url)
    return user


def _email_fingerprint(user):
    # Binds the token to the address and to the confirmation state, so it works once and only for that address.
    state = f"{user.pk}:{user.email}:{user.email_confirmed_at}"
    return hmac.new(settings.SECRET_KEY.encode(), state.encode(), hashlib.sha256).hexdigest()[:16]


def email_confirmation_token(*, user):
    return signing.dumps({"u": user.pk, "f": _email_fingerprint(user)}, salt=_CONFIRM_SALT)


# One letter of a kind per address per interval, however often a form is sent.
LETTER_INTERVAL = datetime.timedelta(minutes=1)


def _letter_slot(user, field):
    """Claim the right to send a letter now; False if one went out less than LETTER_INTERVAL ago.

    A conditional UPDATE, so two simultaneous requests cannot both claim it.
    """
    now = timezone.now()
    claimed = (
        User.objects.filter(pk=user.pk)
        .filter(Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lte": now - LETTER_INTERVAL}))
        .update(**{field: now})
    )
    return claimed == 1


def email_confirmation_send(*, user, language, base_url):
    """Side effects: stamps User.confirmation_sent_at and queues the letter after commit (at most one a minute)."""

    if _letter_slot(user, "confirmation_sent_at"):
        queue_after_commit("festival.tasks.send_email_confirmation", user.pk, language, base_url)


def email_confirmation_resend(*, email, language, base_url):
    """Side effects: for an unconfirmed account with this e-mail, as email_confirmation_send.

    Says nothing about whether the account exists: the caller shows the same page either way.
    """
    user = User.objects.filter(email__iexact=email.strip(), email_confirmed_at__isnull=True, is_active=True).first()
    if user is not None:
        email_confirmation_send(user=user, language=language, base_url=base_url)


def password_reset_send(*, email, language, base_url):
    """Side effects: for an active account with this e-mail, queues the password letter (at most one a minute).

    Says nothing about whether the account exists: the caller shows the same page either way.
    """

    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is not None and user.has_usable_password() and _letter_slot(user, "password_reset_sent_at"):
        queue_after_commit("festival.tasks.send_password_reset", user.pk, language, base_url)


def user_confirm_email(*, token):
    """Mark the e-mail confirmed. Side effects: sets User.email_confirmed_at.

    Returns (user, confirmed_now). Only the first use of a link confirms; a link used again (from a
    browser's history on a shared school computer, say) must not sign anyone in, so callers log in only
    when confirmed_now is True.
    Raises ConfirmationExpired (the link is too old; a new one can be sent) or ConfirmationInvalid.
    """
    try:
        data = signing.loads(token, salt=_CONFIRM_SALT, max_age=settings.EMAIL_CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ConfirmationExpired from None
    except signing.BadSignature:
        raise ConfirmationInvalid from None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None:
        raise ConfirmationInvalid
    if user.email_confirmed_at is not None:
        return user, False
    if not hmac.compare_digest(_email_fingerprint(user), str(data.get("f"))):
        raise ConfirmationInvalid
    confirmed = User.objects.filter(pk=user.pk, email_confirmed_at__isnull=True).update(
        email_confirmed_at=timezone.now()
    )
    user.refresh_from_db(fields=["email_confirmed_at"])
    return user, confirmed == 1


def user_password_reset_done(*, user):
    """After a password is set through the e-mailed link. Side effects: the letter proves the mailbox, so an
    unconfirmed address becomes confirmed; login lockouts for the account are lifted."""
    from axes.utils import reset as axes_reset

    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    axes_reset(username=user.email)


def user_set_language(*, user, language):
    """Side effects: User.language, the language of the letters this person gets."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def role_grant(*, user, role, region=None):
    """Give a staff role. Side effects: a RoleGrant row; organizers also get the admin (is_staff)."""
    grant, _created = RoleGrant.objects.get_or_create(user=user, role=role, region=region)
    user_sync_staff(user=user)
    return grant


def user_sync_staff(*, user):
    """The admin is the organizers' tool: is_staff follows the organizer role. Side effects: User.is_staff."""
    is_staff = user.is_superuser or user.role_grants.filter(role=RoleGrant.Role.ORGANIZER).exists()
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


# ---------------------------------------------------------------- participants and consent


def participant_register(*, recorded_by, identity, profile, consent, language, user=None, supervisor=None):
    """Record a participant together with the consent that allows processing their data.

    `identity`: last_name, first_name, patronymic, birth_date; `profile`: region, school, school_other,
    grade, iin; `consent`: given_by_name, relation, given_by_phone.
    A student whose earlier consent was withdrawn keeps their Participant row: it is updated and gets the
    new consent. Side effects: a Participant row (new or updated) and one Consent row, both or neither.
    Raises DuplicateIIN when another participant has the IIN.
    """
    language, text = consent_text(language)
    iin = profile.get("iin") or None
    fields = {**identity, **{k: v for k, v in profile.items() if k != "iin"}, "iin": iin}
    with transaction.atomic():
        participant = Participant.objects.select_for_update().filter(user=user).first() if user else None
        if iin and Participant.objects.filter(iin=iin).exclude(pk=getattr(participant, "pk", None)).exists():
            raise DuplicateIIN
        try:
            with transaction.atomic():
                if participant is None:
                    participant = Participant.objects.create(
                        user=user, supervisor=supervisor, created_by=recorded_by, **fields
                    )
                else:
                    for name, value in fields.items():
                        setattr(participant, name, value)
                    participant.save(update_fields=list(fields))
        except IntegrityError:
            # Only the IIN is unique apart from the account, which is handled above: a simultaneous request won.
            raise DuplicateIIN from None
        Consent.objects.create(
            participant=participant,
            recorded_by=recorded_by,
            text_version=CONSENT_TEXT_VERSION,
            language=language,
            **consent,
            **{key: text[key] for key, _label in CONSENT_ITEMS},
        )
    return participant


def consent_withdraw(*, consent):
    """Side effects: Consent.withdrawn_at; the participant's data is no longer processed until a new consent."""
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])


def code_free(wanted, taken, *, fallback):
    """A code (slug) made of `wanted` — or `fallback` when that is empty — numbered -2, -3 … past the codes in
    `taken`, short enough for a 40-character code field."""
    base = (slugify(wanted) or fallback)[:34]
    code, number = base, 2
    while code in taken:
        code, number = f"{base}-{number}", number + 1
    return code


# ---------------------------------------------------------------- editions


def edition_create(*, year, title_kk, title_ru, title_en, phases, make_current=False, with_defaults=True):
    """Open an edition. `phases` maps Phase.Kind to (starts_at, ends_at).

    Side effects: Edition, its Phase rows and, with_defaults, the eight nominations and three age groups.
    make_current moves the public site to this edition.
    """
    with transaction.atomic():
        if make_current:
            Edition.objects.filter(is_current=True).update(is_current=False)
        edition = Edition.objects.create(
            year=year,
            title_kk=title_kk,
            title_ru=title_ru,
            title_en=title_en,
            is_current=make_current,
            contact_phone=DEFAULT_CONTACT_PHONE,
            contact_email=DEFAULT_CONTACT_EMAIL,
        )
        Phase.objects.bulk_create(
            Phase(edition=edition, kind=kind, starts_at=start, ends_at=end) for kind, (start, end) in phases.items()
        )
        if with_defaults:
            Nomination.objects.bulk_create(
                Nomination(edition=edition, order=index, **data) for index, data in enumerate(DEFAULT_NOMINATIONS)
            )
            AgeGroup.objects.bulk_create(AgeGroup(edition=edition, **data) for data in DEFAULT_AGE_GROUPS)
    return edition


def schools_approve(*, schools):
    """Offer `schools` (School rows or ids) in the public school picker of the registration forms.

    Side effects: School.approved set on those not yet approved. Returns how many that was."""
    ids = [getattr(school, "pk", school) for school in schools]
    return School.objects.filter(pk__in=ids, approved=False).update(approved=True)
