"""`puente demo-totp EMAIL`: the current 6-digit TOTP code of a demo account. Development only."""

import time

from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from puente.network.models import User


class Command(BaseCommand):
    help = "Print the current TOTP code of an account (only with DEBUG on, for the demo Coordinators)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not settings.DEBUG:
            raise CommandError("Refused: demo-totp works only in development (PUENTE_DEBUG=1).")
        user = User.objects.filter(email__iexact=email).first()
        auth = user and Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if not auth:
            raise CommandError(f"{email}: no account with an activated TOTP authenticator.")
        secret = get_adapter().decrypt(auth.data["secret"])
        period = 30
        now = int(time.time())
        self.stdout.write(format_hotp_value(hotp_value(secret, now // period)))
        self.stderr.write(f"valid for {period - now % period} more seconds")
