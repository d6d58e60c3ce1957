from django.core.management.base import BaseCommand

from festival.demo import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load the demo edition, schools and one account per role (idempotent)."

    def handle(self, *args, **options):
        accounts = demo_load()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in accounts:
            self.stdout.write(f"  {role:<12} {email}")
