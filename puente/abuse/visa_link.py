"""The join between recruiters' employers and the H-2 visa data (``puente.visas``).

Until the visas app records employers, these return nothing and the abuse pages say so.
"""


def visas_available() -> bool:
    try:
        from puente.visas.models import Employer  # noqa: F401
    except ImportError:
        return False
    return True


def employer_name_variants(name: str) -> set[str]:
    return set()


def certifications_for(employer_names: list[str]) -> list:
    return []


def certified_workers(link) -> int | None:
    """Workers certified in the visa data for the employer of a RecruiterEmployer link."""
    return None
