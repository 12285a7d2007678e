"""The conflict-of-interest check is part of the assignment itself (issue 14): every path to
assigning or changing a Defender refuses a conflicted Defender (the actions, each view, each
form's choices, matching's suggestions), the refusal names the party and why without another
case's details, and a database error in the check is an error, never an empty result."""

import pytest
from django.core import signing
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import reverse

from puente.abuse.models import Recruiter, RecruiterAlias
from puente.cases import actions, conflicts, matching
from puente.cases.forms import ChangeDefenderForm
from puente.cases.models import Case, CaseState, CaseTransition, ContractVersion, MatchRecord
from puente.cases.views_matching import SIGNING_SALT, ChooseForm
from puente.core.action_contract import ActionRefused
from puente.locate.models import Person
from puente.network.models import DefenderConflict
from tests.cases.helpers import sign_agreement, submit
from tests.factories import make_defender_org

pytestmark = pytest.mark.django_db
S = CaseState
RECRUITER = "Reclutadora del Norte S.A. de C.V."


@pytest.fixture
def conflicted(world):
    """A Defender that declared it acted for the recruiter the case names (written another way)."""
    defender = make_defender_org(name="Bufete con conflicto")
    DefenderConflict.objects.create(defender=defender, party_kind="recruiter", party_name=RECRUITER)
    return defender


@pytest.fixture
def in_review(world):
    sign_agreement(world.advocate_profile)
    case = submit(world.advocate_profile, parties=[{"kind": "recruiter", "name": "RECLUTADORA  DEL NORTE, SA DE CV"}])
    actions.do_transition(case, S.IN_REVIEW, acting_user=world.coordinator)
    return case


def _unassigned(case):
    case.refresh_from_db()
    assert case.defender_id is None and case.state == S.IN_REVIEW
    assert not MatchRecord.objects.filter(case=case).exists() and not ContractVersion.objects.filter(case=case).exists()


def test_assign_refuses_a_conflicted_defender_naming_the_party_and_why(in_review, world, conflicted):
    with pytest.raises(ActionRefused) as refused:
        actions.do_assign_defender(in_review, conflicted, acting_user=world.coordinator)
    assert refused.value.refusal_code == "conflict" and refused.value.field == "defender"
    assert refused.value.text == (
        "Bufete con conflicto cannot take this case: conflict of interest with RECLUTADORA  DEL NORTE, SA DE CV "
        f"(acted for {RECRUITER} (named in the case as RECLUTADORA  DEL NORTE, SA DE CV))."
    )
    _unassigned(in_review)
    # Another Defender takes it.
    actions.do_assign_defender(in_review, world.defender_org, acting_user=world.coordinator)


def test_change_of_defender_refuses_a_conflicted_defender(in_review, world, conflicted):
    actions.do_assign_defender(in_review, world.defender_org, acting_user=world.coordinator)
    with pytest.raises(ActionRefused, match="conflict of interest with RECLUTADORA") as refused:
        actions.do_change_defender(in_review, conflicted, acting_user=world.coordinator, reason="No answer")
    assert refused.value.refusal_code == "conflict"
    in_review.refresh_from_db()
    assert in_review.defender == world.defender_org
    assert ContractVersion.objects.filter(case=in_review).count() == 1
    assert not CaseTransition.objects.filter(case=in_review, event=CaseTransition.Event.DEFENDER_CHANGED).exists()


def test_alias_known_to_the_abuse_app_is_a_conflict_too(world):
    """The case names the recruiter by an alias only the abuse app knows (cases.conflict_aliases)."""
    defender = make_defender_org(name="Bufete de la agencia")
    DefenderConflict.objects.create(defender=defender, party_kind="recruiter", party_name="Agencia Laboral Tzul")
    RecruiterAlias.objects.create(
        recruiter=Recruiter.objects.create(name="Agencia Laboral Tzul"), name="ALT Recruiting"
    )
    sign_agreement(world.advocate_profile)
    case = submit(world.advocate_profile, parties=[{"kind": "recruiter", "name": "ALT Recruiting"}])
    with pytest.raises(ActionRefused, match="acted for Agencia Laboral Tzul"):
        actions.do_assign_defender(case, defender, acting_user=world.coordinator)


