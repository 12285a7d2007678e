"""The land borders between admin-1 regions: complete, valid, and loaded into Region.borders."""

import json
from collections import Counter
from pathlib import Path

import pytest

import puente.network.reference as reference

DATA = Path(reference.__file__).parent / "data"
REGIONS = {r["code"]: r for r in json.loads((DATA / "regions.json").read_text())}
PAIRS = [tuple(p) for p in json.loads((DATA / "region_borders.json").read_text())["borders"]]
ISLANDS = {"HN-IB"}  # Islas de la Bahía: no land border


def neighbours():
    n = {code: set() for code in REGIONS}
    for a, b in PAIRS:
        n[a].add(b)
        n[b].add(a)
    return n


def test_every_code_exists_and_no_self_pairs():
    assert len(REGIONS) == 103
    for a, b in PAIRS:
        assert a in REGIONS and b in REGIONS, (a, b)
        assert a != b


def test_each_border_listed_once():
    counts = Counter(frozenset(p) for p in PAIRS)
    assert [set(p) for p, c in counts.items() if c > 1] == []


def test_every_region_but_islands_has_a_neighbour():
    n = neighbours()
    lonely = sorted(code for code, near in n.items() if not near)
    assert lonely == sorted(ISLANDS)


def test_country_counts():
    counts = Counter(r["country"] for r in REGIONS.values())
    assert counts == {"MX": 32, "GT": 22, "SV": 14, "HN": 18, "NI": 17}


@pytest.mark.parametrize("a,b", [
    ("MX-CHP", "GT-13"),  # Chiapas / Huehuetenango
    ("MX-CHP", "GT-12"),  # Chiapas / San Marcos (Tecún Umán crossing)
    ("MX-CAM", "GT-17"),  # Campeche / Petén
    ("MX-TAB", "GT-17"),  # Tabasco / Petén
    ("GT-18", "HN-CR"),  # Izabal / Cortés (Corinto crossing)
    ("GT-20", "HN-OC"),  # Chiquimula / Ocotepeque (Agua Caliente)
    ("GT-22", "SV-AH"),  # Jutiapa / Ahuachapán (Las Chinamas)
    ("SV-CH", "HN-OC"),  # Chalatenango / Ocotepeque (El Poy)
    ("SV-UN", "HN-VA"),  # La Unión / Valle (El Amatillo)
    ("HN-CH", "NI-CI"),  # Choluteca / Chinandega (Guasaule)
    ("HN-EP", "NI-NS"),  # El Paraíso / Nueva Segovia (Las Manos)
    ("HN-GD", "NI-AN"),  # Gracias a Dios / Costa Caribe Norte (río Coco)
    ("MX-CMX", "MX-MEX"), ("MX-OAX", "MX-CHP"), ("MX-SON", "MX-BCN"), ("GT-01", "GT-03"),
    ("SV-SS", "SV-LI"), ("HN-FM", "HN-CM"), ("NI-MN", "NI-MS"), ("NI-AN", "NI-AS"),
])
def test_known_borders(a, b):
    assert b in neighbours()[a]


@pytest.mark.parametrize("a,b", [
    ("MX-BCS", "MX-SON"),  # across the Gulf of California
    ("MX-YUC", "MX-TAB"),
    ("HN-CH", "SV-UN"),  # only water (Gulf of Fonseca) between them
    ("NI-RI", "NI-SJ"),  # Lake Nicaragua between them
    ("GT-01", "GT-13"),
])
def test_not_borders(a, b):
    assert b not in neighbours()[a]


def test_borders_are_loaded_symmetrically(db):
    from puente.network.models import Region

    chiapas = Region.objects.get(code="MX-CHP")
    huehue = Region.objects.get(code="GT-13")
    assert huehue in chiapas.borders.all() and chiapas in huehue.borders.all()
    total = sum(r.borders.count() for r in Region.objects.all())
    assert total == 2 * len(PAIRS)
