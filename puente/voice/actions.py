"""Every change to workers' reports. Filing and adding are public (a worker has no account);
reviewing is a Coordinator's, and turns a report into an abuse report through the abuse app's
own actions, so that it is resolved against the known recruiters like any other report."""

import secrets

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from djmoney.money import Money

from puente.abuse import actions as abuse_actions
from puente.core.action_contract import PUBLIC, ActionRefused, action

from . import guard, sms
from .models import NAME_MAX, TEXT_MAX, Addition, Conversation, Message, RightsPage, WorkerReport

# Unambiguous on a phone and read aloud: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
KINDS = abuse_actions.Incident.Kind
INDICATORS = abuse_actions.TraffickingIndicator
CURRENCIES = sms.CURRENCIES
SMS_LIMIT = 40  # messages per sender in guard.RATE_WINDOW: a whole dialogue is about six


def new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if not WorkerReport.objects.filter(code=code).exists():
            return code


def _clean_report(data: dict) -> dict:
    errors = {}
    kinds = [k for k in data.get("kinds", []) if k in KINDS.values]
    if not kinds:
        errors["kinds"] = _("Choose at least one thing that happened.")
    if not (data.get("recruiter_name") or data.get("employer_name")):
        errors["recruiter_name"] = _("Write the name of the recruiter or of the employer, as you know it.")
    if KINDS.FEE in kinds and not (data.get("fee_amount") and data.get("fee_currency") in CURRENCIES):
        errors["fee_amount"] = _("Write how much you paid and in which currency.")
    indicators = [i for i in data.get("indicators", []) if i in INDICATORS.values]
    if KINDS.TRAFFICKING in kinds and not indicators:
        errors["indicators"] = _("Tick at least one sign of trafficking.")
    start, end = data.get("occurred_from"), data.get("occurred_to")
    if start and end and end < start:
        errors["occurred_to"] = _("The end is before the start.")
    if data.get("contact") and not data.get("contact_consent"):
        errors["contact_consent"] = _("Tick the box if you agree that the network contacts you.")
    for name in ("recruiter_name", "employer_name", "places", "fee_paid_to", "documents_kept", "contact"):
        if len(data.get(name) or "") > NAME_MAX:
            errors[name] = _("At most %(n)s characters.") % {"n": NAME_MAX}
    if len(data.get("narrative") or "") > TEXT_MAX:
        errors["narrative"] = _("At most %(n)s characters.") % {"n": TEXT_MAX}
    if errors:
        raise ValidationError(errors)
    return {**data, "kinds": kinds, "indicators": indicators if KINDS.TRAFFICKING in kinds else []}


def _report_fields(data: dict) -> dict:
    fields = {f: data.get(f) for f in (
        "recruiter_name", "employer_name", "programme", "places", "occurred_from", "occurred_to", "kinds",
        "indicators", "fee_amount", "fee_currency", "fee_paid_to", "documents_kept", "narrative", "contact",
        "contact_consent",
    )}
    fields = {k: v for k, v in fields.items() if v is not None}
    if not fields.get("contact"):
        fields["contact_consent"] = False
    if KINDS.FEE not in data["kinds"]:
        fields.update(fee_amount=None, fee_currency="", fee_paid_to="")
    return fields


@action(PUBLIC)
def do_submit_report(*, acting_user, data: dict, language: str = "es") -> WorkerReport:
    """A worker's report, as they tell it, waiting for review. Public: ``acting_user`` is None or
    anonymous. Returns the report (its ``code`` is what the worker keeps)."""
    return WorkerReport.objects.create(code=new_code(), language=language, **_report_fields(_clean_report(data)))


@action(PUBLIC)
def do_add_to_report(*, acting_user, code: str, text: str) -> Addition:
    """What a worker adds later, with the code they were given."""
    text = (text or "").strip()
    if not text:
        raise ActionRefused(_("Write what you want to add."), field="text", code="required")
    if len(text) > TEXT_MAX:
        raise ActionRefused(_("At most %(n)s characters.") % {"n": TEXT_MAX}, field="text", code="size")
    report = WorkerReport.objects.select_for_update().filter(code=(code or "").strip().upper()).first()
    if report is None or report.status == WorkerReport.Status.DISCARDED:
        raise ActionRefused(_("No report has this code. Check the letters and numbers."), field="code",
                            code="not_found")
    if report.status != WorkerReport.Status.NEW:
        # Additions reach the network with the report at its review; after it nobody would read
        # them, so the worker is told to send a new report rather than being told it was added.
        raise ActionRefused(_("The network has already reviewed this report. Send a new report with what "
                              "you want to add."), field="code", code="state")
    return Addition.objects.create(report=report, text=text)


