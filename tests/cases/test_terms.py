"""The contract's money terms are data: set when the contract is generated (the Defender's profile
rate, billing's fee settings at that moment), written into the text, changed only by a new
version that all three parties sign, and read by billing through ``api.signed_terms``."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from puente.billing import actions as billing_actions
from puente.cases import actions, api, contract
from puente.cases.models import CaseState, ContractVersion
from puente.core.action_contract import ActionRefused
from tests.cases.helpers import sign_agreement, sign_all

pytestmark = pytest.mark.django_db
S = CaseState


def _assign(world):
    sign_agreement(world.advocate_profile)
    case = world.submitted_case
    actions.do_assign_defender(case, world.defender_org, acting_user=world.coordinator)
    case.refresh_from_db()
    return case


@pytest.fixture
def fifteen(world):
    """The network charges 15 % when the contract is generated; the Defender's rate is GTQ 250."""
    billing_actions.do_update_settings(acting_user=world.coordinator, charge_percent=Decimal("15.00"))
    assert world.defender_org.hourly_rate == Money("250.00", "GTQ")
    return _assign(world)


def _edit_terms(case, world, **changes):
    latest = actions.latest_version(case)
    terms = {**latest.terms(), **changes}
    return actions.do_edit_terms(case, acting_user=world.coordinator, base_number=latest.number, **terms)


def test_the_first_version_takes_the_profile_rate_and_billing_fee_of_that_moment(fifteen, world):
    version = actions.latest_version(fifteen)
    assert version.hourly_rate == Money("250.00", "GTQ") and version.fee_percent == Decimal("15.00")
    assert version.fee_flat is None and version.hours_cap is None and version.expenses_cap is None
    for line in ("- The Defender is paid GTQ 250.00 per hour",
                 "- El Defensor recibe GTQ 250.00 por hora",
                 "facilitation fee of 15% of the Defender's fees and expenses",
                 "cuota de facilitación del 15% de los honorarios"):
        assert line in version.text, line
    # The same terms, rendered again, are the same lines: the text comes from the terms.
    assert contract.generate_text(fifteen, version.terms()) == version.text


def test_a_later_profile_rate_or_fee_setting_changes_nothing_agreed(fifteen, world):
    sign_all(fifteen, world.coordinator, world.advocate, world.defender)
    signed = api.signed_terms(fifteen)
    world.defender_org.hourly_rate = Money("400.00", "GTQ")
    world.defender_org.save()
    billing_actions.do_update_settings(acting_user=world.coordinator, charge_percent=Decimal("10.00"))
    again = api.signed_terms(fifteen)
    assert again == signed
    assert again.hourly_rate == Money("250.00", "GTQ") and again.fee_percent == Decimal("15.00")
    assert again.version_number == 1 and again.signed_at <= timezone.now()


def test_no_terms_until_all_three_have_signed(fifteen, world):
    assert api.signed_terms(fifteen) is None and api.all_signed_terms(fifteen) == []
    for user in (world.coordinator, world.advocate):
        version = actions.latest_version(fifteen)
        actions.do_sign_contract(fifteen, acting_user=user, typed_name=user.get_full_name(), accepted=True,
                                 sha256=version.sha256)
    assert api.signed_terms(fifteen) is None


def test_new_terms_are_a_new_version_signed_again_and_the_case_works_under_the_old_until_then(fifteen, world):
    sign_all(fifteen, world.coordinator, world.advocate, world.defender)
    assert fifteen.state == S.ACTIVE
    v2 = _edit_terms(fifteen, world, hourly_rate=Money("300.00", "GTQ"), hours_cap=Decimal("40"),
                     expenses_cap=Money("1500.00", "GTQ"), payer_note="El Abogado paga gastos de viaje aparte.")
    assert v2.number == 2 and not v2.fully_signed
    for line in ("- The Defender is paid GTQ 300.00 per hour", "- El Defensor recibe GTQ 300.00 por hora",
                 "at most 40 hours", "como máximo 40 horas", "come to at most GTQ 1,500.00",
                 "Who pays what: El Abogado paga gastos de viaje aparte.",
                 "Quién paga qué: El Abogado paga gastos de viaje aparte."):
        assert line in v2.text, line
    assert "GTQ 250.00" not in v2.text
    # Still version 1's terms: version 2 waits for its signatures; the case stays active.
    fifteen.refresh_from_db()
    assert fifteen.state == S.ACTIVE
    assert api.signed_terms(fifteen).version_number == 1
    before = timezone.now()
    sign_all(fifteen, world.coordinator, world.advocate, world.defender)
    now = api.signed_terms(fifteen)
    assert now.version_number == 2 and now.hourly_rate == Money("300.00", "GTQ")
    assert now.hours_cap == Decimal("40.00") and now.expenses_cap == Money("1500.00", "GTQ")
    assert now.payer_note == "El Abogado paga gastos de viaje aparte."
    # As of a moment before the re-signing, version 1 was in force; both, oldest first.
    assert api.signed_terms(fifteen, on=before).version_number == 1
    assert [t.version_number for t in api.all_signed_terms(fifteen)] == [1, 2]
    assert api.signed_terms(fifteen, on=before - datetime.timedelta(days=1)) is None


def test_edit_terms_keeps_the_parties_other_changes(fifteen, world):
    v1 = actions.latest_version(fifteen)
    actions.do_propose_contract_edit(fifteen, acting_user=world.advocate, base_number=1,
                                     text=v1.text.replace("within 30 days", "within 45 days"))
    v3 = _edit_terms(fifteen, world, fee_percent=Decimal("12.5"))
    assert "within 45 days" in v3.text and "facilitation fee of 12.5% of" in v3.text
    assert "del 12.5% de los honorarios" in v3.text and "15%" not in v3.text


