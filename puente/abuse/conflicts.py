"""Names a party is known by, for conflict checks in matching.

Matching calls ``party_aliases(kind, name)`` for every opposing party named in a case and checks
every returned name against the Defenders' recorded conflicts. The abuse app resolves recruiters
(and employers) written several ways into one, so the check catches "Reclutadora del Norte" when
the case says "RECLUTADORA DEL NORTE S.A. DE C.V.".

``defenders_in_conflict(case)`` does the whole check for a case: the network's
``DefenderConflict`` rows (by any alias of the party) and the abuse app's ``RecruiterConflict``
rows (a Defender who acted for the recruiter itself, whatever name the case uses).
"""

from django.utils.translation import gettext as _

from .resolution import normalise, resolve_name


def _recruiter_names(recruiter) -> set[str]:
    return {recruiter.name, *recruiter.aliases.values_list("name", flat=True)}


def employer_aliases(name: str) -> set[str]:
    """Every spelling of this employer recorded in reports and recruiter links (and in the visa
    data, when that app records employers' names)."""
    from .models import AbuseReport, RecruiterEmployer

    key = normalise(name)
    names = {name}
    if not key:
        return names
    names |= set(RecruiterEmployer.objects.filter(employer_key=key).values_list("employer_name", flat=True))
    names |= set(AbuseReport.objects.filter(employer_key=key).values_list("employer_name", flat=True))
    try:
        from . import visa_link

        names |= visa_link.employer_name_variants(name)
    except Exception:  # noqa: BLE001  (the visa data is optional; a conflict check must not fail on it)
        pass
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


def defenders_in_conflict(case) -> dict[int, str]:
    """{defender_id: reason} for every Defender who must not get ``case`` because they acted for
    a party it names."""
    from puente.network.models import DefenderConflict

    from .models import RecruiterConflict

    conflicts: dict[int, str] = {}
    network_rows = list(DefenderConflict.objects.select_related("defender").all())
    by_key: dict[str, list] = {}
    for row in network_rows:
        by_key.setdefault(normalise(row.party_name), []).append(row)
    for party in case.parties.all():
        aliases = party_aliases(party.kind, party.name)
        keys = {normalise(a) for a in aliases} - {""}
        for key in keys:
            for row in by_key.get(key, []):
                conflicts.setdefault(
                    row.defender_id,
                    _("acted for %(party)s (named in the case as %(name)s)") % {"party": row.party_name, "name": party.name},
                )
        if party.kind in ("recruiter", "other"):
            recruiter = resolve_name(party.name)
            if recruiter is not None:
                for rc in RecruiterConflict.objects.filter(recruiter=recruiter):
                    conflicts.setdefault(
                        rc.defender_id,
                        _("acted for recruiter %(party)s (named in the case as %(name)s)")
                        % {"party": recruiter.name, "name": party.name},
                    )
    return conflicts
