"""What other apps may ask the cases app (queries; changes are in ``actions.py``).

Apps above cases (billing, abuse, api) import these; apps below it (core, locate, visas) reach
them through the providers registered in ``apps.CasesConfig.ready``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from djmoney.money import Money

from puente.core.roles import has_perm
from puente.visas import api as visas_api

from .access import visible_cases
from . import contract
from .models import AgreementSignature, Case, CaseParty, ContractVersion


def agreement_signature(advocate, version: str | None = None) -> AgreementSignature | None:
    """The Advocate's signature of the Advocate Agreement ``version`` (default: the current one),
    or None: an Advocate without it has their next case wait (open cases continue under the
    version they signed, ``Case.agreement_signature``)."""
    return (
        AgreementSignature.objects.filter(advocate_id=advocate.pk, version=version or contract.AGREEMENT_VERSION)
        .order_by("pk")
        .first()
    )


def latest_agreement_signature(advocate) -> AgreementSignature | None:
    """The Advocate's most recent signature of any version, or None."""
    return AgreementSignature.objects.filter(advocate_id=advocate.pk).order_by("-signed_at", "-pk").first()


def find_case(reference_or_pk: str) -> Case | None:
    """The case with this reference ("PU-2026-00012", any case) or number ("12", "#12"), or None.
    Provider ``core.find_case``: core's pages look cases up without importing cases."""
    value = (reference_or_pk or "").strip().lstrip("#")
    if not value:
        return None
    q = Q(reference__iexact=value)
    if value.isdigit():
        q |= Q(pk=int(value))
    return Case.objects.filter(q).order_by("pk").first()


def person_in_use(person) -> bool:
    """True when a case names ``person`` as its client. Provider ``locate.person_in_use``:
    retention and deletion ask before removing a person."""
    return Case.objects.filter(client_id=person.pk).exists()


def cases_naming_employer(employer, user) -> list[CaseParty]:
    """The opposing parties (kind employer) of the cases ``user`` may see (``access.visible_cases``)
    whose name, normalised by the visa data's key, is one of ``employer``'s names as filed; each
    with ``.case`` and ``.name`` (as the case names it). Coordinators with ``visas.internal``
    only: an empty list for everyone else. Provider ``visas.cases_naming_employer``."""
    if not has_perm(user, "visas.internal"):
        return []
    keys = {visas_api.key(name) for name in employer.names.values_list("name", flat=True)}
    keys.add(employer.key)
    keys.discard("")
    parties = (
        CaseParty.objects.filter(kind=CaseParty.Kind.EMPLOYER, case__in=visible_cases(user))
        .select_related("case")
        .order_by("case__reference", "pk")
    )
    return [p for p in parties if visas_api.key(p.name) in keys]


@dataclass(frozen=True)
class ContractTerms:
    """The money terms of one Case Facilitation Contract version, as all three parties signed them.

    - ``version_id``, ``version_number``: the ``ContractVersion`` (invoices and reports name it);
    - ``signed_at``: when the third party's signature made the version binding;
    - ``hourly_rate``: what the Defender is paid per approved hour, in the Defender's currency;
    - ``fee_percent``: the Network's facilitation fee, a percentage of the Defender's fees and
      expenses (``Decimal("15")`` is 15 %), or None when the contract sets no percentage;
    - ``fee_flat``: a flat Network fee for the case (in the Advocate's invoice currency), or None;
    - ``hours_cap``: the most hours the parties agreed to (None: no cap). Reports beyond it are
      flagged for a Coordinator's review, not refused;
    - ``expenses_cap``: the most the Defender's expenses may add up to (None: no cap);
    - ``payer_note``: who pays what, as the contract words it.
    """

    version_id: int
    version_number: int
    signed_at: datetime.datetime
    hourly_rate: Money
    fee_percent: Decimal | None
    fee_flat: Money | None
    hours_cap: Decimal | None
    expenses_cap: Money | None
    payer_note: str


def _terms_of(version, signed_at) -> ContractTerms:
    return ContractTerms(
        version_id=version.pk, version_number=version.number, signed_at=signed_at,
        hourly_rate=version.hourly_rate, fee_percent=version.fee_percent, fee_flat=version.fee_flat,
        hours_cap=version.hours_cap, expenses_cap=version.expenses_cap, payer_note=version.payer_note,
    )


def all_signed_terms(case) -> list[ContractTerms]:
    """Every fully signed version's terms for ``case``, oldest first (by ``signed_at``, the time
    of the third valid signature): billing prices each time entry with the terms in force on its
    date. Voided signatures (a Defender replaced before everyone signed) do not count."""
    versions = ContractVersion.objects.filter(case_id=case.pk).prefetch_related("signatures").order_by("number")
    found = []
    for version in versions:
        signed_at = version.fully_signed_at
        if signed_at is not None:
            found.append(_terms_of(version, signed_at))
    found.sort(key=lambda t: (t.signed_at, t.version_number))
    return found


def signed_terms(case, on: datetime.datetime | None = None) -> ContractTerms | None:
    """The terms of the latest contract version of ``case`` signed by all three parties as of
    ``on`` (default: now); None when no version was fully signed by then. A version proposed
    later (new rate, new fee) changes nothing until all three have signed it: the case keeps
    working under the last fully signed one."""
    on = on or timezone.now()
    in_force = [t for t in all_signed_terms(case) if t.signed_at <= on]
    return max(in_force, key=lambda t: t.version_number) if in_force else None
