import pytest

from tests.access import LOGIN, Entry, check_entry, matrix_params

def _first_entry(obj):
    from auditlog.models import LogEntry

    return LogEntry.objects.get_for_object(obj).order_by("pk").first().pk


SIGNED_IN = ["coordinator", "advocate", "other_advocate", "defender", "other_defender"]
COORDINATOR_ONLY = {"coordinator": 200}

MATRIX = [
    # Home sends each role to its own dashboard (302), or shows a welcome page (200).
    Entry("home", expect={"anonymous": LOGIN, **{r: (200, 302) for r in SIGNED_IN}}),
    # Public liveness probe for the load balancer; it reveals nothing.
    Entry("health", expect={r: 200 for r in ["anonymous", *SIGNED_IN]}),
    # Audit history and its export: Coordinators only.
    Entry("core:audit", expect=COORDINATOR_ONLY),
    Entry("core:audit_export", expect=COORDINATOR_ONLY),
    Entry(
        "core:audit",
        expect=COORDINATOR_ONLY,
        data=lambda w: {"person": w.hold_case.client_id, "case": "HOLD-1"},
        id="core:audit:filtered",
    ),
    # An earlier version of a record (its personal fields decrypted) and "restore this version":
    # Coordinators (audit.restore) only; the restore redirects back to the page.
    Entry("core:audit_version", expect=COORDINATOR_ONLY, kwargs=lambda w: {"pk": _first_entry(w.locate_person)}),
    Entry(
        "core:audit_version",
        method="post",
        expect={"coordinator": 302},
        kwargs=lambda w: {"pk": _first_entry(w.locate_person)},
    ),
    # Sessions and accounts: Coordinators only (accounts.manage).
    Entry("core:sessions", expect=COORDINATOR_ONLY),
    Entry("core:user_sessions", expect=COORDINATOR_ONLY, kwargs=lambda w: {"user_id": w.defender.pk}),
    Entry(
        "core:end_session",
        method="post",
        expect={"coordinator": 302},
        kwargs=lambda w: {"session_id": w.defender_session.pk},
    ),
    Entry(
        "core:end_session",
        method="get",
        expect={r: 405 for r in ["anonymous", *SIGNED_IN]},
        kwargs=lambda w: {"session_id": w.defender_session.pk},
        id="core:end_session:get",
    ),
    Entry(
        "core:end_user_sessions",
        method="post",
        expect={"coordinator": 302},
        kwargs=lambda w: {"user_id": w.other_defender.pk},
    ),
    Entry(
        "core:deactivate_user",
        method="post",
        expect={"coordinator": 302},
        kwargs=lambda w: {"user_id": w.other_advocate.pk},
    ),
    Entry(
        "core:reactivate_user",
        method="post",
        expect={"coordinator": 302},
        kwargs=lambda w: {"user_id": w.other_advocate.pk},
    ),
    # Retention and legal hold: Coordinators only.
    Entry("core:retention", expect=COORDINATOR_ONLY),
    Entry(
        "core:retention",
        method="post",
        expect={"coordinator": 302},
        data=lambda w: {"case": "HOLD-1", "reason": "Court order"},
        id="core:retention:post",
    ),
    Entry(
        "core:legal_hold",
        method="post",
        expect={"coordinator": 302},
        kwargs=lambda w: {"case_id": w.hold_case.pk},
        data=lambda w: {"on": "1", "reason": "Subpoena"},
    ),
]


@pytest.mark.parametrize("entry,role", matrix_params(MATRIX))
def test_access(entry, role, world):
    check_entry(entry, world, role)
