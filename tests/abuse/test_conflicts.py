import pytest

from puente.abuse import actions
from puente.abuse.conflicts import defenders_in_conflict, party_aliases
from puente.abuse.models import Recruiter
from puente.cases.models import Case, CaseParty
from puente.locate.models import Person
from puente.network.models import DefenderConflict
from tests.factories import make_defender_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(advocate):
    case = Case.objects.create(reference="AB-TEST-4", advocate=advocate, client=Person.objects.create(given_names="Ana"), claim_type="recruitment_fraud")
    CaseParty.objects.create(case=case, kind="recruiter", name="RECLUTADORA DEL NORTE S.A. DE C.V.")
    CaseParty.objects.create(case=case, kind="employer", name="GREEN VALLEY FARMS, L.L.C.")
    return case


def test_employer_aliases_are_every_recorded_spelling(coordinator):
    recruiter = Recruiter.objects.create(name="Reclutadora del Norte")
    actions.do_add_employer(coordinator, recruiter, "Green Valley Farms LLC", "H-2A")
    actions.do_file_report(coordinator, recruiter_names=["Agencia Xol"], employer_name="GREEN VALLEY FARMS")
    actions.do_file_report(coordinator, recruiter_names=["Agencia Xol"], employer_name="Blue Ridge Nursery")
    assert party_aliases("employer", "Green Valley Farms, L.L.C.") == {
        "Green Valley Farms, L.L.C.", "Green Valley Farms LLC", "GREEN VALLEY FARMS",
    }


def test_defenders_in_conflict_by_recruiter_and_by_alias(case, coordinator):
    recruiter = actions.do_create_recruiter(coordinator, name="Reclutadora del Norte", aliases=["El Güero"])
    acted_for_recruiter = make_defender_org(name="Bufete Pérez")
    acted_under_alias = make_defender_org(name="Colectivo Sur")
    acted_for_employer = make_defender_org(name="Abogados Unidos")
    clean = make_defender_org(name="Centro Limpio")
    actions.do_add_conflict(coordinator, recruiter, acted_for_recruiter, "represented it in 2023")
    DefenderConflict.objects.create(defender=acted_under_alias, party_kind="recruiter", party_name="el güero")
    DefenderConflict.objects.create(defender=acted_for_employer, party_kind="employer", party_name="Green Valley Farms")
    DefenderConflict.objects.create(defender=clean, party_kind="recruiter", party_name="Otra Agencia")

    conflicts = defenders_in_conflict(case)

    assert set(conflicts) == {acted_for_recruiter.pk, acted_under_alias.pk, acted_for_employer.pk}
    assert "Reclutadora del Norte" in conflicts[acted_for_recruiter.pk]
    assert "RECLUTADORA DEL NORTE S.A. DE C.V." in conflicts[acted_under_alias.pk]


def test_conflict_follows_a_merge_and_its_undo(case, coordinator):
    a = Recruiter.objects.create(name="Reclutadora del Norte")
    b = Recruiter.objects.create(name="Agencia Norteña")
    defender = make_defender_org(name="Bufete Norte")
    actions.do_add_conflict(coordinator, b, defender)
    assert defenders_in_conflict(case) == {}
    merge = actions.do_merge_recruiters(coordinator, a, b)
    assert set(defenders_in_conflict(case)) == {defender.pk}
    actions.do_undo_merge(coordinator, merge)
    assert defenders_in_conflict(case) == {}
