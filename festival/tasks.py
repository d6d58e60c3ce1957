from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import User
from .services import email_confirmation_token


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email_confirmation(user_id, language, base_url):
    user = User.objects.filter(pk=user_id, email_confirmed_at__isnull=True).first()
    if user is None:
        return  # confirmed meanwhile, or gone: nothing to send
    with translation.override(language):
        link = base_url.rstrip("/") + reverse("confirm_email", args=[email_confirmation_token(user=user)])
        context = {"user": user, "link": link}
        subject = render_to_string("emails/confirm_subject.txt", context).strip()
        body = render_to_string("emails/confirm_body.txt", context)
    send_mail(subject, body, None, [user.email])
