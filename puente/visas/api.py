"""What other apps may ask the visa data (stable, small): the abuse app's recruiter pages and the
cases app's conflict checks use these instead of reaching into the models.
"""

from . import normalise, stats
from .access import employers_for_names
from .models import EmployerName


def employer_name_variants(name: str) -> set[str]:
    """Every name as filed of the employer(s) that ``name`` normalises to."""
    employers = employers_for_names([name])
    return set(EmployerName.objects.filter(employer__in=employers).values_list("name", flat=True))


def certifications_for(employer_names: list[str]) -> list[dict]:
    """For the employers named: id, name, state and positions certified per visa and fiscal year
    (None for a year whose file has no certified column: unknown, not 0)."""
    employers = employers_for_names(employer_names)
    years = stats.employer_years([e.pk for e in employers])
    return [{"id": e.pk, "name": e.name, "state": e.state, "years": years.get(e.pk, [])} for e in employers]


def certified_workers_for_name(name: str) -> int | None:
    """Total positions certified, all years, to the employer(s) that ``name`` normalises to; the
    years whose files have no certified column (``positions_certified`` None) add nothing."""
    found = certifications_for([name])
    if not found:
        return None
    return sum(y["positions_certified"] or 0 for e in found for y in e["years"])


def key(name: str) -> str:
    return normalise.name_key(name)
