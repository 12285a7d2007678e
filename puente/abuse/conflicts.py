"""Names a party is known by, for the conflict-of-interest check (which lives in cases).

The abuse app resolves recruiters (and employers) written several ways into one, so the check
catches "Reclutadora del Norte" when the case says "RECLUTADORA DEL NORTE S.A. DE C.V.". It is
registered in ``AbuseConfig.ready`` as the provider ``cases.conflict_aliases``; the cases app
compares every returned name with the Defenders' recorded conflicts (the network directory's
``DefenderConflict`` rows, where a conflict recorded on a recruiter page is also written).

A database error propagates: a conflict check that silently found nothing would send a case to a
Defender who acted for the other side.
"""

from collections.abc import Iterable

from . import visa_link
from .models import AbuseReport, RecruiterEmployer
from .resolution import normalise, resolve_name


def _recruiter_names(recruiter) -> set[str]:
    return {recruiter.name, *recruiter.aliases.values_list("name", flat=True)}


def employer_aliases(name: str) -> set[str]:
    """Every spelling of this employer recorded in reports, recruiter links and the visa data."""
    key = normalise(name)
    names = {name}
    if not key:
        return names
    names |= set(RecruiterEmployer.objects.filter(employer_key=key).values_list("employer_name", flat=True))
    names |= set(AbuseReport.objects.filter(employer_key=key).values_list("employer_name", flat=True))
    names |= visa_link.employer_name_variants(name)
    return names


def party_aliases(kind: str, name: str) -> set[str]:
    """Every name the party called ``name`` is known by, ``name`` included.

    ``kind`` is a ``CaseParty.Kind`` value: "recruiter", "employer" or "other". A recruiter (or an
    "other" party that turns out to be a recruiter) yields its name and all its aliases, following
    merges; an employer yields every spelling recorded for it.
    """
    names = {name}
    if kind in ("recruiter", "other"):
        recruiter = resolve_name(name)
        if recruiter is not None:
            names |= _recruiter_names(recruiter)
    if kind in ("employer", "other"):
        names |= employer_aliases(name)
    return names


def conflict_aliases(names: Iterable[str]) -> set[str]:
    """The provider ``cases.conflict_aliases``: every further name the parties called ``names``
    are known by (recruiters' names and aliases, following merges; employers' spellings), without
    the names asked about."""
    asked = set(names)
    found: set[str] = set()
    for name in asked:
        found |= party_aliases("other", name)
    return found - asked
