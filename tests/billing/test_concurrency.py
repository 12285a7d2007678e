"""Invoice numbers under concurrency: several Coordinators issuing at the same moment, each in
its own thread with its own database connection, get 1..N with no gap and no duplicate."""

import os
import threading

import pytest
from puente.core.action_contract import ActionRefused
from django.db import connection, connections

from puente.billing import actions
from puente.billing.models import Invoice, InvoiceState
from tests.factories import make_advocate, make_coordinator, make_defender_org, make_defender_user

from .helpers import make_case, make_rates, make_report

N = 8


@pytest.fixture
def require_postgres(transactional_db):
    if connection.vendor != "postgresql":
        if os.environ.get("PUENTE_REQUIRE_POSTGRES") == "1":
            pytest.fail("PUENTE_REQUIRE_POSTGRES=1 but the database is %s" % connection.vendor)
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def _run_at_once(jobs):
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=30)
            results[i] = job()
        except Exception as exc:  # noqa: BLE001  (collected and asserted on below)
            errors[i] = exc
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


def _drafts(n):
    advocate = make_advocate()
    defender_org = make_defender_org(country="GT")
    defender = make_defender_user(defender_org)
    case = make_case(advocate, defender_org)
    make_rates()
    coordinators = [make_coordinator() for _ in range(n)]
    coordinator = coordinators[0]
    drafts = [
        actions.do_create_invoice(
            advocate, [make_report(defender, case, approve_by=coordinator)], acting_user=coordinator
        )
        for _ in range(n)
    ]
    return coordinators, drafts


@pytest.mark.postgres
def test_concurrent_issues_get_numbers_1_to_n_without_gaps_or_duplicates(require_postgres):
    coordinators, drafts = _drafts(N)
    results, errors = _run_at_once(
        [
            (lambda c=c, d=d: actions.do_issue_invoice(Invoice.objects.get(pk=d.pk), acting_user=c))
            for c, d in zip(coordinators, drafts, strict=True)
        ]
    )
    assert errors == [None] * N
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, N + 1))
    assert set(Invoice.objects.values_list("state", flat=True)) == {InvoiceState.ISSUED}


@pytest.mark.postgres
def test_the_same_draft_issued_twice_at_once_is_issued_once(require_postgres):
    coordinators, drafts = _drafts(2)
    draft = drafts[0]
    results, errors = _run_at_once(
        [(lambda c=c: actions.do_issue_invoice(Invoice.objects.get(pk=draft.pk), acting_user=c)) for c in coordinators]
    )
    assert sum(e is None for e in errors) == 1
    assert any(isinstance(e, ActionRefused) for e in errors)
    draft.refresh_from_db()
    assert draft.number == 1
    # The number the refused attempt did not take is not lost: the next issue gets 2.
    assert actions.do_issue_invoice(drafts[1], acting_user=coordinators[0]).number == 2
