"""The core part of the shared world: a case of our own for the legal-hold pages, and a recorded
session of the Defender for the session pages (``w.defender_session``)."""

from django.utils import timezone


def extend(w):
    from puente.core.models import UserSession
    from tests.core.helpers import make_case

    w.hold_case = make_case(advocate=w.advocate_profile, reference="HOLD-1")
    w.defender_session = UserSession.objects.create(
        user=w.defender, session_key="k" * 32, ip_address="203.0.113.7", user_agent="Android", last_seen=timezone.now()
    )
