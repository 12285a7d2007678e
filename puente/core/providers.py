"""How a lower app asks a higher one, without importing it.

Dependencies between Puente's apps point one way (core <- network <- locate/visas <- cases <-
billing/abuse; docs/architecture.md). When a lower app needs an answer only a higher app has
(cases asks billing "is reporting settled?"; visas asks cases "which cases name this
employer?"), the higher app registers a provider in its ``AppConfig.ready``::

    providers.register("cases.reporting_blockers", reporting_blockers)

and the lower app calls it by name::

    blockers = providers.call("cases.reporting_blockers", case)

Every name is declared in ``NAMES`` with what it answers and what an unregistered provider
means, so a typo is an error and the list of cross-layer questions can be read in one place. A
provider that is declared but not registered raises ``LookupError`` when called (every app is
always installed, so that is a bug, never a state to paper over).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Declaration:
    doc: str


#: name -> what the provider answers. Add a line here with the provider.
NAMES: dict[str, Declaration] = {
    "cases.reporting_blockers": Declaration(
        "billing: (case) -> list of what keeps the case in reporting, each a translated phrase naming the "
        "report (submitted and unreviewed, returned and not resubmitted, approved and not on an issued "
        "invoice) or saying no report was approved yet; empty when reporting is settled."
    ),
    "cases.default_fee_terms": Declaration(
        "billing: (currency='USD') -> {'fee_percent': Decimal | None, 'fee_flat': Money | None}, the network's "
        "fee from the current BillingSettings; used only when a case's contract is first generated (the signed "
        "contract then sets the fee)."
    ),
    "cases.conflict_aliases": Declaration(
        "abuse: (names: iterable of str) -> set of further names the same parties are known by "
        "(recruiter aliases and merges), for the conflict-of-interest check."
    ),
    "visas.cases_naming_employer": Declaration(
        "cases: (employer, user) -> the cases ``user`` may see whose parties name the employer."
    ),
    "visas.abuse_reports_for_employer": Declaration(
        "abuse: (employer, user) -> the abuse reports ``user`` may see that name the employer."
    ),
    "locate.client_moved": Declaration(
        "cases: (from_person, to_person, *, acting_user, reason, case_ids=None) -> list of the pks "
        "of the cases moved: every case whose client is from_person (or, with case_ids, only "
        "those of them) now has to_person as client, through a cases action (timeline + audit). "
        "Called by locate when people are merged (all cases) or a merge is undone (case_ids = "
        "the cases the merge moved)."
    ),
    "locate.person_in_use": Declaration(
        "cases: (person) -> True when a case names the person as its client (retention and "
        "deletion ask before removing a person)."
    ),
    "core.set_legal_hold": Declaration(
        "cases: (case_or_reference, *, acting_user, on, reason) -> the case, put under or released "
        "from legal hold by a cases action."
    ),
    "core.find_case": Declaration("cases: (reference_or_pk: str) -> Case or None, for core's pages."),
    "abuse.convert_money": Declaration(
        "billing: (money, to_currency, on: date) -> Money in to_currency at the exchange rate in force on that "
        "date; raises LookupError when none was. Abuse's fee ranking in US dollars (billing and abuse are "
        "siblings: neither imports the other)."
    ),
    "core.start_job": Declaration(
        "jobs: (kind, *, acting_user, payload, label) -> path of the job's page. Starts a long job "
        "(an import, a linkage run) on the background queue after the commit; a page redirects to it."
    ),
}

_registry: dict[str, Callable[..., Any]] = {}


def register(name: str, fn: Callable[..., Any]) -> None:
    """Register ``fn`` as the provider ``name`` (from an ``AppConfig.ready``)."""
    if name not in NAMES:
        raise KeyError(f"Undeclared provider {name!r}: declare it in puente.core.providers.NAMES")
    _registry[name] = fn


def get(name: str) -> Callable[..., Any]:
    if name not in NAMES:
        raise KeyError(f"Undeclared provider {name!r}")
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"No provider registered for {name!r}: its app's AppConfig.ready must register it") from None


def call(name: str, *args: Any, **kwargs: Any) -> Any:
    return get(name)(*args, **kwargs)
