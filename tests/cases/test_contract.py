"""The Advocate Agreement and the Case Facilitation Contract: generated text, versions, diff,
three signatures with the hash of the exact text, locking, re-signing after a change, PDF."""

import datetime
import hashlib
from decimal import Decimal
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from puente.core.action_contract import ActionRefused
from puente.cases import actions, api, contract
from puente.cases.models import CaseState, ContractSignature, ContractVersion
from tests.cases.helpers import sign_agreement

pytestmark = pytest.mark.django_db
S = CaseState


@pytest.fixture
def pending(world):
    sign_agreement(world.advocate_profile)
    case = world.submitted_case
    actions.do_assign_defender(case, world.defender_org, acting_user=world.coordinator)
    case.refresh_from_db()
    return case


def sign(case, user, sha=None):
    version = actions.latest_version(case)
    return actions.do_sign_contract(
        case, acting_user=user, typed_name=user.get_full_name(), accepted=True, sha256=sha or version.sha256
    )


def test_agreement_signing(world):
    profile = world.other_advocate_profile
    assert api.agreement_signature(profile) is None
    with pytest.raises(ActionRefused):
        actions.do_sign_advocate_agreement(
            profile, acting_user=profile.user, typed_name="Daniel Tremblay", accepted=False
        )
    with pytest.raises(ActionRefused):
        actions.do_sign_advocate_agreement(
            profile, acting_user=world.advocate, typed_name="Sarah Miller", accepted=True
        )
    client = Client()
    client.force_login(profile.user)
    page = client.get(reverse("cases:agreement")).content.decode()
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)
    response = client.post(
        reverse("cases:agreement"), {"typed_name": "Daniel Tremblay", "accepted": "on", "sha256": sha}
    )
    assert response.status_code == 302
    signature = api.agreement_signature(profile)
    assert signature.version == "2026-1" and signature.typed_name == "Daniel Tremblay"
    assert signature.user == profile.user and signature.text_sha256 == sha


def test_generated_text_has_the_case_facts_but_not_the_client_name(pending, world):
    text = actions.latest_version(pending).text
    for fact in (
        pending.reference,
        "Smith Tobacco Farms LLC",
        "Locate the client",
        "Centro de Derechos Mam",
        "Farmworker Justice Project",
        "250.00",
        "10%",
        "CONFIDENTIALITY",
        "5:26-cv-00123",
    ):
        assert fact in text, fact
    assert "Xol" not in text and "Guadalupe" not in text


def test_generated_text_is_bilingual_with_the_case_facts_in_spanish(pending, world):
    text = actions.latest_version(pending).text
    soon = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()
    for spanish in (
        "CONTRATO DE FACILITACIÓN DE CASO",
        f"Caso {pending.reference}",
        # Which language governs, said in both.
        "The English text governs, English being the language of the Advocate's court. The Spanish text is a "
        "translation agreed by the parties.",
        "Prevalece el texto en inglés, idioma del tribunal del Abogado. El texto en español es una traducción "
        "acordada por las partes.",
        "- Sarah Miller, Farmworker Justice Project, Estados Unidos («el Abogado»).",
        "- Centro de Derechos Mam, Guatemala («el Defensor»).",
        "- Tipo de reclamación: Trata de personas",  # the claim type, translated
        "- Partes contrarias: Smith Tobacco Farms LLC (Empleador)",
        f"- Localizar al cliente: Last seen in Cobán. Fecha límite: {soon}",  # the task, translated
        "- Tomar una declaración. Fecha límite:",
        "- El Defensor recibe GTQ 250.00 por hora de trabajo reportada y aprobada",  # the Defender's rate
        "cuota de facilitación del 10% de los honorarios",  # billing's settings when generated
        "las firmas ya otorgadas quedan sin efecto",
    ):
        assert spanish in text, spanish
    # Each clause in English, then its Spanish text, then the next clause.
    order = [
        "1. PARTIES",
        "1. PARTES",
        "2. THE CASE",
        "2. EL CASO",
        "3. TASKS AND DEADLINES",
        "3. TAREAS Y PLAZOS",
        "4. RATES AND FEES",
        "4. TARIFAS Y HONORARIOS",
        "5. CONFIDENTIALITY",
        "5. CONFIDENCIALIDAD",
        "6. CHANGES AND SIGNATURE",
        "6. CAMBIOS Y FIRMA",
    ]
    assert [text.index(h) for h in order] == sorted(text.index(h) for h in order)
    assert "- Claim type: Trafficking" in text and f"- Locate the client: Last seen in Cobán. Due: {soon}" in text
    assert "Xol" not in text and "Guadalupe" not in text


def test_generated_text_does_not_depend_on_who_generates_it(pending):
    version = actions.latest_version(pending)
    with translation.override("es"):  # a Spanish-speaking Coordinator assigning the Defender
        assert contract.generate_text(pending, version.terms()) == version.text
    changed = contract.generate_text(pending, {**version.terms(), "fee_percent": Decimal("12")})
    assert "facilitation fee of 12% of" in changed and "cuota de facilitación del 12% de" in changed


def test_first_template_is_kept_for_contracts_already_generated(pending):
    terms = actions.latest_version(pending).terms()
    old = contract.generate_text(pending, terms, template=contract.CONTRACT_TEMPLATES[1])
    assert old.startswith("CASE FACILITATION CONTRACT\nCase ") and "CONTRATO" not in old and "Locate the client" in old
    assert contract.CONTRACT_TEMPLATE == contract.CONTRACT_TEMPLATES[3]


