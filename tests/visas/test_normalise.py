import datetime as dt

import pytest


from puente.visas import normalise
from puente.visas.importing import assign_roles


@pytest.mark.parametrize("a,b", [
    ("NORTH CAROLINA GROWERS ASSOCIATION, INC.", "NORTH CAROLINA GROWERS ASSOCIATION, INC. (NCGA)"),
    ("Smith Farms, L.L.C.", "SMITH FARM LLC"),
    ("ACME CO.", "Acme Corporation"),
    ("Árbol Orchards Inc", "ARBOL ORCHARDS"),
    ("GREEN MTN. ORCHARDS INC", "Green Mountain Orchard"),
    ("DAVID F. JACKSON DBA ENTERPRISE FARM", "David F Jackson d/b/a Enterprise Farms"),
    ("JONES FARM/", "Jones Farm, c/o Mary Jones"),
    ("The Smith Company", "SMITH & CO"),
])
def test_same_key(a, b):
    assert normalise.name_key(a) == normalise.name_key(b)


@pytest.mark.parametrize("a,b", [("SMITH FARM", "SMITH RANCH"), ("STAR NURSERY II", "STAR NURSERY III")])
def test_different_key(a, b):
    assert normalise.name_key(a) != normalise.name_key(b)


def test_states_and_values():
    assert normalise.state_code("MASSACHUSETTS") == "MA"
    assert normalise.state_code(" nc ") == "NC"
    assert normalise.state_code("District of Columbia") == "DC"
    assert normalise.status("DETERMINATION ISSUED - PARTIAL CERTIFICATION EXPIRED") == "expired"
    assert normalise.status("Certified, Temporary") == "certified"
    assert normalise.status("PARTIAL CERTIFIED") == "partial"
    assert normalise.status("Denied, Temporary") == "denied"
    assert normalise.status("Received Regional Office") == "other"
    assert normalise.count("6.0000000000000000e+00") == 6 and normalise.count("") is None
    with pytest.raises(ValueError):
        normalise.count("six")
    assert str(normalise.wage("$14.94")) == "14.94" and normalise.wage("Select Pay Range") is None
    assert normalise.date("04/09/07 09:55:00") == dt.date(2007, 4, 9)
    assert normalise.fiscal_year(dt.date(2015, 10, 1)) == 2016
    assert normalise.org_flag("Association - Filing as Agent (H-2A Only)") == "A"
    assert normalise.org_flag("H-2A Labor Contractor or Job Contractor") == "L"


def _group(*rows):
    return [{"flag": f, "sub": None, "certified": c, "requested": None} for f, c in rows]


def test_roles_flagged():
    g = _group(("J", 96), ("", 0), ("", 0))
    assign_roles(g, has_flags=True)
    assert [r["counted"] for r in g] == [True, False, False]
    g = _group(("S", 5))
    assign_roles(g, has_flags=True)
    assert g[0]["role"] == "sole" and g[0]["counted"]
    g = _group(("", 5), ("", 3))  # no master in a flagged file: each row counts
    assign_roles(g, has_flags=True)
    assert all(r["counted"] for r in g)


def test_roles_inferred_without_flags():
    g = _group(("", 4), ("", 31), ("", 35))  # association total last, as in FY2007
    assign_roles(g, has_flags=False)
    assert [r["role"] for r in g] == ["member", "member", "master"]
    g = _group(("", 6), ("", 23), ("", 14), ("", 10))  # no row holds the others: all count
    assign_roles(g, has_flags=False)
    assert all(r["counted"] for r in g)
