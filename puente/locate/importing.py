"""Reading and validating lists of people (CSV or XLSX) for import.

Every error names the file, the row (as a spreadsheet shows it: the header is row 1) and the
column, and an import with any error writes nothing.
"""

import csv
import io
import zipfile
from dataclasses import dataclass

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from puente.network.api import Region

from . import keys as K
from . import names, places

TARGETS = ["given_names", "surname_1", "surname_2", "sex", "birth_date", "country", "admin1", "municipality", "phone"]
SEX_VALUES = {
    "f": "F",
    "female": "F",
    "mujer": "F",
    "femenino": "F",
    "m": "M",
    "male": "M",
    "hombre": "M",
    "masculino": "M",
    "h": "M",
    "x": "X",
    "": "",
}
# Folded country names and upper-case codes people write for the five countries.
COUNTRY_NAMES = {
    "mexico": "MX", "estados unidos mexicanos": "MX", "republica mexicana": "MX", "MEX": "MX",
    "guatemala": "GT", "republica de guatemala": "GT", "guate": "GT", "GTM": "GT", "GUA": "GT",
    "el salvador": "SV", "salvador": "SV", "republica de el salvador": "SV", "SLV": "SV", "ESA": "SV",
    "honduras": "HN", "republica de honduras": "HN", "HND": "HN", "HON": "HN",
    "nicaragua": "NI", "republica de nicaragua": "NI", "NIC": "NI",
}  # fmt: skip


class ImportErrors(Exception):
    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


# The longest cell a list may hold (Python's csv module's own default limit). The csv module is
# given a larger limit so that a longer cell is reported with its row and column, not as a
# parser error.
MAX_CELL = 131_072
csv.field_size_limit(16 * 1024 * 1024)
# An XLSX is a zip of XML files; more than this once unzipped is refused (a "zip bomb").
MAX_XLSX_UNZIPPED = 200 * 1024 * 1024


def _xlsx_rows(fileobj, filename: str) -> list[list[str]]:
    """Every row of the first sheet as text. A file that is not a spreadsheet, is damaged, or
    declares XML entities (which can expand to gigabytes) is refused, naming the file."""

    def refuse(why):
        return ImportErrors([_("%(file)s: %(why)s") % {"file": filename, "why": why}])

    data = fileobj.read()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = z.infolist()
            if sum(m.file_size for m in members) > MAX_XLSX_UNZIPPED:
                raise refuse(_("the spreadsheet is too large once unzipped"))
            for m in members:
                if m.filename.endswith((".xml", ".rels")):
                    head = z.read(m.filename)[:4096] if m.file_size < 64 * 1024 * 1024 else b""
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise refuse(_("the spreadsheet declares XML entities, which Puente does not read"))
    except zipfile.BadZipFile:
        raise refuse(_("not an XLSX spreadsheet (or the file is damaged)")) from None
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            rows = []
            for row in ws.iter_rows(values_only=True):
                cells = []
                for v in row:
                    if v is None:
                        cells.append("")
                    elif hasattr(v, "strftime"):
                        cells.append(v.strftime("%Y-%m-%d"))
                    elif isinstance(v, float) and v.is_integer():
                        cells.append(str(int(v)))
                    else:
                        cells.append(str(v))
                rows.append(cells)
        finally:
            wb.close()
    except ImportErrors:
        raise
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        IndexError,
        ValueError,
        TypeError,
        AttributeError,
        OSError,
    ):  # what openpyxl raises on a damaged or foreign file
        raise refuse(_("not an XLSX spreadsheet (or the file is damaged)")) from None
    return rows


