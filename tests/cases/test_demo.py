import io

import pytest
from django.core import mail

from puente.cases import demo
from puente.cases.models import Case, CaseState
from tests.factories import make_advocate, make_coordinator, make_defender_org, make_defender_user

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_covers_every_step(django_capture_on_commit_callbacks):
    out = io.StringIO()
    demo.load(out)
    assert "no demo cases created" in out.getvalue() and not Case.objects.exists()
    make_coordinator(email="coordinator1@demo.puente.org")
    for n in (1, 2):
        make_advocate(email=f"advocate{n}@demo.puente.org")
        make_defender_user(
            make_defender_org(name=f"Demo Defender {n}", regions=()), email=f"defender{n}@demo.puente.org"
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        demo.load(io.StringIO())
    assert not mail.outbox  # the demo sends no email
    states = set(Case.objects.values_list("state", flat=True))
    assert states == set(CaseState.values)
    count = Case.objects.count()
    demo.load(io.StringIO())
    assert Case.objects.count() == count
    closed = Case.objects.get(state=CaseState.CLOSED)
    assert closed.evaluations.count() == 2 and closed.outcome.result == "settled"
