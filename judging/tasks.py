from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Panel
from .selectors import juror_progress


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_reminder(panel_id, juror_id):
    panel = Panel.objects.filter(pk=panel_id).first()
    juror = get_user_model().objects.filter(pk=juror_id, is_active=True).first()
    if panel is None or juror is None:
        return
    done, total = juror_progress(panel=panel, juror=juror)
    if done >= total:
        return  # finished meanwhile
    with translation.override(juror.language):
        context = {
            "panel": panel,
            "juror": juror,
            "done": done,
            "total": total,
            "link": settings.SITE_URL.rstrip("/") + reverse("judging:panel", args=[panel.pk]),
        }
        subject = render_to_string("emails/jury_reminder_subject.txt", context).strip()
        body = render_to_string("emails/jury_reminder_body.txt", context)
    send_mail(subject, body, None, [juror.email])
