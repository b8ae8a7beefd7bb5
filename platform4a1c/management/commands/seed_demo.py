"""Build the demo cluster (idempotent: running it twice changes nothing)."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from platform4a1c.demo import DEMO_PASSWORD, STEPS
from platform4a1c.demo.users import ADMIN_EMAIL, DEMO_USERS


class Command(BaseCommand):
    help = "Seed the demo cluster (Yongkang hardware cluster) with one user per role."

    def handle(self, *args, **options):
        world: dict = {}
        for step in STEPS:
            with transaction.atomic():
                import_module(step).seed(world, self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Log in with any of these (password: {DEMO_PASSWORD}):"))
        for email, role, kind, _name in DEMO_USERS:
            self.stdout.write(f"  {email:36} {kind.label} · {role.label}")
        self.stdout.write(f"  {ADMIN_EMAIL:36} superuser (Django admin)")
