"""`puente demo`: load realistic demo data, idempotently (running it twice changes nothing).

Each app contributes its part in ``puente/<app>/demo.py`` as ``load(stdout) -> None``, run in
dependency order. Every part must look its rows up by a natural key before creating them.
"""

import random
from importlib import import_module

from auditlog.context import disable_auditlog
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

ORDER = ["network", "locate", "cases", "billing", "visas", "abuse"]
DEMO_PASSWORD = "puente-demo-2026"  # noqa: S105 - the published password of the demo accounts


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        random.seed(2026)
        # Demo rows are not anybody's change: keep them out of the audit history.
        with disable_auditlog(), transaction.atomic():
            for app in ORDER:
                try:
                    module = import_module(f"puente.{app}.demo")
                except ModuleNotFoundError:
                    continue
                module.load(self.stdout)
        self._print_logins()

    def _print_logins(self):
        User = get_user_model()
        self.stdout.write(self.style.SUCCESS("\nDemo logins (password for all: %s):" % DEMO_PASSWORD))
        for role in ("coordinator", "advocate", "defender"):
            user = User.objects.filter(role=role, email__endswith="@demo.puente.org").order_by("pk").first()
            if user:
                extra = " (TOTP secret printed above; any authenticator app)" if role == "coordinator" else ""
                self.stdout.write(f"  {role:<12} {user.email}{extra}")
        self.stdout.write("Open http://127.0.0.1:8000/")
