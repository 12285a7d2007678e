"""Two people acting on one case at once: actions lock the case row and re-read its state, so the
second waits for the first and then sees the state the first left (PostgreSQL; SQLite has no row
locks and serialises whole transactions)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from puente.core.action_contract import ActionRefused
from puente.cases import actions
from puente.cases.models import Case, CaseState, CaseTransition, ContractSignature
from tests.cases.helpers import sign_agreement, submit
from tests.factories import make_advocate, make_coordinator, make_defender_org, make_defender_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_decline_waits_for_a_concurrent_assignment_and_is_refused():
    coordinator, other_coordinator = make_coordinator(), make_coordinator(first_name="Marta")
    advocate = make_advocate()
    sign_agreement(advocate)
    defender = make_defender_org(regions=())
    case = submit(advocate)
    actions.do_transition(case, CaseState.IN_REVIEW, acting_user=coordinator)
    outcome = {}

    def decline():
        try:
            actions.do_decline(Case.objects.get(pk=case.pk), acting_user=other_coordinator, reason="Out of scope")
            outcome["result"] = "declined"
        except ActionRefused as exc:
            outcome["result"] = exc.text
        finally:
            outcome["done_at"] = time.monotonic()
            connections.close_all()

    with transaction.atomic():
        # The first Coordinator's assignment holds the lock...
        actions.do_assign_defender(case, defender, acting_user=coordinator)
        worker = threading.Thread(target=decline)
        worker.start()
        time.sleep(1.0)
        # ...and the second one's decline is still waiting for it.
        assert "done_at" not in outcome
        committed_at = time.monotonic()
    worker.join(10)
    assert outcome["done_at"] >= committed_at
    assert "cannot move" in outcome["result"]
    case.refresh_from_db()
    assert case.state == CaseState.AGREEMENT_PENDING and case.defender == defender
    assert not CaseTransition.objects.filter(case=case, to_state=CaseState.DECLINED).exists()


def test_signature_waits_for_a_concurrent_defender_change_and_is_refused():
    """The Defender being replaced signs at the moment the Coordinator replaces it: the signature
    waits for the change, then finds that its signer no longer takes part, and nothing is signed."""
    coordinator, advocate = make_coordinator(), make_advocate()
    sign_agreement(advocate)
    old, new = make_defender_org(regions=()), make_defender_org(regions=())
    old_user = make_defender_user(old)
    case = submit(advocate)
    actions.do_transition(case, CaseState.IN_REVIEW, acting_user=coordinator)
    actions.do_assign_defender(case, old, acting_user=coordinator)
    version = actions.latest_version(case)
    outcome = {}

    def sign():
        try:
            actions.do_sign_contract(
                Case.objects.get(pk=case.pk),
                acting_user=old_user,
                typed_name="Juan Carlos Tzoc Ajanel",
                accepted=True,
                sha256=version.sha256,
            )
            outcome["result"] = "signed"
        except ActionRefused as exc:
            outcome["result"] = exc.text
        finally:
            outcome["done_at"] = time.monotonic()
            connections.close_all()

    with transaction.atomic():
        actions.do_change_defender(case, new, acting_user=coordinator, reason="No answer for two weeks")
        worker = threading.Thread(target=sign)
        worker.start()
        time.sleep(1.0)
        assert "done_at" not in outcome
        committed_at = time.monotonic()
    worker.join(10)
    assert outcome["done_at"] >= committed_at
    assert "do not take part" in outcome["result"]
    assert not ContractSignature.objects.filter(version__case=case, user=old_user).exists()
    case.refresh_from_db()
    assert case.defender == new and actions.latest_version(case).number == 2
