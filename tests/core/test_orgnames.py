"""The one organisation-name key (puente/core/orgnames.py)."""

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puente.core.orgnames import LEGAL_SUFFIXES, org_key, org_keys, org_tokens

# Pairs each of the three normalisers it replaced called the same (their own tests' examples
# and more): switching to org_key must keep every one of them the same.
SAME = [
    # cases.matching.normalise_party_name
    ("RECLUTADORA DEL NORTE, S.A. DE C.V.", "reclutadora del norte"),
    ("Reclutadora del Norte S. de R.L. de C.V. (RDN)", "Reclutadora del Norte"),
    ("Agrícola Los Pinos, Inc.", "AGRICOLA LOS PINOS"),
    ("Smith & Sons Farms LLC", "smith and sons farms"),
    ("Servicios Laborales SAPI de CV", "Servicios Laborales"),
    ("Agencia Cux y Cía", "Agencia Cux & Cia."),
    ("O'Brien Farms Incorporated", "OBrien Farms"),
    ("Pinos Ltd.", "Pinos Limited"),
    ("Pinos L.L.P.", "Pinos"),
    ("Pinos PLLC", "Pinos"),
    # abuse.resolution.normalise
    ("Reclutadora del Norte, S.A. de C.V.", "RECLUTADORA DEL NORTE"),
    ("Reclutadora Del Norte S. de R.L. de C.V.", "reclutadora del norte"),
    ("Lic. José Pérez Gómez", "jose perez gomez"),
    ("Ing. Juan Bázquez", "Juan Bazquez"),
    ("Licda. Ana Ortiz", "Ana Ortiz"),
    ("Trabajos & Visas S.C.", "Trabajos y Visas"),
    ("Reclutamiento Maya, S. A. de C. V.", "Reclutamiento Maya"),
    ("Asesores del Sur A.C.", "Asesores del Sur, Asociación Civil"),
    ("Empleos Globales S.R.L. de C.V.", "Empleos Globales"),
    ("Empleos Globales SA de CV Inc", "Empleos Globales"),
    ("Empleos Globales Ltda", "Empleos Globales"),
    # visas.normalise.name_key
    ("NORTH CAROLINA GROWERS ASSOCIATION, INC.", "NORTH CAROLINA GROWERS ASSOCIATION, INC. (NCGA)"),
    ("NORTH CAROLINA GROWERS ASSN", "North Carolina Growers Association"),
    ("Smith Farms, L.L.C.", "SMITH FARM LLC"),
    ("ACME CO.", "Acme Corporation"),
    ("Acme Company", "ACME CORP"),
    ("Árbol Orchards Inc", "ARBOL ORCHARDS"),
    ("GREEN MTN. ORCHARDS INC", "Green Mountain Orchard"),
    ("DAVID F. JACKSON DBA ENTERPRISE FARM", "David F Jackson d/b/a Enterprise Farms"),
    ("David F Jackson D.B.A. Enterprise Farms", "DAVID F JACKSON"),
    ("Jackson Farms a/k/a Blue Acres", "Jackson Farm"),
    ("JONES FARM/", "Jones Farm, c/o Mary Jones"),
    ("Jones Farm, ATTN: Mary Jones", "JONES FARM"),
    ("Jones Farm, P.O. Box 12", "JONES FARM"),
    ("The Smith Company", "SMITH & CO"),
    ("Smith + Jones Farms", "SMITH AND JONES FARM"),
    ("BLUE RIDGE NURSERIES, L.P.", "Blue Ridge Nursery"),
    ("ST. JOHN VINEYARDS", "Saint John Vineyard"),
]

DIFFERENT = [
    ("SMITH FARM", "SMITH RANCH"),
    ("STAR NURSERY II", "STAR NURSERY III"),
    ("Reclutadora del Norte", "Reclutadora del Sur"),
    ("Jose Perez Gomez", "Juan Perez Gomez"),
    ("Dr Pepper Bottling", "Pepper Bottling"),  # "Dr" without its dot is part of the name
    ("Doña Ana Farms", "Ana Farms"),  # a place, not a title
]


@pytest.mark.parametrize("a,b", SAME)
def test_same_organisation_same_key(a, b):
    assert org_key(a) == org_key(b)
    assert org_key(a)


@pytest.mark.parametrize("a,b", DIFFERENT)
def test_different_organisations_different_keys(a, b):
    assert org_key(a) != org_key(b)


