"""Issue 23: every text field of every model is either encrypted at rest or on this list of
fields that are clear by design, each with its reason. A new personal field cannot slip in: the
test fails on any text field (CharField, TextField and their subclasses) that is neither.

The list is what SECURITY.md ("What is not encrypted, and what that reveals") and
docs/security.md describe; keep the three together.
"""

import pytest
from django.apps import apps
from django.db import models

from puente.core.fields import EncryptedMixin

# Rules that cover many fields at once, each with its reason.
#
# 1. A field with ``choices`` holds one of a fixed list of codes (state, kind, currency, country),
#    never free text.
# 2. Whole models that hold public or professional data, not personal data of the people Puente
#    protects:
CLEAR_MODELS = {
    # US DOL H-2 disclosure files and what is derived from them: public records.
    "visas.ImportedFile", "visas.Employer", "visas.Agent", "visas.EmployerName", "visas.EmployerToken",
    "visas.AgentName", "visas.VisaCase", "visas.Debarment", "visas.EmployerMerge", "visas.MergeReview",
    "visas.AgentMerge", "visas.AgentMergeReview",
    # Reference lists (regions, languages, areas of expertise, jurisdictions).
    "network.Region", "network.Language", "network.Expertise", "network.Jurisdiction",
    # Recruiters are public actors (agencies and people who sell visas), recorded so that workers
    # can be warned; the names of the workers who reported them are never here.
    "abuse.Recruiter", "abuse.RecruiterAlias", "abuse.RecruiterPhone", "abuse.RecruiterEmployer",
    # The network directory: professional information members share (organisations, contacts,
    # rates); conflicts name the parties a Defender acted for (employers, recruiters).
    "network.Defender", "network.DefenderContact", "network.DefenderConflict", "network.Advocate",
    "abuse.RecruiterConflict",
    # Technical records: hashes, counters, idempotency keys, queue state.
    "billing.InvoiceCounter", "api.IdempotencyRecord", "api.PfifRecord", "jobs.WorkerHeartbeat",
}

# 3. Single fields, each with its reason.
CLEAR_FIELDS = {
    # accounts: needed to sign in and to address members (professional identities, not clients)
    "network.User.password": "a salted hash (Django's hashers)",
    "network.User.first_name": "a member's name, shown to the network",
    "network.User.last_name": "a member's name, shown to the network",
    "network.User.email": "the sign-in identifier (looked up by the database)",
    "network.User.phone": "a member's professional phone",
    "core.UserSession.session_key": "the session's key, needed to end it",
    "core.UserSession.user_agent": "the browser, shown in the session list",
    "core.WipedRecord.model_label": "which kind of record retention wiped",
    "core.WipedRecord.object_pk": "which record retention wiped",
    # search keys of a person: phonetic codes and keyed hashes, never the values (SECURITY.md)
    "locate.Person.search_keys": "Spanish phonetic codes of name words, not the spelling",
    "locate.Person.birth_keys": "keyed hashes (HMAC) of month and day of birth",
    "locate.Person.phone_keys": "keyed hashes (HMAC) of phones",
    "locate.Person.place_key": "keyed hash (HMAC) of the municipality",
    "locate.Person.search_basis_note": "the court order or partner referral named as the basis for searching",
    "locate.ImportBatch.search_basis_note": "the court order or partner referral named for an import",
    "locate.PersonConsent.how": "how consent was given (\"signed form\"), filtered by the consent pages",
    "locate.PersonMerge.reason": "a Coordinator's reason for a merge (the people are referred to by number)",
    "locate.ReunificationProject.court": "a court (public institution)",
    "locate.ReunificationProject.docket_number": "a public docket number",
    # case metadata (SECURITY.md: searched, sorted and reported on; the free text is encrypted)
    "cases.Case.reference": "the case's reference (PU-2026-00012)",
    "cases.Case.court": "a court or agency (public institution)",
    "cases.Case.docket_number": "a public docket number",
    "cases.Case.legal_hold_reason": "why a case is kept (a subpoena, a court order)",
    "cases.CaseParty.name": "an opposing party (an employer or a recruiter): public actors",
    "cases.ContractVersion.sha256": "a hash of the contract text",
    "cases.ContractVersion.payer_note": "who pays the Defender's fees (an organisation)",
    "cases.ContractSignature.typed_name": "the name an Advocate or a Defender signs with (members, not clients)",
    "cases.ContractSignature.text_sha256": "a hash of the text signed",
    "cases.AgreementSignature.version": "which version of the Advocate Agreement was signed",
    "cases.AgreementSignature.language": "the language it was signed in (a code)",
    "cases.AgreementSignature.typed_name": "the name an Advocate signs the agreement with (a member, not a client)",
    "cases.AgreementSignature.text_sha256": "a hash of the text signed",
    "cases.Attachment.content_type": "the file's kind, sniffed from its bytes",
    "cases.Notification.text": "a notification naming the case by reference only (cases.notify)",
    "cases.Notification.key": "a de-duplication key",
    # money: rates, invoices, payments (SECURITY.md "Money"); descriptions are encrypted
    "billing.TimeReport.hourly_rate_source": "where the rate came from (contract, directory)",
    "billing.Expense.receipt_content_type": "the receipt's kind, sniffed from its bytes",
    "billing.Invoice.void_reason": "why an invoice was voided (a billing error)",
    "billing.InvoiceLine.source_currency": "a currency code",
    "billing.Payment.reference": "a bank or cheque reference",
    "billing.Refund.reference": "a bank or cheque reference",
    "billing.Payout.reference": "a bank or cheque reference",
    # abuse reports: the employer (a public actor) and its key; the worker's story is encrypted
    "abuse.AbuseReport.employer_name": "the employer named (a public actor, matched with the visa data)",
    "abuse.AbuseReport.employer_key": "the employer's organisation-name key",
    "abuse.EvidenceFile.content_type": "the file's kind, sniffed from its bytes",
    # workers' reports (puente.voice): who and what they name are public actors; the story,
    # contact, places and notes are encrypted
    "voice.WorkerReport.code": "the short code a worker keeps to add to a report (names no one)",
    "voice.WorkerReport.language": "a language code",
    "voice.WorkerReport.recruiter_name": "the recruiter named (a public actor, matched with the abuse records)",
    "voice.WorkerReport.employer_name": "the employer named (a public actor, matched with the visa data)",
    "voice.WorkerReport.programme": "a visa programme (H-2A, H-2B)",
    "voice.WorkerReport.fee_currency": "a currency code",
    "voice.RightsPage.body_es": "public know-your-rights text",
    "voice.RightsPage.body_en": "public know-your-rights text",
    "voice.Conversation.sender_key": "a keyed hash (HMAC) of the sender's number, never the number",
    "voice.Conversation.channel": "sms or whatsapp",
    "voice.Conversation.step": "where the dialogue stands (a step name)",
    # API tokens and their use log
    "api.AccessToken.name": "the label a member gives a token",
    "api.AccessToken.prefix": "the first characters of a token, to recognise it",
    "api.AccessToken.key_hash": "a hash of the token",
    "api.TokenUse.method": "an HTTP method",
    "api.TokenUse.path": "an API path (ids, no names)",
    # background jobs
    "jobs.Job.kind": "which job",
    "jobs.Job.label": "what the job works on, by file number or kind",
    "jobs.Job.progress_note": "a progress count",
    "jobs.Job.error": "an error message (file, row, column), no cell contents",
}


