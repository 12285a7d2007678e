"""Conflicts of interest: which Defenders may not take a case, and why. The one implementation.

"The opposing parties of a case exclude a Defender who acted for them" (SECURITY.md). A Defender
is in conflict with a case when one of the case's opposing parties (``CaseParty``), under any
name it is known by, is

- a party the Defender declared a conflict with (network ``DefenderConflict``), compared by the
  network's company-name key and rapidfuzz ``token_sort_ratio`` (``THRESHOLD``), the names the
  abuse app knows the party by included (provider ``cases.conflict_aliases``: recruiter aliases
  and merges);
- a person the Defender represented: the client of an earlier case of the Defender's, found
  through locate's person links (``puente.locate.api.people_named``: the same person under the
  name the case uses, merged duplicates followed).

``do_assign_defender`` and ``do_change_defender`` call :func:`conflict_of` under the case's row
lock, so no form, route or command can assign a conflicted Defender; every Defender picker
excludes :func:`conflicted_ids`; matching's suggestions use :func:`conflicts_for`. A database
error here propagates: a check that silently found nothing would assign a conflicted Defender.

A reason names the party as this case names it and what the Defender's tie to it is; it never
names another case, its client's name or its reference (the Coordinator reading it may not be
entitled to them, and the Defender reading a refusal is not).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from puente.core import providers
from puente.core.orgnames import org_keys
from puente.locate import api as locate_api
from puente.network.api import DefenderConflict

from .models import Case

#: rapidfuzz token_sort_ratio (0-100) from which two party names are taken for the same party.
THRESHOLD = 90.0


@dataclass(frozen=True)
class Conflict:
    defender_id: int
    #: The opposing party as this case names it.
    party: str
    #: Why, in the active language, without another case's details.
    reason: str


def _party_names(case: Case) -> list[tuple[str, set[str]]]:
    """(name as written in the case, every name the party is known by) per opposing party."""
    out = []
    for written in case.parties.order_by("pk").values_list("name", flat=True):
        written = (written or "").strip()
        if not written or written in ("—", "-"):
            continue
        aliases = set(providers.call("cases.conflict_aliases", [written]) or ())
        out.append((written, {written, *aliases}))
    return out


def _declared(parties: list[tuple[str, set[str]]], defender_ids: set[int] | None) -> dict[int, Conflict]:
    rows = DefenderConflict.objects.order_by("defender_id", "pk")
    if defender_ids is not None:
        rows = rows.filter(defender_id__in=defender_ids)
    # One entry per key of each declared party (a name "X d/b/a Y" has the keys of X and of Y).
    declared: list[tuple[int, str]] = []
    keys: list[str] = []
    for defender_id, party_name in rows.values_list("defender_id", "party_name"):
        for key in org_keys(party_name):
            declared.append((defender_id, party_name))
            keys.append(key)
    if not keys:
        return {}
    found: dict[int, tuple[int, Conflict]] = {}
    for written, names in parties:
        for key in sorted({k for alias in names for k in org_keys(alias)} - {""}):
            for _match, _score, index in process.extract(
                key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=THRESHOLD, limit=None
            ):
                defender_id, party_name = declared[index]
                if defender_id not in found or index < found[defender_id][0]:
                    reason = _("acted for %(party)s (named in the case as %(name)s)") % {
                        "party": party_name, "name": written}
                    found[defender_id] = (index, Conflict(defender_id, written, reason))
    return {d: c for d, (_i, c) in found.items()}


def _history(case: Case, parties: list[tuple[str, set[str]]], defender_ids: set[int] | None) -> dict[int, Conflict]:
    """Defenders who represented a person now named as an opposing party: the Defender of an
    earlier case whose client is that person (merged duplicates included)."""
    found: dict[int, Conflict] = {}
    for written, names in parties:
        person_ids = locate_api.people_named(sorted(names))
        if not person_ids:
            continue
        earlier = (
            Case.objects.filter(client_id__in=person_ids, defender__isnull=False)
            .exclude(pk=case.pk)
            .order_by("defender_id")
        )
        if defender_ids is not None:
            earlier = earlier.filter(defender_id__in=defender_ids)
        for defender_id in earlier.values_list("defender_id", flat=True).distinct():
            found.setdefault(defender_id, Conflict(
                defender_id, written,
                _("represented %(name)s, named as an opposing party in this case, in an earlier case of the "
                  "network") % {"name": written},
            ))
    return found


def conflicts_for(case: Case, defender_ids: Iterable[int] | None = None) -> dict[int, Conflict]:
    """defender id -> the first conflict found, for every Defender (or those of ``defender_ids``)
    in conflict with ``case``."""
    ids = None if defender_ids is None else set(defender_ids)
    parties = _party_names(case)
    if not parties:
        return {}
    found = _declared(parties, ids)
    for defender_id, conflict in _history(case, parties, ids).items():
        found.setdefault(defender_id, conflict)
    return found


def conflict_of(case: Case, defender) -> Conflict | None:
    """The conflict that bars ``defender`` from ``case``, or None."""
    return conflicts_for(case, [defender.pk]).get(defender.pk)


def conflicted_ids(case: Case) -> set[int]:
    """The Defenders every picker leaves out for ``case``."""
    return set(conflicts_for(case))