def test_defender_reads_the_contract_page_in_spanish(pending, world):
    client = Client()
    client.force_login(world.defender)
    page = client.get(reverse("cases:contract", args=[pending.pk])).content.decode()
    for spanish in (
        f"Contrato de Facilitación, caso {pending.reference}",
        "Firmas",
        "Firmar esta versión",
        "Esperando firmas",
        "3. TAREAS Y PLAZOS",
        "Localizar al cliente",
        "«el Defensor»",
    ):
        assert spanish in page, spanish
    assert "Sign this version" not in page and "Waiting for signatures" not in page
    client.force_login(world.advocate)
    assert "Sign this version" in client.get(reverse("cases:contract", args=[pending.pk])).content.decode()


def test_three_signatures_lock_and_activate(pending, world):
    version = actions.latest_version(pending)
    assert version.sha256 == hashlib.sha256(version.text.encode()).hexdigest()
    with pytest.raises(ActionRefused, match="changed"):
        sign(pending, world.defender, sha="0" * 64)
    with pytest.raises(ActionRefused):
        sign(pending, world.other_defender)
    sign(pending, world.defender)
    with pytest.raises(ActionRefused, match="already"):
        sign(pending, world.defender)
    sign(pending, world.advocate)
    pending.refresh_from_db()
    assert pending.state == S.AGREEMENT_PENDING
    sig = sign(pending, world.coordinator)
    pending.refresh_from_db()
    assert pending.state == S.ACTIVE
    assert sig.text_sha256 == version.sha256 and sig.user == world.coordinator and sig.typed_name
    version.refresh_from_db()
    assert version.fully_signed
    # A signed version is locked: its text can never be saved again.
    version.text = "something else"
    with pytest.raises(ValueError):
        version.save()
    assert ContractVersion.objects.get(pk=version.pk).text != "something else"


def test_edit_makes_a_new_version_needing_all_signatures(pending, world):
    v1 = actions.latest_version(pending)
    sign(pending, world.defender)
    new_text = v1.text.replace("within 30 days", "within 45 days")
    with pytest.raises(ActionRefused, match="unchanged"):
        actions.do_propose_contract_edit(pending, acting_user=world.defender, text=v1.text, base_number=1)
    with pytest.raises(ActionRefused):
        actions.do_propose_contract_edit(pending, acting_user=world.other_advocate, text=new_text, base_number=1)
    v2 = actions.do_propose_contract_edit(
        pending, acting_user=world.advocate, text=new_text, note="45 days", base_number=1
    )
    assert v2.number == 2 and v2.sha256 != v1.sha256
    assert ContractVersion.objects.filter(case=pending).count() == 2
    # Somebody editing the stale version 1 is refused.
    with pytest.raises(ActionRefused, match="version 2"):
        actions.do_propose_contract_edit(pending, acting_user=world.coordinator, text=new_text + "x", base_number=1)
    # The Defender's signature of v1 does not carry over; signing v1's hash now fails.
    with pytest.raises(ActionRefused, match="changed"):
        sign(pending, world.advocate, sha=v1.sha256)
    for user in (world.coordinator, world.advocate):
        sign(pending, user)
    pending.refresh_from_db()
    assert pending.state == S.AGREEMENT_PENDING
    sign(pending, world.defender)
    pending.refresh_from_db()
    assert pending.state == S.ACTIVE
    assert set(ContractSignature.objects.filter(version=v2).values_list("side", flat=True)) == {
        "coordinator",
        "advocate",
        "defender",
    }
    # A change after activation makes version 3, unsigned; the case stays active.
    v3 = actions.do_propose_contract_edit(
        pending, acting_user=world.coordinator, text=new_text + "\nAddendum.\n", base_number=2
    )
    assert not v3.fully_signed
    pending.refresh_from_db()
    assert pending.state == S.ACTIVE


def test_diff_view_shows_changes_escaped(pending, world):
    v1 = actions.latest_version(pending)
    actions.do_propose_contract_edit(
        pending,
        acting_user=world.defender,
        base_number=1,
        text=v1.text.replace("within 30 days", "within 45 days <script>x</script>"),
    )
    client = Client()
    client.force_login(world.defender)
    html = client.get(reverse("cases:contract_diff", args=[pending.pk]), {"a": 1, "b": 2}).content.decode()
    assert "<del>" in html and "<ins>" in html
    assert "within 45 days &lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>x</script>" not in html


def test_pdf_has_text_and_signature_block(world):
    client = Client()
    client.force_login(world.advocate)
    response = client.get(reverse("cases:contract_pdf", args=[world.case.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "CASE FACILITATION CONTRACT" in text and world.case.reference in text
    # The Spanish text and headings are in the PDF too.
    assert "CONTRATO DE FACILITACIÓN DE CASO" in text and "Localizar al cliente" in text
    assert "Firmas (versión 1)" in text and "Defensor" in text
    assert "Signatures" in text and world.coordinator.email in text and world.defender.email in text
    assert actions.latest_version(world.case).sha256 in text.replace("\n", "")


def test_contract_page_sign_through_the_view(pending, world):
    client = Client()
    client.force_login(world.defender)
    url = reverse("cases:contract", args=[pending.pk])
    page = client.get(url).content.decode()
    assert "Firmar esta versión" in page  # the Defender reads Spanish
    version = actions.latest_version(pending)
    client.post(
        reverse("cases:contract_sign", args=[pending.pk]),
        {"typed_name": "Juan Carlos Tzoc Ajanel", "accepted": "on", "sha256": version.sha256},
    )
    assert version.signatures.filter(side="defender", user=world.defender).exists()
    # No acceptance box: refused.
    client.force_login(world.advocate)
    client.post(
        reverse("cases:contract_sign", args=[pending.pk]), {"typed_name": "Sarah Miller", "sha256": version.sha256}
    )
    assert not version.signatures.filter(side="advocate").exists()