def _lock_new(report) -> WorkerReport:
    locked = WorkerReport.objects.select_for_update().get(pk=report.pk)
    if locked.status != WorkerReport.Status.NEW:
        raise ActionRefused(_("This report was already reviewed."), code="state")
    return locked


@action("voice.moderate")
def do_accept_report(report, *, acting_user, recruiters=(), recruiter_names=(), employer_name="",
                     programme="", region=None) -> WorkerReport:
    """Turn a worker's report into an abuse report: the Coordinator names known recruiters
    (``recruiters``) or names to resolve or create (``recruiter_names``, through the abuse app's
    resolution). The incidents follow what the worker said."""
    locked = _lock_new(report)
    narrative = locked.narrative
    additions = [a.text for a in Addition.objects.filter(report=locked)]
    if additions:
        narrative = "\n\n".join([narrative, *additions]).strip()
    try:
        filed = abuse_actions.do_file_report(
            acting_user=acting_user, recruiters=recruiters, recruiter_names=recruiter_names,
            employer_name=employer_name, programme=programme, occurred_from=locked.occurred_from,
            occurred_to=locked.occurred_to, region=region, municipality=locked.places[:100], narrative=narrative,
        )
        for kind in locked.kinds:
            fee = kind == KINDS.FEE
            abuse_actions.do_add_incident(
                filed, acting_user=acting_user, kind=kind,
                amount=Money(locked.fee_amount, locked.fee_currency) if fee and locked.fee_amount else None,
                paid_to=locked.fee_paid_to if fee else "",
                documents=locked.documents_kept if kind in (KINDS.DOCUMENT_RETENTION, KINDS.FRAUD) else "",
                documents_taken=kind == KINDS.FRAUD and bool(locked.documents_kept),
                indicators=locked.indicators if kind == KINDS.TRAFFICKING else (),
            )
    except ValidationError as exc:
        raise ActionRefused(exc) from exc
    locked.status = WorkerReport.Status.ACCEPTED
    locked.abuse_report = filed
    locked.reviewed_by = acting_user
    locked.reviewed_at = timezone.now()
    locked.save()
    return locked


@action("voice.moderate")
def do_discard_report(report, *, acting_user, note="") -> WorkerReport:
    """Discard a report as spam (or not a report): it stays, marked, and counts nowhere."""
    locked = _lock_new(report)
    locked.status = WorkerReport.Status.DISCARDED
    locked.review_note = (note or "")[:NAME_MAX]
    locked.reviewed_by = acting_user
    locked.reviewed_at = timezone.now()
    locked.save()
    return locked


@action(PUBLIC)
def do_receive_message(*, acting_user, sender: str, channel: str, text: str) -> str:
    """One text message from a worker: the reply. The dialogue's state is kept under a keyed HMAC
    of the sender's number (never the number). "BORRAR" deletes the sender's messages and state."""
    key = sms.sender_key(sender)
    with translation.override("es"):
        if text.strip().upper() in sms.DELETE_WORDS:
            Conversation.objects.filter(sender_key=key).delete()
            return _("Your messages were deleted.")
        if guard.over_limit("sms:" + key, limit=SMS_LIMIT):
            return _("Too many messages. Try again in a few minutes.")
        conv, _created = Conversation.objects.select_for_update().get_or_create(
            sender_key=key, defaults={"channel": channel})
        Message.objects.create(conversation=conv, direction=Message.Direction.IN, body=text)
        try:
            reply = sms.step(conv, text, submit=lambda data: WorkerReport.objects.create(
                code=new_code(), language="es", **_report_fields(_clean_report(data))))
        except ValidationError as exc:
            # The report was refused (checked before anything is written): start again rather
            # than leaving the worker at a step every later message would fail.
            conv.step, conv.data = "", {}
            reply = " ".join([*exc.messages, sms.menu()])
        conv.save()
        Message.objects.create(conversation=conv, direction=Message.Direction.OUT, body=reply)
        return reply


@action("voice.moderate")
def do_save_rights_page(visa: str, *, acting_user, body_es: str, body_en: str) -> RightsPage:
    """Write the know-your-rights page of one visa, in both languages."""
    if visa not in RightsPage.Visa.values:
        raise ActionRefused(_("Unknown visa."), field="visa", code="invalid")
    for field, body in (("body_es", body_es), ("body_en", body_en)):
        if not (body or "").strip():
            raise ActionRefused(_("Write the page in both languages."), field=field, code="required")
        if len(body) > TEXT_MAX:
            raise ActionRefused(_("At most %(n)s characters.") % {"n": TEXT_MAX}, field=field, code="size")
    page, _created = RightsPage.objects.select_for_update().get_or_create(
        visa=visa, defaults={"body_es": body_es, "body_en": body_en, "updated_by": acting_user})
    page.body_es, page.body_en, page.updated_by = body_es.strip(), body_en.strip(), acting_user
    page.save()
    return page
