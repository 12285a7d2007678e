"""Issue 23: no bad input ever reaches a user as a 500.

1. The causes the probe found, each as a regression test: ``?version=abc`` on a contract,
   a NUL byte in ``/visas/?q=`` and ``/network/accounts/?q=``, ``next=abc`` on the language
   switch, an outcome amount without a currency, and damaged, foreign, entity-expanding and
   external-entity XLSX files, cells over 131,072 characters and NUL bytes in the directory import.
2. A property-based sweep (hypothesis): malformed values in the path, the query string and the
   form fields of every URL pattern that has an access-matrix entry (so its objects exist), as
   every role; any 500 (or an exception escaping a view) fails. Bounded for CI: a fixed number of
   examples per role, no deadline per example, and it runs in well under a minute.
"""

import io
import zipfile
from importlib import import_module
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.access import Entry
from tests.world import ROLES

WORLD_PER_MODULE = True
APPS = ["network", "locate", "cases", "billing", "visas", "abuse", "core", "jobs", "api"]


def client_for(world, role):
    client = Client(raise_request_exception=False)
    user = world.users.get(role) if role != "anonymous" else None
    if user is not None:
        client.force_login(user)
    return client


def _no_500(response, what):
    assert response.status_code < 500, f"{what}: {response.status_code}"


# --------------------------------------------------------------------------------- regressions


def test_contract_version_that_is_not_a_number(world):
    client = client_for(world, "advocate")
    for name in ("cases:contract", "cases:contract_pdf"):
        url = reverse(name, kwargs={"pk": world.case.pk})
        for bad in ("abc", "1.5", "\x00", "99999999999999999999999"):
            response = client.get(url, {"version": bad})
            _no_500(response, f"{url}?version={bad!r}")
            assert response.status_code in (400, 404)


def test_nul_bytes_in_search_boxes(world):
    """On PostgreSQL a NUL byte in any SQL string is an error: refused before any view runs."""
    response = client_for(world, "anonymous").get(reverse("visas:search"), {"q": "Green\x00Valley"})
    assert response.status_code == 400
    response = client_for(world, "coordinator").get(reverse("network:accounts"), {"q": "ana\x00"})
    assert response.status_code == 400 and "“q” contains a NUL character" in response.content.decode()
    response = client_for(world, "coordinator").post(reverse("network:accounts"), {"q\x00": "x"})
    assert response.status_code == 400


def test_language_switch_with_a_next_that_is_not_a_path(world):
    for bad in ("abc", "\x00", "//evil.example/", "https://evil.example/", "javascript:alert(1)"):
        response = client_for(world, "defender").post(reverse("network:set_language"), {"language": "es", "next": bad})
        _no_500(response, f"next={bad!r}")
        assert "evil.example" not in response.get("Location", "")


def test_outcome_amount_without_a_currency(world):
    client = client_for(world, "advocate")
    url = reverse("cases:outcome", kwargs={"pk": world.case.pk})
    for data in ({"result": "won", "amount_recovered_0": "1500"}, {"result": "won", "amount_recovered_0": "abc",
                                                                      "amount_recovered_1": "ZZZ"}):
        _no_500(client.post(url, data), f"outcome {data}")


def _xlsx(cells_xml: bytes, extra_head: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   b'package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
                   b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        z.writestr("xl/workbook.xml", b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                   b'spreadsheetml/2006/main"><sheets><sheet name="Defenders" sheetId="1" r:id="rId1" xmlns:r="http://'
                   b'schemas.openxmlformats.org/officeDocument/2006/relationships"/></sheets></workbook>')
        z.writestr("xl/worksheets/sheet1.xml", b'<?xml version="1.0"?>' + extra_head + b'<worksheet xmlns="http://'
                   b'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + cells_xml +
                   b"</sheetData></worksheet>")
    return out.getvalue()


ENTITIES = b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' \
           b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
EXTERNAL = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
ROW = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
       b'<c r="B1" t="inlineStr"><is><t>regions</t></is></c></row>')
BAD_DIRECTORY_FILES = {
    "corrupt.xlsx": b"PK\x03\x04" + b"\x00" * 200,
    "not-a-spreadsheet.xlsx": b"%PDF-1.4\n%%EOF\n",
    "entities.xlsx": _xlsx(ROW + b'<row r="2"><c r="A2" t="inlineStr"><is><t>&d;</t></is></c></row>', ENTITIES),
    "external.xlsx": _xlsx(ROW + b'<row r="2"><c r="A2" t="inlineStr"><is><t>&x;</t></is></c></row>', EXTERNAL),
    "huge-cell.xlsx": _xlsx(
        ROW + b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"x" * 140_000 + b"</t></is></c></row>"
    ),
    "nul.csv": b"name,regions,country,kind\nBufete\x00Norte,GT-13,GT,organisation\n",
    "huge-cell.csv": b"name,regions,country,kind\n" + b"y" * 140_000 + b",GT-13,GT,organisation\n",
}


