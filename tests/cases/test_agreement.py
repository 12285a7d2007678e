"""Advocate Agreement versions (issue 14): each signature keeps the typed name, time, account,
version and the SHA-256 of the exact text; a new version must be signed before the Advocate's
next case proceeds, while open cases continue under the version they were signed under; nobody
signs on the Advocate's behalf."""

import hashlib
import re

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from puente.cases import actions, api, contract
from puente.cases.models import AgreementSignature, CaseState
from puente.core.action_contract import ActionRefused
from puente.network import actions as network_actions
from tests.cases.helpers import sign_agreement, sign_all, submit

pytestmark = pytest.mark.django_db
S = CaseState


@pytest.fixture
def new_version(monkeypatch):
    """The network publishes version 2027-1 of the agreement (its own template file in real life;
    here the same wording under a new version name, which is what the rules depend on)."""
    monkeypatch.setitem(contract.AGREEMENT_TEMPLATES, "2027-1", contract.AGREEMENT_TEMPLATES["2026-1"])
    monkeypatch.setattr(contract, "AGREEMENT_VERSION", "2027-1")
    return "2027-1"


def _sign_page(client):
    page = client.get(reverse("cases:agreement")).content.decode()
    match = re.search(r'name="sha256" value="([0-9a-f]{64})"', page)
    return page, match.group(1) if match else None


def test_a_signature_keeps_name_time_account_version_and_hash_of_the_text_shown(world):
    profile = world.other_advocate_profile
    client = Client()
    client.force_login(profile.user)
    _page, sha = _sign_page(client)
    client.post(reverse("cases:agreement"), {"typed_name": "Daniel Tremblay", "accepted": "on", "sha256": sha})
    signature = AgreementSignature.objects.get(advocate=profile)
    language = signature.language
    assert signature.user == profile.user and signature.typed_name == "Daniel Tremblay"
    assert signature.version == contract.AGREEMENT_VERSION and signature.signed_at is not None
    text = contract.agreement_text(signature.version, language)
    assert signature.text_sha256 == hashlib.sha256(text.encode()).hexdigest() == sha
    with translation.override(language):
        assert "Advocate Agreement" in text or "Acuerdo" in text
    # Signing again changes nothing: one signature per version.
    again = actions.do_sign_advocate_agreement(profile, acting_user=profile.user, typed_name="D. T.", accepted=True)
    assert again == signature and AgreementSignature.objects.filter(advocate=profile).count() == 1
    entry = LogEntry.objects.get_for_object(signature).get()
    assert entry.actor == profile.user
    # The directory shows this signature (its list, detail, filter and the API read the copy).
    profile.refresh_from_db()
    assert profile.agreement_version == signature.version and profile.agreement_signed_at == signature.signed_at
    coordinator = Client()
    coordinator.force_login(world.coordinator)
    page = coordinator.get(reverse("network:advocate_detail", kwargs={"pk": profile.pk})).content.decode()
    assert signature.version in page


def test_a_text_changed_since_the_page_was_opened_is_not_signed(world):
    profile = world.other_advocate_profile
    with pytest.raises(ActionRefused, match="changed since you opened it"):
        actions.do_sign_advocate_agreement(profile, acting_user=profile.user, typed_name="Daniel Tremblay",
                                           accepted=True, sha256="0" * 64)
    assert api.agreement_signature(profile) is None


@pytest.mark.parametrize("who", ["coordinator", "advocate", "defender"])
def test_nobody_signs_on_the_advocates_behalf(world, who):
    profile = world.other_advocate_profile
    with pytest.raises(ActionRefused):
        actions.do_sign_advocate_agreement(profile, acting_user=getattr(world, who), typed_name="Daniel Tremblay",
                                           accepted=True)
    assert api.agreement_signature(profile) is None
    # Nor through the directory's copy of the signature.
    with pytest.raises(ActionRefused):
        network_actions.do_record_agreement_signature(
            profile, acting_user=getattr(world, who), version=contract.AGREEMENT_VERSION, signed_at=timezone.now())
    profile.refresh_from_db()
    assert profile.agreement_signed_at is None


def test_typed_name_and_acceptance_are_required(world):
    profile = world.other_advocate_profile
    with pytest.raises(ActionRefused) as refused:
        actions.do_sign_advocate_agreement(profile, acting_user=profile.user, typed_name="  ", accepted=True)
    assert refused.value.field == "typed_name"
    with pytest.raises(ActionRefused) as refused:
        actions.do_sign_advocate_agreement(profile, acting_user=profile.user, typed_name="Daniel", accepted=False)
    assert refused.value.field == "accepted"


def test_a_new_version_holds_the_next_case_and_open_cases_continue(world, new_version):
    profile = world.advocate_profile
    # Signed 2026-1 before the new version; a case assigned then proceeds under it.
    with pytest.MonkeyPatch.context() as old:
        old.setattr(contract, "AGREEMENT_VERSION", "2026-1")
        sign_agreement(profile)
        open_case = submit(profile)
        actions.do_transition(open_case, S.IN_REVIEW, acting_user=world.coordinator)
        actions.do_assign_defender(open_case, world.defender_org, acting_user=world.coordinator)
    open_case.refresh_from_db()
    assert open_case.agreement_signature.version == "2026-1"

    # Version 2027-1 is out: the open case still goes ahead to active...
    sign_all(open_case, world.coordinator, world.advocate, world.defender)
    assert open_case.state == S.ACTIVE
    # ...but the next case waits for the new signature.
    next_case = submit(profile)
    actions.do_transition(next_case, S.IN_REVIEW, acting_user=world.coordinator)
    with pytest.raises(ActionRefused, match="version 2027-1"):
        actions.do_assign_defender(next_case, world.defender_org, acting_user=world.coordinator)

    client = Client()
    client.force_login(world.advocate)
    page = client.get(reverse("cases:my_cases")).content.decode()
    assert 'id="agreement-needed"' in page and "2026-1" in page
    page, sha = _sign_page(client)
    assert "You signed version 2026-1" in page and "This is version 2027-1" in page and sha
    client.post(reverse("cases:agreement"), {"typed_name": "Sarah Miller", "accepted": "on", "sha256": sha})
    assert api.agreement_signature(profile).version == "2027-1"
    assert AgreementSignature.objects.filter(advocate=profile).count() == 2

    actions.do_assign_defender(next_case, world.defender_org, acting_user=world.coordinator)
    next_case.refresh_from_db()
    open_case.refresh_from_db()
    assert next_case.agreement_signature.version == "2027-1"
    assert open_case.agreement_signature.version == "2026-1"
    assert 'id="agreement-needed"' not in client.get(reverse("cases:my_cases")).content.decode()


def test_the_agreement_page_speaks_the_advocates_language(world):
    world.other_advocate.language = "es"
    world.other_advocate.save()
    client = Client()
    client.force_login(world.other_advocate)
    page, sha = _sign_page(client)
    assert "Firmar el Acuerdo del Abogado" in page or "Acuerdo" in page
    client.post(reverse("cases:agreement"), {"typed_name": "Daniel Tremblay", "accepted": "on", "sha256": sha})
    signature = api.agreement_signature(world.other_advocate_profile)
    assert signature.language == "es" and signature.text_sha256 == contract.agreement_sha256(language="es")
