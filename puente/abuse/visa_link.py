"""The join between recruiters' employers and the H-2 visa data, through ``puente.visas.api``
(the small interface the visas app offers other apps). Employer names are matched the visas
app's way (its normalised name key, following its employer merges).

The visas app is always installed: an error here is a bug and is not hidden.
"""

from puente.visas import api as visas_api


def employer_name_variants(name: str) -> set[str]:
    """Every name as filed (in the disclosure files) of the employer ``name`` is."""
    return visas_api.employer_name_variants(name)


def find_employer_id(name: str) -> int | None:
    """The visa-data employer this name is, when it is exactly one."""
    found = visas_api.certifications_for([name])
    return found[0]["id"] if len(found) == 1 else None


def certified_workers(link) -> int | None:
    """Positions certified, all years, to the employer of a RecruiterEmployer link."""
    return visas_api.certified_workers_for_name(link.employer_name)


def certifications_for(employer_names: list[str]) -> list[dict]:
    """Rows {employer, employer_id, state, visa, fiscal_year, workers} for the dossier."""
    rows = []
    for employer in visas_api.certifications_for(employer_names):
        for year in employer["years"]:
            rows.append({
                "employer": employer["name"], "employer_id": employer["id"], "state": employer["state"],
                "visa": year["visa"], "fiscal_year": year["fy"], "workers": year["positions_certified"],
            })
    return sorted(rows, key=lambda r: (r["employer"], r["fiscal_year"], r["visa"]))