def test_no_fee_and_a_flat_fee_are_written_too(fifteen, world):
    v2 = _edit_terms(fifteen, world, fee_percent=None)
    assert "The Network charges no facilitation fee for this case." in v2.text
    assert "La Red no cobra cuota de facilitación por este caso." in v2.text
    v3 = _edit_terms(fifteen, world, fee_flat=Money("200.00", "USD"))
    assert "a flat facilitation fee of USD 200.00 for this case" in v3.text and "no facilitation fee" not in v3.text


def test_a_party_may_not_change_the_money_terms_through_the_text(fifteen, world):
    v1 = actions.latest_version(fifteen)
    for user in (world.advocate, world.defender, world.coordinator):
        with pytest.raises(ActionRefused, match="Change the terms") as refused:
            actions.do_propose_contract_edit(fifteen, acting_user=user, base_number=1,
                                             text=v1.text.replace("GTQ 250.00 por hora", "GTQ 400.00 por hora"))
        assert refused.value.field == "text"
    assert ContractVersion.objects.filter(case=fifteen).count() == 1


@pytest.mark.parametrize("who", ["advocate", "defender"])
def test_only_coordinators_change_the_terms(fifteen, world, who):
    with pytest.raises(ActionRefused, match="You may not do this"):
        actions.do_edit_terms(fifteen, acting_user=getattr(world, who), hourly_rate=Money("900.00", "GTQ"),
                              base_number=1)
    assert ContractVersion.objects.filter(case=fifteen).count() == 1


@pytest.mark.parametrize("changes,field", [
    ({"hourly_rate": Money("0.00", "GTQ")}, "hourly_rate"),
    ({"fee_percent": Decimal("120")}, "fee_percent"),
    ({"hours_cap": Decimal("0")}, "hours_cap"),
    ({"expenses_cap": Money("-5.00", "GTQ")}, "expenses_cap"),
    ({}, None),  # unchanged
])
def test_bad_terms_are_refused_naming_the_field(fifteen, world, changes, field):
    with pytest.raises(ActionRefused) as refused:
        _edit_terms(fifteen, world, **changes)
    assert refused.value.field == field
    assert ContractVersion.objects.filter(case=fifteen).count() == 1


def test_a_new_defender_brings_its_own_rate(world):
    sign_agreement(world.advocate_profile)
    case = world.submitted_case
    actions.do_assign_defender(case, world.defender_org, acting_user=world.coordinator)
    version = actions.do_change_defender(case, world.other_defender_org, acting_user=world.coordinator,
                                         reason="No answer")
    assert version.hourly_rate == world.other_defender_org.hourly_rate
    assert f"is paid {contract.format_rate(world.other_defender_org.hourly_rate)} per hour" in version.text


def test_contract_page_shows_the_terms_in_spanish_and_the_form_to_coordinators_only(fifteen, world):
    client = Client()
    client.force_login(world.defender)
    page = client.get(reverse("cases:contract", args=[fifteen.pk])).content.decode()
    for spanish in ("Términos de esta versión", "Tarifa por hora del Defensor", "GTQ 250.00", "Cuota de la Red",
                    "Límite de horas", "sin límite", "Quién paga qué"):
        assert spanish in page, spanish
    assert "Change the terms" not in page and "Cambiar los términos" not in page
    client.force_login(world.coordinator)
    page = client.get(reverse("cases:contract", args=[fifteen.pk])).content.decode()
    assert 'id="change-terms"' in page


def test_coordinator_changes_the_terms_through_the_page(fifteen, world):
    sign_all(fifteen, world.coordinator, world.advocate, world.defender)
    client = Client()
    client.force_login(world.coordinator)
    response = client.post(reverse("cases:contract_terms", args=[fifteen.pk]), {
        "hourly_rate_0": "325.00", "hourly_rate_1": "GTQ", "fee_percent": "15", "fee_flat_0": "",
        "fee_flat_1": "USD", "hours_cap": "", "expenses_cap_0": "", "expenses_cap_1": "GTQ", "payer_note": "",
        "note": "Tarifa 2027", "base_number": "1",
    })
    assert response.status_code == 302
    latest = actions.latest_version(fifteen)
    assert latest.number == 2 and latest.hourly_rate == Money("325.00", "GTQ") and "Tarifa 2027" in latest.note
    page = client.get(reverse("cases:contract", args=[fifteen.pk])).content.decode()
    assert 'id="terms-in-force"' in page  # version 1 still in force until all three sign
    # A stale form (someone saved version 2 meanwhile) is refused with a message, nothing written.
    response = client.post(reverse("cases:contract_terms", args=[fifteen.pk]), {
        "hourly_rate_0": "330.00", "hourly_rate_1": "GTQ", "fee_percent": "15", "fee_flat_0": "", "fee_flat_1": "USD",
        "expenses_cap_0": "", "expenses_cap_1": "GTQ", "base_number": "1",
    }, follow=True)
    assert "meanwhile" in response.content.decode()
    assert ContractVersion.objects.filter(case=fifteen).count() == 2


def test_terms_changes_are_in_the_audit_history(fifteen, world):
    from auditlog.models import LogEntry

    v2 = _edit_terms(fifteen, world, hourly_rate=Money("300.00", "GTQ"))
    entry = LogEntry.objects.get_for_object(v2).get()
    assert entry.actor == world.coordinator
    assert "hourly_rate" in entry.changes_dict
