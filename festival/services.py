"""Operations of the festival core. Views, tasks, admin, commands and tests call these, never raw save()."""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .consent import CONSENT_ITEMS, CONSENT_TEXT_VERSION, consent_text
from .defaults import DEFAULT_AGE_GROUPS, DEFAULT_CONTACT_EMAIL, DEFAULT_CONTACT_PHONE, DEFAULT_NOMINATIONS
from .models import AgeGroup, Consent, Edition, Nomination, Participant, Phase, RoleGrant, User

_CONFIRM_SALT = "festival.email-confirmation"


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
    from .tasks import send_email_confirmation

    if _letter_slot(user, "confirmation_sent_at"):
        transaction.on_commit(lambda: send_email_confirmation.delay(user.pk, language, base_url))


def password_reset_send(*, email, language, base_url):
    """Side effects: for an active account with this e-mail, queues the password letter (at most one a minute).

    Says nothing about whether the account exists: the caller shows the same page either way.
    """
    from .tasks import send_password_reset

    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is not None and user.has_usable_password() and _letter_slot(user, "password_reset_sent_at"):
        transaction.on_commit(lambda: send_password_reset.delay(user.pk, language, base_url))


def user_confirm_email(*, token):
    """Mark the e-mail confirmed. Side effects: sets User.email_confirmed_at.

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
        return user  # a second click on the same link is harmless
    if not hmac.compare_digest(_email_fingerprint(user), str(data.get("f"))):
        raise ConfirmationInvalid
    user.email_confirmed_at = timezone.now()
    user.save(update_fields=["email_confirmed_at"])
    return user


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
    """Create a participant together with the consent that allows processing their data.

    `identity`: last_name, first_name, patronymic, birth_date; `profile`: region, school, school_other,
    grade, iin; `consent`: given_by_name, relation, given_by_phone.
    Side effects: one Participant and one Consent row, both or neither. Raises DuplicateIIN.
    """
    language, text = consent_text(language)
    try:
        with transaction.atomic():
            participant = Participant.objects.create(
                user=user,
                supervisor=supervisor,
                created_by=recorded_by,
                iin=profile.get("iin") or None,
                **identity,
                **{k: v for k, v in profile.items() if k != "iin"},
            )
            Consent.objects.create(
                participant=participant,
                recorded_by=recorded_by,
                text_version=CONSENT_TEXT_VERSION,
                language=language,
                **consent,
                **{key: text[key] for key, _label in CONSENT_ITEMS},
            )
    except IntegrityError:
        raise DuplicateIIN(profile.get("iin")) from None
    return participant


def participant_has_consent(participant):
    return participant is not None and participant.consents.filter(withdrawn_at__isnull=True).exists()


def user_needs_consent(user):
    """A student's data is processed only once a consent is on record."""
    if not user.is_authenticated or user.kind != User.Kind.STUDENT:
        return False
    participant = getattr(user, "participant", None)
    return not participant_has_consent(participant)


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
