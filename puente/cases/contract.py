"""The Case Facilitation Contract: its text generated from a template filled with the case's
facts, the difference between two versions, and the PDF with its signature block.

The Advocate Agreement's text is versioned here too: a new text means a new ``AGREEMENT_VERSION``
and a new template file, so what each Advocate signed stays readable.
"""

import difflib
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

AGREEMENT_VERSION = "2026-1"
AGREEMENT_TEMPLATE = "cases/agreement/advocate_agreement_2026-1.html"
CONTRACT_TEMPLATE = "cases/contract/contract_v1.txt"


def network_fee_percent() -> Decimal:
    return Decimal(str(getattr(settings, "PUENTE_NETWORK_FEE_PERCENT", "15")))


def generate_text(case) -> str:
    """The first version of a case's contract. Written in English, the language of the
    Advocate's court; the client is named by the case reference only, never by name."""
    with translation.override("en"):
        text = render_to_string(
            CONTRACT_TEMPLATE,
            {
                "case": case,
                "advocate": case.advocate,
                "defender": case.defender,
                "parties": list(case.parties.all()),
                "tasks": list(case.tasks.all()),
                "fee_percent": network_fee_percent(),
            },
        )
    # Normalise line endings and blank-line runs so that diffs show only real changes.
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    out = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip() + "\n"


def diff_html(old, new) -> str:
    """A unified diff of two versions as escaped HTML: removed lines in <del>, added in <ins>."""
    lines = difflib.unified_diff(
        old.text.splitlines(), new.text.splitlines(),
        fromfile=f"v{old.number}", tofile=f"v{new.number}", lineterm="", n=2,
    )
    out = []
    for line in lines:
        safe = escape(line)
        if line.startswith("+") and not line.startswith("+++"):
            out.append(f"<ins>{safe}</ins>")
        elif line.startswith("-") and not line.startswith("---"):
            out.append(f"<del>{safe}</del>")
        else:
            out.append(f"<span>{safe}</span>")
    return mark_safe("\n".join(out))  # noqa: S308 (every line escaped above)


def render_pdf(version) -> bytes:
    from weasyprint import HTML

    signatures = list(version.signatures.select_related("user"))
    html = render_to_string(
        "cases/contract/pdf.html",
        {"version": version, "case": version.case, "signatures": signatures,
         "sides": _sides_with_signatures(version, signatures)},
    )
    return HTML(string=html).write_pdf()


def _sides_with_signatures(version, signatures):
    from .models import ContractSignature

    by_side = {s.side: s for s in signatures}
    return [(label, by_side.get(value)) for value, label in ContractSignature.Side.choices]
