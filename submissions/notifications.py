"""Letters about an entry, to everyone who cares about it, each in their own language."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Entry, Film

# States whose change the authors and supervisors hear about.
ANNOUNCED = {
    Entry.State.SUBMITTED,
    Entry.State.ACCEPTED,
    Entry.State.RETURNED,
    Entry.State.REGIONAL_FINALIST,
    Entry.State.REPUBLICAN_PARTICIPANT,
    Entry.State.WITHDRAWN,
}


def entry_recipients(entry):
    people = {entry.created_by_id: entry.created_by}
    people.update({s.pk: s for s in entry.supervisors.all()})
    for author in entry.authors.select_related("participant__user"):
        if author.participant.user_id:
            people[author.participant.user_id] = author.participant.user
    return [p for p in people.values() if p.is_active and p.email_confirmed_at]


def _send(entry, template, context):
    for person in entry_recipients(entry):
        with translation.override(person.language):
            full = {
                "entry": entry,
                "person": person,
                "link": settings.SITE_URL.rstrip("/") + reverse("submissions:entry", args=[entry.pk]),
                **context,
            }
            subject = render_to_string(f"emails/{template}_subject.txt", full).strip()
            body = render_to_string(f"emails/{template}_body.txt", full)
        send_mail(subject, body, None, [person.email])


def entry_state_letters(*, entry_id, state):
    entry = Entry.objects.select_related("created_by", "nomination").filter(pk=entry_id).first()
    # A letter queued for a state the entry has already left would only confuse.
    if entry is None or entry.state != state or state not in ANNOUNCED:
        return
    _send(entry, "entry_state", {})


def film_rejected_letters(*, film_id):
    film = Film.objects.select_related("entry__created_by", "entry__nomination").filter(pk=film_id).first()
    if film is None or film.status != Film.Status.REJECTED:
        return
    from .problems import problem_message

    entry = film.entry
    for person in entry_recipients(entry):
        with translation.override(person.language):
            context = {
                "entry": entry,
                "person": person,
                "problem": problem_message(film.problem, film.problem_params),
                "link": settings.SITE_URL.rstrip("/") + reverse("submissions:entry", args=[entry.pk]),
            }
            subject = render_to_string("emails/film_rejected_subject.txt", context).strip()
            body = render_to_string("emails/film_rejected_body.txt", context)
        send_mail(subject, body, None, [person.email])
