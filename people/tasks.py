"""The invitation letter. The task takes the id, re-reads the invitation, and writes in the invitee's language."""

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Invitation
from .services import invitation_sent, invitation_token


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(invitation_id, base_url):
    invitation = (
        Invitation.objects.open().select_related("region", "panel", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None:
        return  # accepted or cancelled meanwhile: nothing to send
    with translation.override(invitation.language):
        link = base_url.rstrip("/") + reverse("people:accept", args=[invitation_token(invitation)])
        context = {"invitation": invitation, "link": link, "inviter": invitation.invited_by}
        subject = render_to_string("emails/invitation_subject.txt", context).strip()
        body = render_to_string("emails/invitation_body.txt", context)
    send_mail(subject, body, None, [invitation.email])
    invitation_sent(invitation_id=invitation.pk)
