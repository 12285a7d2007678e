"""Changing the Defender before the contract is signed (do_change_defender): signatures voided,
a new contract version naming the new Defender, the old Defender's access gone, both Defenders
told, the change in the timeline and the audit history; refused once the contract is signed."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from puente.core.action_contract import ActionRefused
from puente.cases import actions, contract
from puente.cases.access import client_for, visible_cases
from puente.cases.models import Case, CaseState, CaseTransition, ContractSignature, ContractVersion, Notification
from puente.locate.access import visible_people
from puente.network.models import Defender
from tests.cases.helpers import sign_agreement
from tests.factories import make_defender_org

pytestmark = pytest.mark.django_db
S = CaseState
REASON = "Centro de Derechos Mam declined: no lawyer free before the deadline."


@pytest.fixture
def pending(world):
    """The submitted case, assigned to Centro de Derechos Mam; the Advocate and the Defender
    have signed version 1, the Coordinator not yet."""
    sign_agreement(world.advocate_profile)
    case = world.submitted_case
    actions.do_assign_defender(case, world.defender_org, acting_user=world.coordinator)
    case.refresh_from_db()
    for user in (world.advocate, world.defender):
        sign(case, user)
    return case


def sign(case, user):
    version = actions.latest_version(case)
    return actions.do_sign_contract(
        case, acting_user=user, typed_name=user.get_full_name(), accepted=True, sha256=version.sha256
    )


def change(case, world, defender=None, **kw):
    kw.setdefault("reason", REASON)
    return actions.do_change_defender(
        case, defender or world.other_defender_org, acting_user=kw.pop("acting_user", world.coordinator), **kw
    )


def get(user, name, *args):
    client = Client()
    client.force_login(user)
    return client.get(reverse(name, args=args))


def test_change_voids_signatures_and_makes_a_version_naming_the_new_defender(pending, world):
    v1 = actions.latest_version(pending)
    v2 = change(pending, world)
    pending.refresh_from_db()
    assert pending.defender == world.other_defender_org and pending.state == S.AGREEMENT_PENDING
    assert v2.number == 2 and v2.created_by == world.coordinator
    # The signatures of version 1 are kept but void: version 1 no longer counts as signed by anyone.
    v1 = ContractVersion.objects.get(pk=v1.pk)
    signatures = list(v1.signatures.all())
    assert {s.side for s in signatures} == {"advocate", "defender"}
    assert all(s.voided_at is not None for s in signatures)
    assert v1.signature_for("advocate") is None and not v1.valid_signatures()
    # Version 2 names the new Defender in both languages, with its rate; only those lines changed.
    assert '- Defensoría Popular de Oaxaca, Mexico ("the Defender").' in v2.text
    assert "- Defensoría Popular de Oaxaca, México («el Defensor»)." in v2.text
    assert "paid MXN 250.00 per hour" in v2.text and "El Defensor recibe MXN 250.00 por hora" in v2.text
    assert "Centro de Derechos Mam" not in v2.text and "GTQ" not in v2.text
    changed = set(v1.text.splitlines()) ^ set(v2.text.splitlines())
    assert len(changed) == 8  # party and rate lines, English and Spanish, old and new
    assert "The Defender changed" in v2.note and "Cambió el Defensor" in v2.note
    # Nobody has signed version 2; all three must, the new Defender included, and the case becomes active.
    assert not v2.signatures.exists()
    with pytest.raises(ActionRefused):
        sign(pending, world.defender)
    for user in (world.coordinator, world.advocate, world.other_defender):
        sign(pending, user)
    pending.refresh_from_db()
    assert pending.state == S.ACTIVE
    assert actions.latest_version(pending).signature_for("defender").user == world.other_defender


def test_the_parties_edits_survive_the_change(pending, world):
    v1 = actions.latest_version(pending)
    actions.do_propose_contract_edit(
        pending, acting_user=world.advocate, base_number=1, text=v1.text.replace("within 30 days", "within 45 days")
    )
    v3 = change(pending, world)
    assert v3.number == 3 and "within 45 days" in v3.text
    assert "- Defensoría Popular de Oaxaca, México («el Defensor»)." in v3.text
    assert "Centro de Derechos Mam" not in v3.text


def test_defender_lines_edited_by_a_party_mean_the_text_is_generated_again(pending, world):
    v1 = actions.latest_version(pending)
    edited = v1.text.replace(
        "- Centro de Derechos Mam, Guatemala («el Defensor»).",
        "- Centro de Derechos Mam (Cobán), Guatemala («el Defensor»).",
    ).replace("within 30 days", "within 45 days")
    actions.do_propose_contract_edit(pending, acting_user=world.defender, base_number=1, text=edited)
    v3 = change(pending, world)
    pending.refresh_from_db()
    assert v3.text == contract.generate_text(pending, v3.terms())
    assert "within 45 days" not in v3.text and "Centro de Derechos Mam" not in v3.text
    assert "generated again" in v3.note and "se generó de nuevo" in v3.note


def test_an_english_only_contract_becomes_bilingual_for_the_new_defender(pending, world):
    # A version generated before the bilingual template, as stored then (no party can write one now:
    # an edit must keep the rates-and-fees lines of both languages).
    terms = actions.latest_version(pending).terms()
    english = contract.generate_text(pending, terms, template=contract.CONTRACT_TEMPLATES[1])
    ContractVersion.objects.create(case=pending, number=2, text=english, created_by=world.coordinator, **terms)
    v3 = change(pending, world)
    assert "3. TAREAS Y PLAZOS" in v3.text and "Defensoría Popular de Oaxaca, México («el Defensor»)" in v3.text


@pytest.mark.parametrize("who", ["advocate", "defender", "other_defender"])
def test_only_coordinators_change_the_defender(pending, world, who):
    with pytest.raises(ActionRefused, match="You may not do this") as refused:
        change(pending, world, acting_user=getattr(world, who))
    assert refused.value.refusal_code == "permission"
    assert_unchanged(pending, world)


def assert_unchanged(case, world, defender=None, versions=1):
    case.refresh_from_db()
    assert case.defender == (defender or world.defender_org)
    assert ContractVersion.objects.filter(case=case).count() == versions
    assert not ContractSignature.objects.filter(version__case=case, voided_at__isnull=False).exists()
    assert not CaseTransition.objects.filter(case=case, event=CaseTransition.Event.DEFENDER_CHANGED).exists()
    assert not Notification.objects.filter(kind=Notification.Kind.REASSIGNED).exists()


def test_refused_once_the_contract_is_signed_and_the_case_active(world):
    case = world.case  # active: all three signed version 1
    with pytest.raises(ActionRefused, match="signed by all three parties and the case is “Active”"):
        change(case, world)
    assert_unchanged(case, world)
    assert actions.latest_version(case).fully_signed


def test_refused_before_a_defender_is_chosen(world):
    case = world.submitted_case
    with pytest.raises(ActionRefused, match="No Defender has been chosen yet"):
        change(case, world)
    case.refresh_from_db()
    assert case.defender is None


def test_refused_on_hold_until_resumed(pending, world):
    actions.do_hold(pending, acting_user=world.coordinator, reason="Waiting for the Advocate")
    with pytest.raises(ActionRefused, match="on hold"):
        change(pending, world)
    assert_unchanged(pending, world)
    actions.do_resume(pending, acting_user=world.coordinator)
    change(pending, world)
    pending.refresh_from_db()
    assert pending.defender == world.other_defender_org


def test_refused_without_reason_for_the_same_or_a_paused_defender(pending, world):
    with pytest.raises(ActionRefused, match="reason"):
        change(pending, world, reason="   ")
    with pytest.raises(ActionRefused, match="already has the case"):
        change(pending, world, defender=world.defender_org)
    paused = make_defender_org(name="Colectivo en pausa", status=Defender.Status.PAUSED)
    with pytest.raises(ActionRefused, match="paused"):
        change(pending, world, defender=paused)
    assert_unchanged(pending, world)


def test_refused_and_rolled_back_if_the_old_defender_would_keep_access(pending, world, monkeypatch):
    # A wider access rule (say, past Defenders keep their cases) must not let the change through.
    monkeypatch.setattr("puente.cases.actions.visible_cases", lambda user: Case.objects.all())
    with pytest.raises(ActionRefused, match="keep access"):
        change(pending, world)
    assert_unchanged(pending, world)


def test_old_defender_loses_the_case_and_its_client(pending, world):
    old_user = world.defender
    assert get(old_user, "cases:detail", pending.pk).status_code == 200
    change(pending, world)
    assert not visible_cases(old_user).filter(pk=pending.pk).exists()
    assert client_for(old_user, pending) is None
    assert not visible_people(old_user).filter(pk=pending.client_id).exists()
    for name in ("cases:detail", "cases:contract", "cases:contract_diff", "cases:contract_pdf"):
        response = get(old_user, name, pending.pk)
        assert response.status_code == 404, name
        assert pending.reference not in response.content.decode()
    client = Client()
    client.force_login(old_user)
    assert client.post(reverse("cases:message_post", args=[pending.pk]), {"body": "Hola"}).status_code == 404
    # The new Defender has it, client included.
    assert visible_cases(world.other_defender).filter(pk=pending.pk).exists()
    assert get(world.other_defender, "cases:detail", pending.pk).status_code == 200
    assert visible_people(world.other_defender).filter(pk=pending.client_id).exists()
    # The old Defender keeps its other cases.
    assert get(old_user, "cases:detail", world.case.pk).status_code == 200


def test_both_defenders_and_the_advocate_are_told_in_their_language(pending, world):
    change(pending, world)
    old = Notification.objects.get(user=world.defender, kind=Notification.Kind.REASSIGNED)
    # No link to a case the old Defender can no longer open, and not the new Defender's name.
    assert old.case is None and pending.reference in old.text and "otro Defensor" in old.text
    assert "Oaxaca" not in old.text
    new = Notification.objects.get(user=world.other_defender, kind=Notification.Kind.ASSIGNMENT, case=pending)
    assert "ha sido asignado a Defensoría Popular de Oaxaca" in new.text
    advocate = Notification.objects.get(user=world.advocate, kind=Notification.Kind.CONTRACT, case=pending)
    assert "is now Defensoría Popular de Oaxaca: version 2 of the contract needs your signature" in advocate.text
    # The Coordinator who acted is not told of their own change.
    assert not Notification.objects.filter(
        user=world.coordinator, kind=Notification.Kind.CONTRACT, case=pending
    ).exists()


def test_timeline_and_audit_history(pending, world):
    change(pending, world)
    row = CaseTransition.objects.get(case=pending, event=CaseTransition.Event.DEFENDER_CHANGED)
    assert row.actor == world.coordinator and row.from_state == row.to_state == S.AGREEMENT_PENDING
    assert REASON in row.note and "Centro de Derechos Mam → Defensoría Popular de Oaxaca" in row.note
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_pk=str(pending.pk), action=LogEntry.Action.UPDATE
    )
    changed = [
        e.changes_dict["defender"]
        for e in entries.filter(actor=world.coordinator)
        if "defender" in (e.changes_dict or {})
    ]
    assert [str(world.defender_org.pk), str(world.other_defender_org.pk)] in changed, changed
    voided = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ContractSignature),
        action=LogEntry.Action.UPDATE,
        actor=world.coordinator,
    )
    assert sum("voided_at" in (e.changes_dict or {}) for e in voided) == 2
    assert LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ContractVersion),
        action=LogEntry.Action.CREATE,
        object_pk=str(actions.latest_version(pending).pk),
        actor=world.coordinator,
    ).exists()
    # The case page: the Coordinator reads the reason; the Advocate sees the change, not the reason.
    coordinator_page = get(world.coordinator, "cases:detail", pending.pk).content.decode()
    assert "Defender changed" in coordinator_page and REASON in coordinator_page
    advocate_page = get(world.advocate, "cases:detail", pending.pk).content.decode()
    assert "Defender changed" in advocate_page and REASON not in advocate_page
    assert "Cambio de Defensor" in get(world.other_defender, "cases:detail", pending.pk).content.decode()


def test_contract_page_shows_the_voided_signatures(pending, world):
    change(pending, world)
    client = Client()
    client.force_login(world.other_defender)
    page = client.get(reverse("cases:contract", args=[pending.pk]), {"version": 1}).content.decode()
    assert page.count('data-voided="') == 2 and "sin efecto" in page
    assert "Firmar esta versión" not in page  # an old version is never signed
    page = client.get(reverse("cases:contract", args=[pending.pk])).content.decode()
    assert "data-voided" not in page and "Firmar esta versión" in page


def test_form_on_the_case_page_for_coordinators_only(pending, world):
    url = reverse("cases:change_defender", args=[pending.pk])
    assert url in get(world.coordinator, "cases:detail", pending.pk).content.decode()
    for user in (world.advocate, world.defender):
        assert url not in get(user, "cases:detail", pending.pk).content.decode()
    # Not offered once the case is active.
    assert (
        reverse("cases:change_defender", args=[world.case.pk])
        not in get(world.coordinator, "cases:detail", world.case.pk).content.decode()
    )
    client = Client()
    client.force_login(world.coordinator)
    # The form offers active Defenders other than the current one; a bad choice is refused.
    response = client.post(url, {"defender": world.defender_org.pk, "reason": REASON}, follow=True)
    assert "Choose another active Defender" in response.content.decode()
    assert_unchanged(pending, world)
    response = client.post(url, {"defender": world.other_defender_org.pk, "reason": REASON}, follow=True)
    assert "The Defender has been changed" in response.content.decode()
    pending.refresh_from_db()
    assert pending.defender == world.other_defender_org


def test_refusal_through_the_view_says_why(world):
    client = Client()
    client.force_login(world.coordinator)
    response = client.post(
        reverse("cases:change_defender", args=[world.case.pk]),
        {"defender": world.other_defender_org.pk, "reason": REASON},
        follow=True,
    )
    assert "can no longer be changed" in response.content.decode()
    world.case.refresh_from_db()
    assert world.case.defender == world.defender_org