def read_table(fileobj, filename: str) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) from a CSV or XLSX file; every cell as text.

    Refused with ``ImportErrors`` naming the file (and row and column where there is one): a
    file that is not CSV/XLSX or is damaged, a list with no row below its header, a cell longer
    than 131,072 characters, a cell with a NUL character."""
    lower = filename.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        rows = _xlsx_rows(fileobj, filename)
    elif lower.endswith((".csv", ".txt")):
        data = fileobj.read()
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                data = data.decode("latin-1")
        reader = csv.reader(io.StringIO(data, newline=""))
        rows = []
        try:
            for r in reader:
                rows.append(r)
        except csv.Error as e:
            raise ImportErrors(
                [
                    _("%(file)s row %(row)s: not readable as CSV (%(why)s)")
                    % {"file": filename, "row": reader.line_num, "why": e}
                ]
            ) from None
    else:
        raise ImportErrors([_("%(file)s: not a CSV or XLSX file") % {"file": filename}])
    _check_cells(rows, filename)
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ImportErrors([_("%(file)s: the file is empty") % {"file": filename}])
    headers = [h.strip() for h in rows[0]]
    if len(rows) == 1:
        raise ImportErrors([_("%(file)s: the list is empty (a header row and no people)") % {"file": filename}])
    return headers, rows[1:]


def _check_cells(rows: list[list[str]], filename: str) -> None:
    """NUL characters and over-long cells, named by row (as a spreadsheet shows it) and column."""
    errors = []
    header = rows[0] if rows else []
    for n, row in enumerate(rows, start=1):
        for i, cell in enumerate(row):
            problem = None
            if len(cell) > MAX_CELL:
                problem = _("the cell is longer than %(max)s characters") % {"max": f"{MAX_CELL:,}"}
            elif "\x00" in cell:
                problem = _("the cell contains a NUL character")
            if problem:
                col = (
                    header[i].strip()[:60]
                    if n > 1 and i < len(header) and header[i].strip()
                    else get_column_letter(i + 1)
                )
                errors.append(
                    _("%(file)s row %(row)s, column %(col)s: %(msg)s")
                    % {"file": filename, "row": n, "col": col, "msg": problem}
                )
                if len(errors) >= 100:
                    raise ImportErrors(errors)
    if errors:
        raise ImportErrors(errors)


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Target column -> file header, by name ("Nombre" -> given_names, "Apellido paterno" -> surname_1)."""
    hints = {
        "given_names": ["given_names", "given names", "nombre", "nombres", "first name", "first_name"],
        "surname_1": ["surname_1", "apellido paterno", "primer apellido", "last name", "last_name", "surname"],
        "surname_2": ["surname_2", "apellido materno", "segundo apellido"],
        "sex": ["sex", "sexo", "gender", "genero"],
        "birth_date": ["birth_date", "fecha de nacimiento", "date of birth", "dob", "nacimiento"],
        "country": ["country", "pais", "país"],
        "admin1": ["admin1", "region", "estado", "departamento", "state"],
        "municipality": ["municipality", "municipio", "city", "ciudad"],
        "phone": ["phone", "telefono", "teléfono", "celular", "tel"],
    }
    folded = {names.fold(h): h for h in headers}
    mapping = {}
    for target, options in hints.items():
        for o in options:
            if names.fold(o) in folded:
                mapping[target] = folded[names.fold(o)]
                break
    return mapping


@dataclass
class CleanRow:
    line: int
    fields: dict


COUNTRY_CODES = ("MX", "GT", "SV", "HN", "NI")


def _country(text: str) -> str | None:
    """ISO code from "MX", "MEX", "México", "Republica de Guatemala"...; None when unknown."""
    if not text:
        return ""
    upper = text.strip().upper()
    if upper in COUNTRY_CODES:
        return upper
    return COUNTRY_NAMES.get(upper) or COUNTRY_NAMES.get(names.fold(text))


class _Row:
    """One row being validated: its cells by target and the errors it collects."""

    def __init__(self, line: int, row: list[str], index: dict[str, int], mapping: dict[str, str], filename: str):
        self.line, self.row, self.index, self.mapping, self.filename = line, row, index, mapping, filename
        self.errors: list[str] = []

    def cell(self, target: str) -> str:
        i = self.index.get(target)
        return self.row[i].strip() if i is not None and i < len(self.row) else ""

    def err(self, col: str, msg: str) -> None:
        self.errors.append(
            _("%(file)s row %(row)s, column %(col)s: %(msg)s")
            % {"file": self.filename, "row": self.line, "col": self.mapping.get(col, col), "msg": msg}
        )


