import pytest

from tests.access import LOGIN, Entry, check_entry, matrix_params

SIGNED_IN = ["coordinator", "advocate", "other_advocate", "defender", "other_defender"]

MATRIX = [
    # Home sends each role to its own dashboard (302), or shows a welcome page (200).
    Entry("home", expect={"anonymous": LOGIN, **{r: (200, 302) for r in SIGNED_IN}}),
    # Public liveness probe for the load balancer; it reveals nothing.
    Entry("health", expect={r: 200 for r in ["anonymous", *SIGNED_IN]}),
]


@pytest.mark.parametrize("entry,role", matrix_params(MATRIX))
def test_access(entry, role, world):
    check_entry(entry, world, role)
