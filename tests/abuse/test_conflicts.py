import pytest
from django.db import DatabaseError

from puente.abuse import actions
from puente.abuse.conflicts import party_aliases
from puente.abuse.models import Recruiter
from puente.core import providers
from puente.network.models import DefenderConflict
from tests.factories import make_defender_org

pytestmark = pytest.mark.django_db


def test_employer_aliases_are_every_recorded_spelling(coordinator):
    recruiter = Recruiter.objects.create(name="Reclutadora del Norte")
    actions.do_add_employer(
        recruiter, acting_user=coordinator, employer_name="Green Valley Farms LLC", programme="H-2A",
    )
    actions.do_file_report(acting_user=coordinator, recruiter_names=["Agencia Xol"], employer_name="GREEN VALLEY FARMS")
    actions.do_file_report(acting_user=coordinator, recruiter_names=["Agencia Xol"], employer_name="Blue Ridge Nursery")
    assert party_aliases("employer", "Green Valley Farms, L.L.C.") == {
        "Green Valley Farms, L.L.C.", "Green Valley Farms LLC", "GREEN VALLEY FARMS",
    }


def test_conflict_aliases_provider_gives_recruiter_aliases_and_follows_merges(coordinator):
    aliases = providers.get("cases.conflict_aliases")
    actions.do_create_recruiter(acting_user=coordinator, name="Reclutadora del Norte", aliases=["El Güero"])
    b = Recruiter.objects.create(name="Agencia Norteña")
    assert aliases(["RECLUTADORA DEL NORTE S.A. DE C.V."]) == {"Reclutadora del Norte", "El Güero"}
    assert aliases(["Nadie Conocido"]) == set()
    a = Recruiter.objects.get(name="Reclutadora del Norte")
    merge = actions.do_merge_recruiters(a, b, acting_user=coordinator)
    assert "Agencia Norteña" in aliases(["RECLUTADORA DEL NORTE"])
    actions.do_undo_merge(merge, acting_user=coordinator)
    assert "Agencia Norteña" not in aliases(["RECLUTADORA DEL NORTE"])


def test_conflict_aliases_raises_on_a_database_error(coordinator, monkeypatch):
    """A check that silently found nothing would send a case to a Defender who acted for the
    other side: a database error must reach the caller."""
    actions.do_create_recruiter(acting_user=coordinator, name="Reclutadora del Norte")

    def broken(*args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr("puente.visas.api.employer_name_variants", broken)
    with pytest.raises(DatabaseError):
        providers.call("cases.conflict_aliases", ["Reclutadora del Norte"])


def test_conflict_recorded_on_a_recruiter_is_in_the_network_directory(coordinator):
    """The one conflict check (cases) reads the directory's conflicts with every alias: a conflict
    recorded on a recruiter page is written there too, under the recruiter's name."""
    recruiter = actions.do_create_recruiter(acting_user=coordinator, name="Reclutadora del Norte", aliases=["El Güero"])
    defender = make_defender_org(name="Bufete Pérez")
    actions.do_add_conflict(recruiter, defender, acting_user=coordinator, note="represented it in 2023")
    row = DefenderConflict.objects.get(defender=defender)
    assert (row.party_kind, row.party_name) == ("recruiter", "Reclutadora del Norte")
    assert row.party_name in providers.call("cases.conflict_aliases", ["El Güero"])