def _region(r: _Row, country: str, regions: dict) -> tuple[Region | None, str]:
    """(Region or None, country) for the row's admin-1 value, through the alias table."""
    admin1 = r.cell("admin1")
    if not admin1:
        return None, country
    found = places.resolve_region(admin1, country)
    if not found.code and not found.candidates and country:
        elsewhere = places.resolve_region(admin1, "")
        if elsewhere.code:
            r.err("admin1", _("region “%(v)s” is not in %(c)s") % {"v": admin1, "c": country})
            return None, country
    if not found.code:
        if len(found.candidates) > 1:
            r.err("admin1", _("“%(v)s” names regions in several countries (%(codes)s): give the country")
                  % {"v": admin1, "codes": ", ".join(found.candidates)})
        else:
            r.err("admin1", _("“%(v)s” is not a known region code or name") % {"v": admin1})
        return None, country
    region = regions.get(found.code)
    if region is None:
        r.err("admin1", _("“%(v)s” is not a known region code or name") % {"v": admin1})
        return None, country
    return region, country or region.country


def validate(headers, rows, mapping: dict[str, str], filename: str) -> list[CleanRow]:
    """Person fields for each row, or ImportErrors listing every problem (file, row, column).

    Regions are read through the alias table (``places``). A phone that is not a valid number
    for the row's country is kept as written (``keys.normalise_phone``), not refused."""
    errors = []
    index = {}
    for target, header in mapping.items():
        if not header:
            continue
        if header not in headers:
            errors.append(
                _("%(file)s: column “%(col)s” (for %(target)s) is not in the file")
                % {"file": filename, "col": header, "target": target}
            )
        else:
            index[target] = headers.index(header)
    if "given_names" not in index and "surname_1" not in index:
        errors.append(_("%(file)s: map at least the given names or the first surname") % {"file": filename})
    if errors:
        raise ImportErrors(errors)
    regions = {r.code: r for r in Region.objects.all()}
    out = []
    for n, row in enumerate(rows, start=2):
        r = _Row(n, row, index, mapping, filename)
        f: dict[str, object] = {
            "given_names": r.cell("given_names"),
            "surname_1": r.cell("surname_1"),
            "surname_2": r.cell("surname_2"),
            "municipality": r.cell("municipality"),
        }
        if not (names.fold(f["given_names"]) or names.fold(f["surname_1"]) or names.fold(f["surname_2"])):
            r.err("given_names", _("a name is required"))
        sex = SEX_VALUES.get(names.fold(r.cell("sex")))
        if sex is None:
            r.err("sex", _("“%(v)s” is not F, M or X") % {"v": r.cell("sex")})
        f["sex"] = sex or ""
        try:
            f["birth_date"] = K.format_partial_date(*K.parse_partial_date(r.cell("birth_date")))
        except ValueError:
            r.err("birth_date", _("“%(v)s” is not a date (YYYY, YYYY-MM or YYYY-MM-DD)") % {"v": r.cell("birth_date")})
        country = _country(r.cell("country"))
        if country is None:
            r.err("country", _("“%(v)s” is not one of MX, GT, SV, HN, NI") % {"v": r.cell("country")})
            country = ""
        f["region"], f["country"] = _region(r, country, regions)
        phone = r.cell("phone")
        if phone:
            try:
                f["phone"] = K.normalise_phone(phone, str(f["country"]))
            except ValueError:
                r.err("phone", _("“%(v)s” is not a valid phone number") % {"v": phone})
        errors += r.errors
        out.append(CleanRow(n, f))
    if errors:
        raise ImportErrors(errors)
    return out
