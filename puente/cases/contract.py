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
import hashlib
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import ContractSignature

# Every version of the Advocate Agreement's text, kept so that what each Advocate signed stays
# readable; the last is the current one, which an Advocate signs before their next case proceeds.
AGREEMENT_TEMPLATES = {
    "2026-1": "cases/agreement/advocate_agreement_2026-1.html",
}
AGREEMENT_VERSION = list(AGREEMENT_TEMPLATES)[-1]


def agreement_template(version: str | None = None) -> str:
    return AGREEMENT_TEMPLATES[version or AGREEMENT_VERSION]


def agreement_text(version: str | None = None, language: str | None = None) -> str:
    """The exact text of the Advocate Agreement ``version`` (default: the current one) as the
    agreement page shows it in ``language`` (default: the active one): what a signature's SHA-256
    is taken of."""
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        return render_to_string(agreement_template(version))


def agreement_sha256(version: str | None = None, language: str | None = None) -> str:
    return hashlib.sha256(agreement_text(version, language).encode("utf-8")).hexdigest()


CONTRACT_TEMPLATES = {
    1: "cases/contract/contract_v1.txt",  # English only: contracts generated before the bilingual text
    2: "cases/contract/contract_v2.txt",  # English clause, then its Spanish text
    3: "cases/contract/contract_v3.txt",  # the rates-and-fees clause rendered from the version's terms
}
CONTRACT_TEMPLATE = CONTRACT_TEMPLATES[3]
# The rates-and-fees lines rendered from the version's terms, English and Spanish.
TERMS_TEMPLATES = ("cases/contract/terms_v3.txt", "cases/contract/terms_v3_es.txt")


def format_rate(money) -> str:
    """An amount as the contract writes it, the same in both languages: ISO code, thousands
    separated by commas, decimal point ("GTQ 1,250.50"), as read in Mexico and Central America."""
    return f"{money.currency.code} {money.amount:,.2f}"


def format_number(value: Decimal) -> str:
    """A percentage or a number of hours as the contract writes it: "15", "12.5", "40"."""
    text = f"{value.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return text or "0"


def _terms_context(terms: dict) -> dict:
    """The terms as the templates write them (each amount with its currency code)."""

    def money(value):
        return format_rate(value) if value is not None else ""

    def number(value):
        return format_number(Decimal(value)) if value not in (None, "") else ""

    return {
        "hourly_rate": money(terms["hourly_rate"]),
        "fee_percent": number(terms.get("fee_percent")),
        "fee_flat": money(terms.get("fee_flat")),
        "hours_cap": number(terms.get("hours_cap")),
        "expenses_cap": money(terms.get("expenses_cap")),
        "payer_note": (terms.get("payer_note") or "").strip(),
    }


def _normalised(text: str) -> str:
    # Normalise line endings and blank-line runs so that diffs show only real changes.
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


def terms_blocks(terms: dict) -> list[str]:
    """The lines of the rates-and-fees clause rendered from ``terms``, in English and in Spanish:
    the lines of the contract that only a change of terms may change."""
    with translation.override("en"):
        return [_normalised(render_to_string(t, {"t": _terms_context(terms)})) for t in TERMS_TEMPLATES]


def _labels(case, defender, parties, tasks, language) -> dict:
    """The labels interpolated in the text (claim type, countries, kinds of party, tasks), in
    ``language``: the English clause and its Spanish text each get their own."""
    with translation.override(language):
        return {
            "claim_type": case.get_claim_type_display(),
            "advocate_country": case.advocate.get_country_display(),
            "defender_country": defender.get_country_display(),
            "parties": [{"name": p.name, "kind": p.get_kind_display()} for p in parties],
            "tasks": [
                {"kind": t.get_kind_display(), "description": t.description, "due_date": t.due_date} for t in tasks
            ],
        }


