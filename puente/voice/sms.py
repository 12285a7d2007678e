"""Text messages (SMS, WhatsApp) through a provider adapter. Twilio's request format is the first:
its signature is checked with the auth token from the settings; another provider plugs in as
another adapter with the same three methods. The dialogue is short, stateful and in Spanish."""

import base64
import hashlib
import hmac
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from . import jobcheck
from .models import TEXT_MAX, Conversation

CURRENCIES = ("MXN", "GTQ", "HNL", "NIO", "USD")

KIND_NUMBERS = {"1": "fee", "2": "document_retention", "3": "fraud", "4": "threats", "5": "retaliation"}
DELETE_WORDS = {"BORRAR", "DELETE", "STOP BORRAR"}


class TwilioAdapter:
    name = "twilio"

    def __init__(self, auth_token: str):
        self.auth_token = auth_token

    def signature(self, url: str, params: dict) -> str:
        payload = url + "".join(f"{k}{params[k]}" for k in sorted(params))
        digest = hmac.new(self.auth_token.encode(), payload.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    def verify(self, request) -> bool:
        if not self.auth_token:
            return False
        base = getattr(settings, "PUENTE_BASE_URL", "")
        url = base + request.get_full_path() if base else request.build_absolute_uri()
        given = request.headers.get("X-Twilio-Signature", "")
        return hmac.compare_digest(self.signature(url, request.POST.dict()), given)

    def parse(self, request) -> tuple[str, str, str]:
        sender = request.POST.get("From", "")
        channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
        return sender, channel, request.POST.get("Body", "")[:TEXT_MAX]

    def reply(self, text: str) -> tuple[str, str]:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escaped}</Message></Response>', "text/xml"


def twilio() -> TwilioAdapter:
    return TwilioAdapter(getattr(settings, "PUENTE_TWILIO_AUTH_TOKEN", ""))


def sender_key(sender: str) -> str:
    digits = re.sub(r"[^\d+]", "", sender)
    return salted_hmac("puente.voice.sender", digits).hexdigest()


def menu() -> str:
    return _("Puente. Reply 1 to check whether a job offer is real, 2 to tell us about abuse (without your "
             "name), BORRAR to delete your messages.")


def _check_reply(name: str) -> str:
    result = jobcheck.answer(name)
    parts = []
    for job in result.jobs[:2]:
        parts.append(_("%(employer)s (%(state)s): %(workers)s %(visa)s workers approved by the US Department of "
                       "Labor.") % {"employer": job.employer, "state": job.state, "workers": job.workers,
                                    "visa": job.visa})
    if not result.jobs:
        parts.append(_("We found no jobs approved by the US Department of Labor for this name."))
    for employer in result.debarred_employers[:2]:
        parts.append(_("Warning: %(name)s was debarred.") % {"name": employer})
    if result.recruiter_reports:
        parts.append(_("The network has reviewed reports of abuse about %(name)s.") % {"name": result.recruiter_name})
    parts.append(_("Nobody may charge you for recruitment. Keep your passport."))
    return " ".join(parts)


def step(conv: Conversation, text: str, submit) -> str:
    """The reply to ``text`` in the dialogue ``conv`` (its state changed in place, not saved);
    ``submit(data)`` files the report and returns it."""
    word = text.strip().upper()
    if conv.step == "check_name":
        conv.step = ""
        return _check_reply(text.strip()[:200])
    if conv.step == "report_who":
        conv.data = {"recruiter_name": text.strip()[:200]}
        conv.step = "report_what"
        return _("What happened? Reply with the numbers: 1 fee, 2 documents kept, 3 false promises, 4 threats, "
                 "5 retaliation.")
    if conv.step == "report_what":
        kinds = [KIND_NUMBERS[n] for n in re.findall(r"[1-5]", word)]
        if not kinds:
            return _("Reply with one or more numbers from 1 to 5.")
        conv.data = {**conv.data, "kinds": sorted(set(kinds))}
        if "fee" in kinds:
            conv.step = "report_fee"
            return _("How much did you pay and in which currency? (for example: 9000 MXN)")
        conv.step = "report_story"
        return _("Tell us in one message what happened.")
    if conv.step == "report_fee":
        match = re.search(r"([\d.,]+)\s*([A-Za-z]{3})?", text)
        currency = (match.group(2) or "MXN").upper() if match else ""
        try:
            amount = Decimal(match.group(1).replace(",", "")) if match else None
        except InvalidOperation:
            amount = None
        # Checked here, not only when the report is filed: a refusal at the last step would
        # leave the worker stuck there (and 13 digits overflow the column).
        if amount is None or currency not in CURRENCIES or not (0 < amount < Decimal("1e10")):
            return _("Write the amount and the currency (MXN, GTQ, HNL, NIO or USD), for example: 9000 MXN")
        conv.data = {**conv.data, "fee_amount": str(amount), "fee_currency": currency}
        conv.step = "report_story"
        return _("Tell us in one message what happened.")
    if conv.step == "report_story":
        data = {**conv.data, "narrative": text.strip()}
        if data.get("fee_amount"):
            data["fee_amount"] = Decimal(data["fee_amount"])
        report = submit(data)
        conv.step, conv.data = "", {}
        return _("Thank you. Your code is %(code)s. Keep it to add more later.") % {"code": report.code}
    if word == "1":
        conv.step = "check_name"
        return _("What is the name of the employer or recruiter?")
    if word == "2":
        conv.step = "report_who"
        return _("Who recruited you, or for which employer? (a name)")
    return menu()