def test_a_defender_who_represented_the_opposing_party_is_in_conflict(world):
    """The network's own history: the person a new case names as its opposing party was the client
    of an earlier case of this Defender, recorded under a duplicate since merged (locate's person
    links). The refusal does not name or point to the earlier case."""
    earlier_defender = make_defender_org(name="Defensoría de antes")
    sign_agreement(world.advocate_profile)
    earlier = submit(world.advocate_profile, claim_type="wage_hour")
    actions.do_transition(earlier, S.IN_REVIEW, acting_user=world.coordinator)
    actions.do_assign_defender(earlier, earlier_defender, acting_user=world.coordinator)
    # The earlier client's record was merged into a record under the full name now used.
    kept = Person.objects.create(given_names="Mario Alberto", surname_1="Pérez", surname_2="Chávez", country="GT")
    Person.objects.filter(pk=earlier.client_id).update(merged_into=kept)
    case = submit(world.advocate_profile, parties=[{"kind": "other", "name": "MARIO ALBERTO PEREZ CHAVEZ"}])
    found = conflicts.conflicts_for(case)
    assert set(found) == {earlier_defender.pk}
    with pytest.raises(ActionRefused) as refused:
        actions.do_assign_defender(case, earlier_defender, acting_user=world.coordinator)
    assert "represented MARIO ALBERTO PEREZ CHAVEZ" in refused.value.text
    assert earlier.reference not in refused.value.text and "María" not in refused.value.text
    # A one-word name says nobody in particular: no conflict from it.
    lone = submit(world.advocate_profile, parties=[{"kind": "other", "name": "Mario"}])
    assert conflicts.conflicts_for(lone) == {}


def test_no_picker_offers_a_conflicted_defender(in_review, world, conflicted):
    assert conflicted.pk not in ChooseForm(case=in_review).fields["defender"].queryset.values_list("pk", flat=True)
    assert world.defender_org.pk in ChooseForm(case=in_review).fields["defender"].queryset.values_list("pk", flat=True)
    actions.do_assign_defender(in_review, world.defender_org, acting_user=world.coordinator)
    in_review.refresh_from_db()
    choices = ChangeDefenderForm(case=in_review).fields["defender"].queryset
    assert conflicted.pk not in choices.values_list("pk", flat=True)
    assert world.other_defender_org.pk in choices.values_list("pk", flat=True)
    # A forged choice is refused by the form with the party and the reason.
    form = ChangeDefenderForm({"defender": conflicted.pk, "reason": "x"}, case=in_review)
    assert not form.is_valid() and "conflict of interest with RECLUTADORA" in form.errors["defender"][0]


def test_suggestions_exclude_the_conflicted_defender_with_the_reason(in_review, world, conflicted):
    result = matching.suggest(in_review)
    assert conflicted not in [s.defender for s in result.suggestions]
    excluded = {s.defender: s.exclusion_reason for s in result.excluded}
    assert excluded[conflicted].startswith(f"conflict of interest: acted for {RECRUITER}")


def test_the_matching_view_refuses_a_forged_conflicted_choice(in_review, world, conflicted):
    client = Client()
    client.force_login(world.coordinator)
    shown = signing.dumps({"case": in_review.pk, "shown": []}, salt=SIGNING_SALT, compress=True)
    response = client.post(
        reverse("cases:match_choose", args=[in_review.pk]),
        {"defender": conflicted.pk, "shown": shown, "note": "Conoce la región"},
    )
    assert response.status_code == 400 and "conflict of interest with RECLUTADORA" in response.content.decode()
    _unassigned(in_review)


def test_the_change_of_defender_view_refuses_a_conflicted_defender(in_review, world, conflicted):
    actions.do_assign_defender(in_review, world.defender_org, acting_user=world.coordinator)
    client = Client()
    client.force_login(world.coordinator)
    response = client.post(
        reverse("cases:change_defender", args=[in_review.pk]),
        {"defender": conflicted.pk, "reason": "No answer"},
        follow=True,
    )
    assert "conflict of interest with RECLUTADORA" in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.defender == world.defender_org


def test_the_review_page_has_no_route_around_the_check(in_review, world):
    client = Client()
    client.force_login(world.coordinator)
    page = client.get(reverse("cases:review", args=[in_review.pk])).content.decode()
    assert f"/cases/{in_review.pk}/assign/" not in page
    assert client.post(f"/cases/{in_review.pk}/assign/", {"defender": world.defender_org.pk}).status_code == 404


def test_a_database_error_in_the_check_is_an_error_not_an_empty_result(in_review, world, conflicted):
    """Without the table of declared conflicts the check cannot say who is free: the assignment
    fails with the database's error and writes nothing."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # checks of the rows written by the fixtures first
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(DefenderConflict._meta.db_table)}")
    with pytest.raises(DatabaseError):
        actions.do_assign_defender(in_review, world.defender_org, acting_user=world.coordinator)
    case = Case.objects.get(pk=in_review.pk)
    assert case.defender_id is None and not MatchRecord.objects.filter(case=case).exists()
