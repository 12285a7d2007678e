import pytest

from tests.access import LOGIN, Entry, check_entry, matrix_params

EVERYONE = ["anonymous", "coordinator", "advocate", "other_advocate", "defender", "other_defender"]
PUBLIC = {r: 200 for r in EVERYONE}
COORDINATOR_ONLY = {"anonymous": LOGIN, "coordinator": 200}

MATRIX = [
    # Public records (OFLC disclosure data, DOL debarments): open to everyone, signed in or not.
    Entry("visas:search", expect=PUBLIC, data=lambda w: {"q": "growers"}),
    Entry("visas:employer", expect=PUBLIC, kwargs=lambda w: {"pk": w.visa_employer.pk}),
    # A merged employer's page sends everyone to the employer it was merged into.
    Entry("visas:employer", expect={r: 302 for r in EVERYONE}, kwargs=lambda w: {"pk": w.visa_merged.pk}, id="employer-merged"),
    Entry("visas:agent", expect=PUBLIC, kwargs=lambda w: {"pk": w.visa_agent.pk}),
    Entry("visas:stats", expect=PUBLIC),
    # The network's own material: Coordinators only.
    Entry("visas:case_employer_history", expect=COORDINATOR_ONLY, kwargs=lambda w: {"case_pk": w.case.pk}),
    Entry("visas:reviews", expect=COORDINATOR_ONLY),
    Entry("visas:review_decide", method="post", expect={"anonymous": LOGIN, "coordinator": 302},
          kwargs=lambda w: {"pk": w.merge_review.pk}, data=lambda w: {"decision": "reject"}),
    Entry("visas:merge_undo", method="post", expect={"anonymous": LOGIN, "coordinator": 302},
          kwargs=lambda w: {"pk": w.employer_merge.pk}),
]


@pytest.mark.parametrize("entry,role", matrix_params(MATRIX))
def test_access(entry, role, world):
    check_entry(entry, world, role)
