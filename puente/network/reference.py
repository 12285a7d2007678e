"""Reference data the directory is described with, kept in sync with the database after every
``migrate`` (see ``apps.NetworkConfig.ready``). Edit the lists or the JSON files beside them and
run ``puente migrate``: rows are added or renamed, never deleted (profiles point at them).

Regions come from ISO 3166-2 (``data/regions.json``, generated from pycountry); which regions
share a land border, which pycountry lacks, is in ``data/region_borders.json``.
"""

import json
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_noop as N_

DATA = Path(__file__).parent / "data"

# (code, name, indigenous). Codes are ISO 639-3 where one exists.
LANGUAGES = [
    ("spa", N_("Spanish"), False),
    ("eng", N_("English"), False),
    ("fra", N_("French"), False),
    # Guatemala
    ("quc", "K'iche'", True),
    ("mam", "Mam", True),
    ("kek", "Q'eqchi'", True),
    ("cak", "Kaqchikel", True),
    ("kjb", "Q'anjob'al", True),
    ("poh", "Poqomchi'", True),
    ("ixl", "Ixil", True),
    ("tzj", "Tz'utujil", True),
    ("cac", "Chuj", True),
    ("knj", "Akateko", True),
    ("jac", "Popti'", True),
    ("xin", "Xinka", True),
    ("cab", "Garifuna", True),
    # Mexico
    ("nah", "Nahuatl", True),
    ("yua", N_("Yucatec Maya"), True),
    ("tzh", "Tseltal", True),
    ("tzo", "Tsotsil", True),
    ("mix", N_("Mixtec"), True),
    ("zap", N_("Zapotec"), True),
    ("oto", N_("Otomí"), True),
    ("top", N_("Totonac"), True),
    ("maz", N_("Mazatec"), True),
    ("trs", N_("Triqui"), True),
    ("maz2", N_("Mazahua"), True),
    ("tsz", N_("Purépecha"), True),
    # Honduras and Nicaragua
    ("miq", N_("Miskito"), True),
    ("pay", "Pech", True),
    ("tna", "Tawahka", True),
    ("sum", "Mayangna", True),
    ("rma", "Rama", True),
    ("bzk", N_("Nicaraguan Creole English"), False),
    # El Salvador
    ("ppl", "Nawat", True),
]

EXPERTISE = [
    ("wage_hour", N_("Wage and hour claims")),
    ("recruitment_fraud", N_("Recruitment fraud and illegal fees")),
    ("trafficking", N_("Human trafficking")),
    ("civil_records", N_("Civil records and documents")),
    ("evidence", N_("Evidence gathering")),
    ("service_of_process", N_("Service of process")),
    ("family_reunification", N_("Family reunification")),
    ("immigration_evidence", N_("Immigration evidence")),
    ("locating_people", N_("Locating people")),
    ("declarations", N_("Declarations and depositions")),
]


def load_regions() -> list[dict]:
    return json.loads((DATA / "regions.json").read_text())


def load_borders() -> list[tuple[str, str]]:
    path = DATA / "region_borders.json"
    if not path.exists():
        return []
    return [tuple(pair) for pair in json.loads(path.read_text())["borders"]]


@transaction.atomic
def sync_reference_data() -> None:
    from .models import Expertise, Jurisdiction, Language, Region

    for code, name, indigenous in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name, "indigenous": indigenous})
    for code, name in EXPERTISE:
        Expertise.objects.update_or_create(code=code, defaults={"name": name})
    for row in load_regions():
        Region.objects.update_or_create(code=row["code"], defaults={"name": row["name"], "country": row["country"]})
    for row in json.loads((DATA / "jurisdictions.json").read_text()):
        Jurisdiction.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "country": row["country"]}
        )
    by_code = {r.code: r for r in Region.objects.all()}
    for a, b in load_borders():
        by_code[a].borders.add(by_code[b])
