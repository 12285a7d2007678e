"""Access matrix of the matching views: Coordinators only (cases.review)."""

import itertools

import pytest

from tests.access import Entry, check_entry, matrix_params

_refs = itertools.count(1)


def matching_case(w):
    """The shared world's case if the cases app provides one, else a case of our own in review."""
    if getattr(w, "case", None) is not None:
        return w.case
    if getattr(w, "matching_case", None) is None:
        from puente.cases.models import Case
        from puente.locate.models import Person
        from puente.network.models import Region

        client = Person.objects.create(
            given_names="Juana", surname_1="Xol", region=Region.objects.get(name="Huehuetenango")
        )
        w.matching_case = Case.objects.create(
            reference=f"AM-{next(_refs):05d}",
            advocate=w.advocate_profile,
            client=client,
            claim_type="wage_hour",
            state="in_review",
        )
    return w.matching_case


MATRIX = [
    # The suggestions panel reveals the network's ranking and the client's region: Coordinators only.
    Entry("cases:match_suggestions", expect={"coordinator": 200}, kwargs=lambda w: {"pk": matching_case(w).pk}),
    # Choosing: Coordinators only; an empty form is refused with 400 and writes nothing.
    Entry(
        "cases:match_choose",
        method="post",
        expect={"coordinator": 400},
        kwargs=lambda w: {"pk": matching_case(w).pk},
    ),
    # Whether the network follows the suggestions: Coordinators only.
    Entry("cases:match_stats", expect={"coordinator": 200}),
]


@pytest.mark.parametrize("entry,role", matrix_params(MATRIX))
def test_access(entry, role, world):
    check_entry(entry, world, role)


def test_choose_with_get_is_not_allowed(world):
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(world.coordinator)
    response = client.get(reverse("cases:match_choose", kwargs={"pk": matching_case(world).pk}))
    assert response.status_code == 405
