from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse
from django.utils import translation

from organizing.demo import DEMO_PASSWORD, demo_load, demo_logins


class Command(BaseCommand):
    help = "Load the demo edition, schools, accounts and children (idempotent); print the logins and what to do first."

    def handle(self, *args, **options):
        demo_load()
        self.stdout.write(f"  Demo logins (password for all: {DEMO_PASSWORD}), each with what to do first:")
        with translation.override("ru"):
            for account in demo_logins():
                role = account.role or account.kind
                url = settings.SITE_URL.rstrip("/") + reverse(account.page, args=account.page_args)
                self.stdout.write(f"    {account.email:<27} {role:<11} {account.todo}")
                self.stdout.write(f"    {'':<27} {'':<11} {url}")
