"""Reference data the directory is described with, kept in sync with the database after every
``migrate`` (see ``apps.NetworkConfig.ready``). Edit the lists or the JSON files beside them and
run ``puente migrate``: rows are added or renamed, never deleted (profiles point at them).

Regions come from ISO 3166-2 (``data/regions.json``, generated from pycountry); which regions
share a land border, which pycountry lacks, is in ``data/region_borders.json``.
"""

import json
from pathlib import Path

from django.db import transaction

from .models import Expertise, Jurisdiction, Language, Region
from django.utils.translation import gettext_noop

DATA = Path(__file__).parent / "data"

# (code, name, indigenous). Codes are ISO 639-3 where one exists.
LANGUAGES = [
    ("spa", gettext_noop("Spanish"), False),
    ("eng", gettext_noop("English"), False),
    ("fra", gettext_noop("French"), False),
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
    ("yua", gettext_noop("Yucatec Maya"), True),
    ("tzh", "Tseltal", True),
    ("tzo", "Tsotsil", True),
    ("mix", gettext_noop("Mixtec"), True),
    ("zap", gettext_noop("Zapotec"), True),
    ("oto", gettext_noop("Otomí"), True),
    ("top", gettext_noop("Totonac"), True),
    ("maz", gettext_noop("Mazatec"), True),
    ("trs", gettext_noop("Triqui"), True),
    ("maz2", gettext_noop("Mazahua"), True),
    ("tsz", gettext_noop("Purépecha"), True),
    # Honduras and Nicaragua
    ("miq", gettext_noop("Miskito"), True),
    ("pay", "Pech", True),
    ("tna", "Tawahka", True),
    ("sum", "Mayangna", True),
    ("rma", "Rama", True),
    ("bzk", gettext_noop("Nicaraguan Creole English"), False),
    # El Salvador
    ("ppl", "Nawat", True),
]

EXPERTISE = [
    ("wage_hour", gettext_noop("Wage and hour claims")),
    ("recruitment_fraud", gettext_noop("Recruitment fraud and illegal fees")),
    ("trafficking", gettext_noop("Human trafficking")),
    ("civil_records", gettext_noop("Civil records and documents")),
    ("evidence", gettext_noop("Evidence gathering")),
    ("service_of_process", gettext_noop("Service of process")),
    ("family_reunification", gettext_noop("Family reunification")),
    ("immigration_evidence", gettext_noop("Immigration evidence")),
    ("locating_people", gettext_noop("Locating people")),
    ("declarations", gettext_noop("Declarations and depositions")),
]


def load_regions() -> list[dict]:
    return json.loads((DATA / "regions.json").read_text())


def load_borders() -> list[tuple[str, str]]:
    path = DATA / "region_borders.json"
    if not path.exists():
        return []
    return [tuple(pair) for pair in json.loads(path.read_text())["borders"]]


def sync_after_migrate(sender, **kwargs) -> None:
    """``post_migrate`` receiver: regions and languages follow the code after every migrate."""
    sync_reference_data()


@transaction.atomic
def sync_reference_data() -> None:
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