def _text_fields():
    for model in apps.get_models():
        if not model.__module__.startswith("puente."):
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.CharField | models.TextField):
                yield model, f


def _unexplained():
    out = []
    for model, f in _text_fields():
        label = model._meta.label
        if isinstance(f, EncryptedMixin) or f.choices or label in CLEAR_MODELS:
            continue
        if f"{label}.{f.name}" not in CLEAR_FIELDS:
            out.append(f"{label}.{f.name}")
    return out


def test_every_text_field_is_encrypted_or_clear_by_design():
    unexplained = _unexplained()
    assert not unexplained, (
        "Text fields neither encrypted (puente.core.fields) nor listed as clear by design, with "
        "a reason, in tests/test_security_fields.py (and SECURITY.md):\n" + "\n".join(unexplained)
    )


def test_the_list_names_only_fields_that_exist():
    existing = {f"{m._meta.label}.{f.name}" for m, f in _text_fields()}
    labels = {m._meta.label for m in apps.get_models()}
    stale = sorted(set(CLEAR_FIELDS) - existing) + sorted(set(CLEAR_MODELS) - labels)
    assert not stale, f"No longer text fields (or models): remove them from the list: {stale}"


@pytest.mark.parametrize("label", [
    "abuse.EvidenceFile.description", "abuse.Incident.paid_to", "abuse.Incident.documents",
    "locate.ReunificationProject.name", "locate.ReunificationProject.description", "locate.ImportBatch.filename",
])
def test_fields_found_in_clear_by_the_probe_are_encrypted(label):
    app_model, name = label.rsplit(".", 1)
    assert isinstance(apps.get_model(app_model)._meta.get_field(name), EncryptedMixin)


@pytest.mark.django_db
def test_they_are_ciphertext_in_the_database(coordinator, defender_user):
    from django.db import connection

    from puente.abuse import actions
    from puente.abuse.models import Incident
    from puente.locate import actions as locate_actions

    report = actions.do_file_report(acting_user=defender_user, recruiter_names=["Agencia Xol"])
    incident = actions.do_add_incident(
        report, acting_user=defender_user, kind=Incident.Kind.DOCUMENT_RETENTION, documents="Pasaporte de Marvin Xol",
        paid_to="Lic. Ramiro Tzul 5555 0142",
    )
    project = locate_actions.do_create_project(acting_user=coordinator, name="Padres de M. Tzoc",
                                               description="Madre: Rosa Tzoc")
    with connection.cursor() as cursor:
        cursor.execute("SELECT documents, paid_to FROM abuse_incident WHERE id = %s", [incident.pk])
        row = " ".join(cursor.fetchone())
        cursor.execute("SELECT name, description FROM locate_reunificationproject WHERE id = %s", [project.pk])
        row += " ".join(cursor.fetchone())
    assert "Marvin" not in row and "Tzul" not in row and "Tzoc" not in row
    incident.refresh_from_db()
    assert incident.documents == "Pasaporte de Marvin Xol"
