"""The Case Facilitation Contract: its text generated from a template filled with the case's
facts, the difference between two versions, and the PDF with its signature block.

The contract's template is versioned: a new wording is a new template file (``CONTRACT_TEMPLATES``),
and the older files stay so that the text of contracts already generated can be read against the
template they came from. From version 2 the contract is bilingual: each clause in English (the
language of the Advocate's court, which governs) followed by its Spanish text, so the Defender
reads in Spanish what it signs and one versioned text carries both languages.

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
CONTRACT_TEMPLATES = {
    1: "cases/contract/contract_v1.txt",  # English only: contracts generated before the bilingual text
    2: "cases/contract/contract_v2.txt",  # English clause, then its Spanish text
}
CONTRACT_TEMPLATE = CONTRACT_TEMPLATES[2]


def network_fee_percent() -> Decimal:
    return Decimal(str(getattr(settings, "PUENTE_NETWORK_FEE_PERCENT", "15")))


def format_rate(money) -> str:
    """An amount as the contract writes it, the same in both languages: ISO code, thousands
    separated by commas, decimal point ("GTQ 1,250.50"), as read in Mexico and Central America."""
    return f"{money.currency.code} {money.amount:,.2f}"


def _labels(case, defender, parties, tasks, language) -> dict:
    """The labels interpolated in the text (claim type, countries, kinds of party, tasks), in
    ``language``: the English clause and its Spanish text each get their own."""
    with translation.override(language):
        return {
            "claim_type": case.get_claim_type_display(),
            "advocate_country": case.advocate.get_country_display(),
            "defender_country": defender.get_country_display(),
            "parties": [{"name": p.name, "kind": p.get_kind_display()} for p in parties],
            "tasks": [{"kind": t.get_kind_display(), "description": t.description, "due_date": t.due_date}
                      for t in tasks],
        }


def generate_text(case, *, defender=None, template=CONTRACT_TEMPLATE) -> str:
    """A case's contract as the template words it, for ``defender`` (by default the case's).
    The English text governs, English being the language of the Advocate's court; from template
    version 2 each clause is followed by its Spanish text. The client is named by the case
    reference only, never by name."""
    defender = defender or case.defender
    parties, tasks = list(case.parties.all()), list(case.tasks.all())
    with translation.override("en"):
        text = render_to_string(
            template,
            {
                "case": case,
                "advocate": case.advocate,
                "defender": defender,
                "parties": parties,
                "tasks": tasks,
                "fee_percent": network_fee_percent(),
                "hourly_rate": format_rate(defender.hourly_rate),
                "en": _labels(case, defender, parties, tasks, "en"),
                "es": _labels(case, defender, parties, tasks, "es"),
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


def replace_defender(text, case, old_defender, new_defender) -> str | None:
    """``text`` (the latest version) with the lines the template writes about ``old_defender``
    (party, country, rate, in both languages) replaced by those for ``new_defender``, keeping
    every other change the parties made. None when those lines are no longer as the current
    template wrote them (edited by a party, or generated from an older template): the caller
    then generates the text again."""
    old = generate_text(case, defender=old_defender).splitlines()
    new = generate_text(case, defender=new_defender).splitlines()
    lines = text.splitlines()
    start = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        block = old[i1:i2]
        if not block:  # a line only the new Defender has: no place to anchor it in an edited text
            return None
        at = next((i for i in range(start, len(lines) - len(block) + 1) if lines[i:i + len(block)] == block), None)
        if at is None:
            return None
        lines[at:at + len(block)] = new[j1:j2]
        start = at + (j2 - j1)
    return "\n".join(lines) + "\n"


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
    """The version's text and its signature block. The text carries both languages itself (from
    template version 2); the PDF's own headings are written in both too, since the same file is
    kept by the Advocate (English) and the Defender (Spanish)."""
    from weasyprint import HTML

    signatures = list(version.signatures.select_related("user"))
    html = render_to_string(
        "cases/contract/pdf.html",
        {"version": version, "case": version.case, "signatures": signatures,
         "sides": _sides_with_signatures(version, signatures)},
    )
    return HTML(string=html).write_pdf()


def _sides_with_signatures(version, signatures):
    """One row per signing party: its label (in the active language, and in English and Spanish
    for the PDF), its signature of this version or None, and the signatures it gave that were
    voided (the Defender was replaced before every party had signed)."""
    from .models import ContractSignature

    by_side = {s.side: s for s in signatures if s.voided_at is None}
    rows = []
    for value, label in ContractSignature.Side.choices:
        with translation.override("en"):
            label_en = str(label)
        with translation.override("es"):
            label_es = str(label)
        rows.append({"side": value, "label": label, "label_en": label_en, "label_es": label_es,
                     "signature": by_side.get(value),
                     "voided": [s for s in signatures if s.side == value and s.voided_at is not None]})
    return rows
