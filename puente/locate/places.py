"""Region names as people write them: the alias table ``data/region_aliases.csv``.

Every one of the 103 admin-1 regions of the five countries is listed with its official and
short names ("Veracruz de Ignacio de la Llave", "Veracruz", "Ver."), the names people use
("CDMX", "Distrito Federal", "Xela", "RAAN"), the ISO 3166-2 code (new and, for Guatemala, the
letter codes ISO used before 2021), and the national codes (INEGI numbers and RENAPO letters in
Mexico, department numbers elsewhere). Matching ignores case, accents, punctuation and spaces,
and a leading "Departamento de", "Estado de", "Región Autónoma de la" and the like.

Short codes (two letters, numbers) name different regions in different countries ("13" is
Hidalgo, Huehuetenango and Lempira): the table marks them ``needs_country`` and they are used only
when the row's country is known. A value that still names regions of several countries ("La Paz"
is in El Salvador and in Honduras) is ambiguous without a country; the importer says so.

No municipality list is kept in the repository, so municipalities stay free text (compared by
their phonetic code; docs/locate.md). Add rows to the CSV to extend the table.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

ALIASES_CSV = Path(__file__).parent / "data" / "region_aliases.csv"
_PREFIXES = re.compile(
    r"^(departamento de |departamento del |departamento |depto de |depto |dpto de |dpto |"
    r"estado libre y soberano de |estado de |edo de |edo |state of |department of |"
    r"region autonoma de la |region autonoma del |region autonoma |"
    r"municipio de |republica de |provincia de )"
)


def _fold(text: str) -> str:
    """Lower case, no accents, letters and digits only, single spaces ("GT-13" -> "gt 13")."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", stripped).split())


def place_key(text: str) -> str:
    """Folded, without a generic prefix, without spaces: "Depto. de Sololá" -> "solola"."""
    return _PREFIXES.sub("", _fold(text)).replace(" ", "")


@dataclass(frozen=True)
class Resolution:
    code: str  # "" when unknown or ambiguous
    candidates: tuple[str, ...]  # every code the value could name (several: ambiguous)


@dataclass
class _Table:
    by_key: dict[str, set[tuple[str, bool]]]  # key -> {(code, needs_country)}
    names: dict[str, str]  # code -> display name (the first alias listed)
    keys_by_country: dict[str, list[tuple[str, str]]]  # country -> [(key, code)] for fuzzy search


@lru_cache(maxsize=1)
def _table() -> _Table:
    by_key: dict[str, set[tuple[str, bool]]] = {}
    display: dict[str, str] = {}

    def add(alias: str, code: str, needs_country: bool) -> None:
        for key in {place_key(alias), _fold(alias).replace(" ", "")}:
            if key:
                by_key.setdefault(key, set()).add((code, needs_country))

    with ALIASES_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["code"].strip().upper()
            display.setdefault(code, row["alias"].strip())
            needs = bool(row["needs_country"].strip())
            add(row["alias"], code, needs)
            if needs:  # "GT-AV", the code ISO used before, and "MX-20", with the country in it
                add(f"{code[:2]}-{row['alias']}", code, False)
    for code in display:
        add(code, code, False)  # "MX-OAX", "GT-13"
        suffix = code.split("-", 1)[1]
        add(suffix, code, suffix.isdigit() or len(suffix) <= 2)  # "OAX" alone; "13" and "AH" with a country
    keys_by_country: dict[str, list[tuple[str, str]]] = {}
    for key, codes in by_key.items():
        for code, needs in codes:
            if not needs and len(key) > 3 and key.isalpha() and not re.fullmatch(r"(mx|gt|sv|hn|ni)[a-z]{2,3}", key):
                keys_by_country.setdefault(code[:2], []).append((key, code))
    return _Table(by_key, display, keys_by_country)


def region_codes() -> list[str]:
    return sorted(_table().names)


def region_name(code: str) -> str:
    return _table().names.get(code, code)


def resolve_region(text: str, country: str = "") -> Resolution:
    """The region ``text`` names, exactly (after folding), in ``country`` when it is given."""
    table = _table()
    country = (country or "").strip().upper()
    found: set[str] = set()
    for key in {place_key(text), _fold(text).replace(" ", "")}:
        for code, needs_country in table.by_key.get(key, ()):
            if country and code[:2] != country:
                continue
            if needs_country and not country:
                continue
            found.add(code)
    ordered = tuple(sorted(found))
    return Resolution(ordered[0] if len(ordered) == 1 else "", ordered)


def fuzzy_region(text: str, country: str = "") -> tuple[str, str, float]:
    """(code, name, similarity 0-100) for search: exact aliases first, then the closest alias
    ("Huehuetenago" -> Huehuetenango); ("", "", 0) when nothing is close."""
    if not (text or "").strip():
        return "", "", 0
    exact = resolve_region(text, country)
    if exact.code:
        return exact.code, region_name(exact.code), 100
    if exact.candidates:
        return "", "", 0  # "La Paz" with no country: in El Salvador or in Honduras
    if len(place_key(text)) < 4 or not place_key(text).isalpha():
        return "", "", 0
    table = _table()
    country = (country or "").strip().upper()
    pool = [kc for cc, items in table.keys_by_country.items() if not country or cc == country for kc in items]
    best = process.extractOne(place_key(text), [k for k, _c in pool], scorer=fuzz.WRatio, score_cutoff=80)
    if not best:
        return "", "", 0
    code = pool[best[2]][1]
    return code, region_name(code), best[1]