@pytest.mark.parametrize("name", sorted(BAD_DIRECTORY_FILES))
def test_directory_import_refuses_bad_files_naming_them(world, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world, "coordinator")
    response = client.post(reverse("network:import"), {"file": SimpleUploadedFile(name, BAD_DIRECTORY_FILES[name])})
    _no_500(response, name)
    body = response.content.decode()
    assert name in body, f"{name}: the refusal does not name the file"
    assert "root:" not in body  # no external entity was read


# --------------------------------------------------------------------------------- the sweep


def _entries() -> list[Entry]:
    """One access-matrix entry per URL name and method (its kwargs point at world objects)."""
    seen, out = set(), []
    tests_dir = Path(__file__).parent
    for app in APPS:
        for path in sorted((tests_dir / app).glob("test_access_matrix*.py")):
            module = import_module(f"tests.{app}.{path.stem}")
            for entry in module.MATRIX:
                key = (entry.url_name, entry.method)
                if key not in seen:
                    seen.add(key)
                    out.append(entry)
    return sorted(out, key=lambda e: (e.url_name, e.method))


ENTRIES = _entries()
MALFORMED = [
    "abc", "\x00", "a\x00b", "-1", "0", "99999999999999999999999", "1e309", "NaN", "-0", "2024-02-30",
    "31/12/2024", "0000-00-00", "%", "%00", "'", '"', "<script>alert(1)</script>", "../../etc/passwd", "x" * 5000,
    "١٢٣", "１２", " ", "", "[]", "{}", "true", "None", "javascript:alert(1)", "//evil.example", "https://evil.example/",
    "\ud7ff\ue000", "🙂", "=HYPERLINK(\"x\")", "\r\n", "1;DROP TABLE x", "1.5", "-99999999999", "2147483648",
]
values = st.one_of(st.sampled_from(MALFORMED), st.text(max_size=40), st.integers().map(str))
NAMES = [
    "q", "page", "version", "next", "format", "kind", "start", "end", "person", "case", "user", "model", "action",
    "date_from", "date_to", "region", "country", "status", "year", "fy", "state", "visa", "sort", "order",
    "language", "amount_0", "amount_1", "currency", "date", "reason", "name", "email", "given_names", "surname_1",
    "birth_date", "phone", "on", "defender", "advocate", "project", "decision", "hours", "number", "note", "text",
    "body", "result", "claim_type", "deadline", "recruiter_names", "occurred_from", "occurred_to", "indicators",
    "money_0", "money_1", "amount_recovered_0", "amount_recovered_1", "employer_name", "programme", "category",
    "preference", "method", "effective_date", "rate", "from_currency", "to_currency", "token", "scopes",
]
params = st.dictionaries(st.sampled_from(NAMES), values, max_size=6)
BIG_IDS = [0, 1, 2**31 - 1, 2**31, 2**53, 2**63 - 1]


_USABLE: dict = {}


def _usable(world) -> list[Entry]:
    """The entries whose objects the shared world has (the api and jobs matrices bring their own
    fixtures: their other URLs are swept with the world's objects where they exist)."""
    key = id(type(world)), world.case.pk
    if key not in _USABLE:
        usable = []
        for entry in ENTRIES:
            try:
                entry.kwargs(world)
            except AttributeError:
                continue
            usable.append(entry)
        _USABLE[key] = usable
    return _USABLE[key]


def _kwargs(entry, world, draw_id):
    kwargs = entry.kwargs(world)
    if draw_id is not None and kwargs:
        name = sorted(kwargs)[draw_id[0] % len(kwargs)]
        if isinstance(kwargs[name], int):
            kwargs = {**kwargs, name: draw_id[1]}
    return kwargs


@pytest.mark.parametrize("role", ROLES)
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0, max_value=10_000),
    method=st.sampled_from(["get", "post"]),
    data=params,
    id_change=st.none() | st.tuples(st.integers(0, 3), st.sampled_from(BIG_IDS)),
)
def test_malformed_input_never_gives_a_500(world, role, index, method, data, id_change):
    entries = _usable(world)
    entry = entries[index % len(entries)]
    url = reverse(entry.url_name, kwargs=_kwargs(entry, world, id_change))
    client = client_for(world, role)
    response = getattr(client, method)(url, data)
    _no_500(response, f"{role} {method.upper()} {url} {data!r}")