@pytest.mark.parametrize("written,key", [
    ("RECLUTADORA DEL NORTE, S.A. DE C.V.", "reclutadora del norte"),
    ("Reclutadora del Norte S. de R.L. de C.V. (RDN)", "reclutadora del norte"),
    ("NORTH CAROLINA GROWERS ASSN., INC. (NCGA)", "north carolina grower association"),
    ("Lic. José Pérez Gómez", "jose perez gomez"),
    ("Dr. Juan Pérez", "juan perez"),
    ("C.P. Juan Pérez", "juan perez"),
    ("Straße Gärtnerei", "strasse gartnerei"),
    ("Muñoz Hermanos", "munoz hermanos"),
    ("The Smith Company", "smith"),
    ("J. R. Simplot Co.", "jr simplot"),
    # Nothing but a suffix, a marker or a note: kept rather than emptied.
    ("Inc.", "inc"),
    ("SA", "sa"),
    ("S.A. de C.V.", "sa"),  # "de C.V." goes, "SA" alone stays
    ("The", "the"),
    ("(NCGA)", "ncga"),
    ("PO BOX 5", "po box 5"),
    ("d/b/a", "dba"),
    ("", ""),
    ("  --//..  ", ""),
])
def test_key(written, key):
    assert org_key(written) == key


def test_tokens_are_the_key_words():
    assert org_tokens("Reclutadora del Norte, S.A. de C.V.") == ["reclutadora", "del", "norte"]
    assert org_tokens("") == []


@pytest.mark.parametrize("written,keys", [
    ("David F. Jackson d/b/a Enterprise Farms", ["david f jackson", "enterprise farm"]),
    ("DAVID F JACKSON DBA ENTERPRISE FARMS", ["david f jackson", "enterprise farm"]),
    ("Jackson Farms doing business as Blue Acres", ["jackson farm", "blue acres"]),
    ("Jackson Farms t/a Blue Acres a.k.a. Acres Azules", ["jackson farm", "blue acres", "acres azules"]),
    ("d/b/a Blue Acres", ["blue acres"]),
    ("NORTH CAROLINA GROWERS ASSOCIATION, INC. (NCGA)", ["north carolina grower association", "ncga"]),
    ("Reclutadora del Norte [RDN] S.A.", ["reclutadora del norte", "rdn"]),
    ("Acme (Acme Inc.)", ["acme"]),  # no repeats
])
def test_every_name_the_text_gives(written, keys):
    assert org_keys(written) == keys
    assert org_key(written) == keys[0]


def test_suffixes_are_stripped_in_any_number():
    assert org_key("Pinos, S.A. de C.V., Inc., LLC") == "pinos"
    for suffix in LEGAL_SUFFIXES:
        assert org_key("Pinos " + " ".join(suffix)) == "pinos", suffix


# --- properties ----------------------------------------------------------------------------------

# Words that are not themselves one of the key's vocabularies (suffixes, titles, "and", markers).
_SPECIAL = {w for s in LEGAL_SUFFIXES for w in s} | {
    "the", "and", "dba", "aka", "fka", "attn", "attention", "box", "doing", "also", "formerly",
    "lic", "licdo", "licda", "licenciado", "licenciada", "ing", "ingeniero", "ingeniera", "dra", "sra",
    "srta", "senor", "senora", "profr", "profra", "mtro", "mtra", "arq", "doctora",
}
words = st.lists(
    st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=8).filter(lambda w: w not in _SPECIAL),
    min_size=1, max_size=5,
)
# Separators: punctuation (apostrophes, "&"/"+" and brackets mean something, so they are left out)
# with or without spaces.
separators = st.text(alphabet=" ,.;:-_/!?\"*#", min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_key_is_idempotent(text):
    key = org_key(text)
    assert org_key(key) == key
    assert key == key.strip() and "  " not in key
    assert set(key) <= set(string.ascii_lowercase + string.digits + " ")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.ascii_letters + string.digits + " .,&-/()'", max_size=60))
def test_key_is_idempotent_on_name_like_text(text):
    key = org_key(text)
    assert org_key(key) == key
    for k in org_keys(text):
        assert org_key(k) == k


@settings(max_examples=300, deadline=None)
@given(words, st.data())
def test_punctuation_between_words_does_not_matter(ws, data):
    seps = data.draw(st.lists(separators, min_size=len(ws) + 1, max_size=len(ws) + 1))
    shuffled = data.draw(st.permutations(seps))
    a = seps[0] + "".join(w + s for w, s in zip(ws, seps[1:], strict=True))
    b = shuffled[0] + "".join(w + s for w, s in zip(ws, shuffled[1:], strict=True))
    assert org_key(a) == org_key(b) == org_key(" ".join(ws))


@settings(max_examples=200, deadline=None)
@given(words)
def test_case_and_accents_do_not_matter(ws):
    name = " ".join(ws)
    accented = name.replace("a", "á").replace("e", "é").replace("n", "ñ").replace("u", "ü")
    assert org_key(name.upper()) == org_key(accented) == org_key(name.title())
