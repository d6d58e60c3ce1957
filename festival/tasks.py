"""Letters. Tasks take ids, re-read the database, and build links and text in the reader's language."""

from celery import shared_task
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import User
from .services import email_confirmation_token


def _send_letter(user, language, template, context):
    with translation.override(language):
        context = {"user": user, **context}
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"emails/{template}_body.txt", context)
    send_mail(subject, body, None, [user.email])


def _link(base_url, language, view, *args):
    with translation.override(language):
        return base_url.rstrip("/") + reverse(view, args=args)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email_confirmation(user_id, language, base_url):
    user = User.objects.filter(pk=user_id, email_confirmed_at__isnull=True).first()
    if user is None:
        return  # confirmed meanwhile, or gone: nothing to send
    link = _link(base_url, language, "confirm_email", email_confirmation_token(user=user))
    _send_letter(user, language, "confirm", {"link": link})


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_password_reset(user_id, language, base_url):
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = _link(base_url, language, "password_reset_confirm", uid, default_token_generator.make_token(user))
    _send_letter(user, language, "password_reset", {"link": link})