def generate_text(case, terms: dict, *, defender=None, template=CONTRACT_TEMPLATE) -> str:
    """A case's contract as the template words it, for ``defender`` (by default the case's), its
    rates-and-fees clause rendered from ``terms`` (``ContractVersion.terms()``). The English text
    governs, English being the language of the Advocate's court; from template version 2 each
    clause is followed by its Spanish text. The client is named by the case reference only."""
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
                "t": _terms_context(terms),
                # Templates 1 and 2 wrote these two directly.
                "fee_percent": _terms_context(terms)["fee_percent"],
                "hourly_rate": format_rate(terms["hourly_rate"]),
                "en": _labels(case, defender, parties, tasks, "en"),
                "es": _labels(case, defender, parties, tasks, "es"),
            },
        )
    return _normalised(text)


def replace_lines(text: str, old_generated: str, new_generated: str) -> str | None:
    """``text`` with the lines where ``old_generated`` and ``new_generated`` differ replaced, as
    the template would write them now, keeping every other change the parties made. None when
    those lines are no longer in ``text`` as the template wrote them (edited by a party, or from
    an older template): the caller then generates the text again."""
    old, new = old_generated.splitlines(), new_generated.splitlines()
    lines = text.splitlines()
    start = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        block = old[i1:i2]
        if not block:  # a line only the new Defender has: no place to anchor it in an edited text
            return None
        at = next((i for i in range(start, len(lines) - len(block) + 1) if lines[i : i + len(block)] == block), None)
        if at is None:
            return None
        lines[at : at + len(block)] = new[j1:j2]
        start = at + (j2 - j1)
    return "\n".join(lines) + "\n"


def replace_defender(text, case, old_defender, new_defender, old_terms: dict, new_terms: dict) -> str | None:
    """``text`` (the latest version) with the lines the template writes about ``old_defender``
    (party, country, the rates-and-fees clause, in both languages) replaced by those for
    ``new_defender`` and ``new_terms``; see :func:`replace_lines`."""
    return replace_lines(
        text,
        generate_text(case, old_terms, defender=old_defender),
        generate_text(case, new_terms, defender=new_defender),
    )


def replace_terms(text, case, old_terms: dict, new_terms: dict) -> str | None:
    """``text`` with its rates-and-fees lines (each language) written for ``new_terms``; see
    :func:`replace_lines`."""
    for old, new in zip(terms_blocks(old_terms), terms_blocks(new_terms), strict=True):
        replaced = replace_lines(text, old, new)
        if replaced is None:
            return None
        text = replaced
    return text


def keeps_terms(text: str, terms: dict) -> bool:
    """True when ``text`` still holds the rates-and-fees lines of ``terms`` as written, in both
    languages: a party's edit of the text may not change the money terms (a Coordinator changes
    the terms, ``actions.do_edit_terms``)."""
    return all(block.strip("\n") in text for block in terms_blocks(terms))


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip() + "\n"


def diff_html(old, new) -> str:
    """A unified diff of two versions as escaped HTML: removed lines in <del>, added in <ins>."""
    lines = difflib.unified_diff(
        old.text.splitlines(),
        new.text.splitlines(),
        fromfile=f"v{old.number}",
        tofile=f"v{new.number}",
        lineterm="",
        n=2,
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
        {
            "version": version,
            "case": version.case,
            "signatures": signatures,
            "sides": sides_with_signatures(version, signatures),
        },
    )
    return HTML(string=html).write_pdf()


def sides_with_signatures(version, signatures):
    """One row per signing party: its label (in the active language, and in English and Spanish
    for the PDF), its signature of this version or None, and the signatures it gave that were
    voided (the Defender was replaced before every party had signed)."""
    by_side = {s.side: s for s in signatures if s.voided_at is None}
    rows = []
    for value, label in ContractSignature.Side.choices:
        with translation.override("en"):
            label_en = str(label)
        with translation.override("es"):
            label_es = str(label)
        rows.append(
            {
                "side": value,
                "label": label,
                "label_en": label_en,
                "label_es": label_es,
                "signature": by_side.get(value),
                "voided": [s for s in signatures if s.side == value and s.voided_at is not None],
            }
        )
    return rows
