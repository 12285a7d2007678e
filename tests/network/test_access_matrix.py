"""Who may open which network page: role x object x view."""

import pytest

from tests.access import Entry, check_entry, matrix_params

SIGNED_IN = ["coordinator", "advocate", "other_advocate", "defender", "other_defender"]
OWN_PROFILE = ["advocate", "other_advocate", "defender", "other_defender"]
EVERYONE = ["anonymous", *SIGNED_IN]
COORD_ONLY = {"coordinator": 200}


def defender_pk(w):
    return {"pk": w.defender_org.pk}


def defender_data(w):
    return {"name": "Centro de Derechos Mam", "kind": "organisation", "country": "GT", "city": "Huehuetenango",
            "capacity": 4, "hourly_rate_0": "300.00", "hourly_rate_1": "GTQ", "status": "active",
            "regions": [r.pk for r in w.defender_org.regions.all()]}


MATRIX = [
    # The directory is the Coordinators' tool: every other role is refused outright (403), and a
    # Defender cannot reach another's (or even its own) directory entry through it.
    Entry("network:defender_list", expect=COORD_ONLY),
    Entry("network:defender_detail", expect=COORD_ONLY, kwargs=defender_pk),
    Entry("network:defender_create", expect=COORD_ONLY),
    Entry("network:defender_edit", expect=COORD_ONLY, kwargs=defender_pk),
    Entry("network:defender_edit", expect={"coordinator": 302}, kwargs=defender_pk, method="post", data=defender_data),
    Entry("network:contact_add", expect={"coordinator": 302}, kwargs=defender_pk, method="post",
          data=lambda w: {"name": "Juana Cux Xol", "position": "Paralegal"}),
    Entry("network:contact_delete", expect={"coordinator": 302}, method="post",
          kwargs=lambda w: {"pk": w.defender_org.pk, "contact_pk": w.contact.pk}),
    Entry("network:conflict_add", expect={"coordinator": 302}, kwargs=defender_pk, method="post",
          data=lambda w: {"party_kind": "employer", "party_name": "Agrícola del Valle"}),
    Entry("network:conflict_delete", expect={"coordinator": 302}, method="post",
          kwargs=lambda w: {"pk": w.defender_org.pk, "conflict_pk": w.conflict.pk}),
    # A contact of one Defender cannot be deleted through another Defender's URL.
    Entry("network:contact_delete", expect={"coordinator": 404}, method="post", id="contact_delete:wrong-defender",
          kwargs=lambda w: {"pk": w.other_defender_org.pk, "contact_pk": w.contact.pk}),
    Entry("network:advocate_list", expect=COORD_ONLY),
    Entry("network:advocate_detail", expect=COORD_ONLY, kwargs=lambda w: {"pk": w.advocate_profile.pk}),
    Entry("network:advocate_edit", expect=COORD_ONLY, kwargs=lambda w: {"pk": w.advocate_profile.pk}),
    Entry("network:coverage", expect=COORD_ONLY),
    # Own profile: Defenders and Advocates, each sees only its own (no object in the URL).
    Entry("network:my_profile", expect={r: 200 for r in OWN_PROFILE}),
    Entry("network:account", expect={r: 200 for r in SIGNED_IN}),
    Entry("network:set_language", expect={r: 302 for r in SIGNED_IN}, method="post",
          data=lambda w: {"language": "es", "next": "/network/account/"}),
    Entry("network:accounts", expect=COORD_ONLY),
    Entry("network:invite", expect=COORD_ONLY),
    Entry("network:account_deactivate", expect={"coordinator": 302}, method="post",
          kwargs=lambda w: {"pk": w.other_defender.pk}),
    Entry("network:account_reactivate", expect={"coordinator": 302}, method="post",
          kwargs=lambda w: {"pk": w.other_defender.pk}),
    Entry("network:invitation_resend", expect={"coordinator": 302}, method="post",
          kwargs=lambda w: {"pk": w.invitee.pk}),
    # A Coordinator cannot deactivate itself through the URL either: it is not among "others".
    Entry("network:account_deactivate", expect={"coordinator": 404}, method="post", id="deactivate:self",
          kwargs=lambda w: {"pk": w.coordinator.pk}),
    # The invitation link is public; a forged token moves to the session and then finds nothing.
    Entry("network:accept_invitation", expect={r: 302 for r in EVERYONE},
          kwargs=lambda w: {"uidb64": "MQ", "token": "abc-123"}),
    Entry("network:accept_invitation", expect={r: 404 for r in EVERYONE}, id="accept_invitation:no-session",
          kwargs=lambda w: {"uidb64": "MQ", "token": "set-password"}),
    Entry("network:import", expect=COORD_ONLY),
    Entry("network:export", expect=COORD_ONLY),
    Entry("network:audit", expect=COORD_ONLY),
]


@pytest.mark.parametrize("entry,role", matrix_params(MATRIX))
def test_access(entry, role, world):
    check_entry(entry, world, role)


def test_refusals_leak_nothing(world):
    """A Defender refused another Defender's pages sees neither its name nor its contacts."""
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(world.other_defender)
    for name in ("network:defender_detail", "network:defender_edit"):
        response = client.get(reverse(name, kwargs={"pk": world.defender_org.pk}))
        assert response.status_code in (403, 404)
        body = response.content.decode()
        assert world.defender_org.name not in body
        assert world.contact.name not in body
    # Their own profile page shows their own entry, not the other.
    body = client.get(reverse("network:my_profile")).content.decode()
    assert world.other_defender_org.name in body and world.defender_org.name not in body
