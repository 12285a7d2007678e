"""What other apps may ask the cases app (queries; changes are in ``actions.py``).

Apps above cases (billing, abuse, api) import these; apps below it (core, locate, visas) reach
them through the providers registered in ``apps.CasesConfig.ready``.
"""

from __future__ import annotations

from django.db.models import Q

from puente.core.roles import has_perm
from puente.visas import api as visas_api

from .access import visible_cases
from .models import Case, CaseParty


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
