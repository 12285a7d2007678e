"""Import and export of the directory (Defenders and Advocates) as CSV and XLSX.

A file holds Defenders or Advocates (told apart by their header row); an XLSX file may hold both,
one per sheet. Lists (regions, languages, expertise, bar admissions) are ``;``-separated codes.

Import reads and checks every row first. Any error (naming the file, row and column) means
nothing is written; otherwise every row is written in one transaction. Rows are matched by their
natural key (a Defender by name and country, an Advocate by email): existing ones are updated.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from djmoney.money import Money
from openpyxl import Workbook
from openpyxl.styles import Font
from python_calamine import CalamineError, CalamineWorkbook

from puente.core import tabular
from puente.core.action_contract import ActionRefused
from puente.core.roles import Role

from .models import LOCAL_CURRENCY, Advocate, Country, Defender, Expertise, Jurisdiction, Language, Region, User
from .phones import normalise_phone

DEFENDER_COLUMNS = ["name", "kind", "country", "city", "regions", "languages", "expertise", "capacity",
                    "hourly_rate", "currency", "status", "email", "phone", "whatsapp", "website", "bio"]
ADVOCATE_COLUMNS = ["email", "first_name", "last_name", "organisation", "country", "city", "jurisdictions",
                    "languages", "phone", "language"]
# Columns of older exports, accepted and ignored on import: only the Advocate signs the Advocate
# Agreement, on its page in the cases app; no import marks it signed.
ADVOCATE_IGNORED_COLUMNS = ["agreement_signed_at", "agreement_version"]
DEFENDER_REQUIRED = {"name", "country"}
ADVOCATE_REQUIRED = {"email", "organisation", "country"}
RATE_CURRENCIES = {"MXN", "GTQ", "HNL", "NIO", "USD"}


class ImportFailed(ActionRefused):
    """The import is refused: ``errors`` lists every problem found (file, row, column, what)."""

    def __init__(self, errors):
        super().__init__([str(e) for e in errors], code="invalid")
        self.errors = errors


@dataclass
class Sheet:
    kind: str  # "defenders" or "advocates"
    label: str  # file name, with the sheet name for XLSX
    header_row: int
    rows: list = field(default_factory=list)  # (row number, {column: text})


@dataclass
class ImportResult:
    created: dict = field(default_factory=lambda: {"defenders": 0, "advocates": 0})
    updated: dict = field(default_factory=lambda: {"defenders": 0, "advocates": 0})


# ---------------------------------------------------------------------------------------------
# Export


def _safe(value):
    """Keep a spreadsheet from running text as a formula (CSV/formula injection: a bio that starts
    with "=HYPERLINK(...)"): the one rule, ``puente.core.tabular.defuse``. Such text gets a leading
    apostrophe, which import removes again."""
    return tabular.defuse(value)


def _unescape(text):
    if text.startswith("'") and text[1:2] and tabular.is_formula(text[1:]):
        return text[1:]
    return text


def _codes(qs):
    return ";".join(sorted(o.code for o in qs))


def defender_rows():
    qs = Defender.objects.prefetch_related("regions", "languages", "expertise").order_by("country", "name")
    for d in qs:
        yield [d.name, d.kind, d.country, d.city, _codes(d.regions.all()), _codes(d.languages.all()),
               _codes(d.expertise.all()), d.capacity, str(d.hourly_rate.amount), str(d.hourly_rate.currency),
               d.status, d.email, d.phone, d.whatsapp, d.website, d.bio]


def advocate_rows():
    qs = Advocate.objects.select_related("user").prefetch_related("jurisdictions", "languages").order_by("user__email")
    for a in qs:
        yield [a.user.email, a.user.first_name, a.user.last_name, a.organisation, a.country, a.city,
               _codes(a.jurisdictions.all()), _codes(a.languages.all()), a.phone, a.user.language]


def export_csv(kind) -> bytes:
    out = io.StringIO()
    writer = tabular.writer(out)
    if kind == "defenders":
        writer.writerow(DEFENDER_COLUMNS)
        writer.writerows([_safe(v) for v in row] for row in defender_rows())
    else:
        writer.writerow(ADVOCATE_COLUMNS)
        writer.writerows([_safe(v) for v in row] for row in advocate_rows())
    # A BOM so that Excel opens the accents right.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx() -> bytes:
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "Defenders"
    for title, columns, rows in (("Defenders", DEFENDER_COLUMNS, defender_rows()),
                                 ("Advocates", ADVOCATE_COLUMNS, advocate_rows())):
        if title != "Defenders":
            ws = wb.create_sheet(title)
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([_safe(v) for v in row])
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Reading


def _kind_of(header):
    cols = set(header)
    if {"name", "regions"} <= cols or {"name", "country", "kind"} <= cols:
        return "defenders"
    if {"email", "organisation"} <= cols:
        return "advocates"
    return None


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return _unescape(str(value).strip())


MAX_CELL = 131_072  # characters; longer is no directory entry (and what CSV readers refuse)


def _bad_cells(label, row, header, values) -> list[str]:
    """NUL bytes and oversized cells, named by file, row and column (issue 23)."""
    out = []
    for j, value in enumerate(values):
        column = header[j] if j < len(header) and header[j] else str(j + 1)
        if "\x00" in value:
            out.append(_("%(file)s, row %(row)s, column %(col)s: the cell contains a NUL byte.")
                       % {"file": label, "row": row, "col": column})
        elif len(value) > MAX_CELL:
            out.append(_("%(file)s, row %(row)s, column %(col)s: the cell is longer than %(max)s characters.")
                       % {"file": label, "row": row, "col": column, "max": MAX_CELL})
    return out


def _sheet_from_rows(label, raw_rows, errors):
    raw_rows = list(raw_rows)
    if not raw_rows:
        errors.append(_("%(file)s: the file is empty.") % {"file": label})
        return None
    header = [_cell_text(h).lstrip("\ufeff").strip().lower() for h in raw_rows[0]]
    kind = _kind_of(header)
    if kind is None:
        errors.append(_("%(file)s, row 1: the header is not a Defender or Advocate list (expected columns: %(cols)s).")
                      % {"file": label, "cols": ", ".join(DEFENDER_COLUMNS)})
        return None
    known = DEFENDER_COLUMNS if kind == "defenders" else ADVOCATE_COLUMNS + ADVOCATE_IGNORED_COLUMNS
    unknown = [h for h in header if h and h not in known]
    if unknown:
        errors.append(_("%(file)s, row 1: unknown column(s) %(cols)s.") % {"file": label, "cols": ", ".join(unknown)})
    sheet = Sheet(kind=kind, label=label, header_row=1)
    for i, raw in enumerate(raw_rows[1:], start=2):
        values = [_cell_text(v) for v in raw]
        if not any(values):
            continue
        bad = _bad_cells(label, i, header, values)
        if bad:
            errors.extend(bad)
            continue
        sheet.rows.append((i, {h: (values[j] if j < len(values) else "") for j, h in enumerate(header) if h}))
    return sheet


def read_file(name, content: bytes):
    """Parse an uploaded or local file into sheets, or raise ImportFailed."""
    errors: list[str] = []
    sheets: list[Sheet] = []
    lower = name.lower()
    if lower.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("cp1252")
            except UnicodeDecodeError:
                raise ImportFailed([_("%(file)s: cannot read the text (save it as UTF-8).") % {"file": name}]) from None
        reader = csv.reader(io.StringIO(text))
        try:
            csv_rows = list(reader)
        except csv.Error as exc:  # a field over the csv module's limit, a NUL byte in a quoted field ...
            raise ImportFailed(
                [_("%(file)s, row %(row)s: %(why)s") % {"file": name, "row": reader.line_num, "why": exc}]
            ) from None
        sheet = _sheet_from_rows(name, csv_rows, errors)
        if sheet:
            sheets.append(sheet)
    elif lower.endswith((".xlsx", ".xls", ".ods")):
        try:
            wb = CalamineWorkbook.from_filelike(io.BytesIO(content))
        except CalamineError as exc:  # its subclasses too: password, zip, XML
            raise ImportFailed(
                [_("%(file)s: not a readable spreadsheet (%(error)s).") % {"file": name, "error": exc}]
            ) from None
        for sheet_name in wb.sheet_names:
            rows = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
            if not rows or not any(_cell_text(v) for v in rows[0]):
                continue
            sheet = _sheet_from_rows(f"{name} [{sheet_name}]", rows, errors)
            if sheet:
                sheets.append(sheet)
    else:
        raise ImportFailed([_("%(file)s: only .csv and .xlsx files can be imported.") % {"file": name}])
    if errors:
        raise ImportFailed(errors)
    if not sheets:
        raise ImportFailed([_("%(file)s: no rows to import.") % {"file": name}])
    return sheets


# ---------------------------------------------------------------------------------------------
# Checking


class _Lookups:
    def __init__(self):
        self.regions = {r.code.upper(): r for r in Region.objects.all()}
        self.languages = {lang.code.lower(): lang for lang in Language.objects.all()}
        self.expertise = {e.code.lower(): e for e in Expertise.objects.all()}
        self.jurisdictions = {j.code.upper(): j for j in Jurisdiction.objects.all()}


def _split(value):
    return [v.strip() for v in value.replace(",", ";").split(";") if v.strip()]


def _codes_to_objects(value, table, normalise, err, column):
    objects, bad = [], []
    for code in _split(value):
        obj = table.get(normalise(code))
        (objects.append(obj) if obj else bad.append(code))
    if bad:
        err(column, _("unknown code(s) %(codes)s") % {"codes": ", ".join(bad)})
    return objects


def _check_defender(row, lookups, err):
    data = {}
    for col in DEFENDER_REQUIRED:
        if not row.get(col):
            err(col, _("is required"))
    country = row.get("country", "").upper()
    if country and country not in Country.values:
        err("country", _("must be one of %(values)s") % {"values": ", ".join(Country.values)})
    data["name"] = row.get("name", "")
    data["country"] = country
    kind = (row.get("kind") or Defender.Kind.ORGANISATION).lower()
    if kind not in Defender.Kind.values:
        err("kind", _("must be one of %(values)s") % {"values": ", ".join(Defender.Kind.values)})
    data["kind"] = kind
    status = (row.get("status") or Defender.Status.ACTIVE).lower()
    if status not in Defender.Status.values:
        err("status", _("must be one of %(values)s") % {"values": ", ".join(Defender.Status.values)})
    data["status"] = status
    for col in ("city", "email", "phone", "whatsapp", "website", "bio"):
        data[col] = row.get(col, "")
    for col in ("phone", "whatsapp"):
        try:
            data[col] = normalise_phone(data[col], country if country in Country.values else None)
        except ValidationError as exc:
            err(col, " ".join(exc.messages))
    capacity = row.get("capacity") or "3"
    try:
        data["capacity"] = int(capacity)
        if data["capacity"] < 0:
            raise ValueError
    except ValueError:
        err("capacity", _("must be a whole number, 0 or more"))
    currency = (row.get("currency") or LOCAL_CURRENCY.get(country, "USD")).upper()
    if currency not in RATE_CURRENCIES:
        err("currency", _("must be one of %(values)s") % {"values": ", ".join(sorted(RATE_CURRENCIES))})
    try:
        amount = Decimal(row.get("hourly_rate") or "0")
        if amount < 0:
            raise InvalidOperation
        data["hourly_rate"] = Money(amount, currency)
    except InvalidOperation:
        err("hourly_rate", _("must be an amount such as 350.00"))
    data["regions"] = _codes_to_objects(row.get("regions", ""), lookups.regions, str.upper, err, "regions")
    wrong_country = [r.code for r in data["regions"] if country and not r.code.startswith(country + "-")
                     and not _borders_country(r, country)]
    if wrong_country:
        err("regions", _("%(codes)s not in or next to %(country)s")
            % {"codes": ", ".join(wrong_country), "country": country})
    data["languages"] = _codes_to_objects(row.get("languages", ""), lookups.languages, str.lower, err, "languages")
    data["expertise"] = _codes_to_objects(row.get("expertise", ""), lookups.expertise, str.lower, err, "expertise")
    return data


def _borders_country(region, country):
    # A Defender may serve a region across the border next door (Chiapas from Huehuetenango).
    return any(b.country == country for b in region.borders.all())


def _check_advocate(row, lookups, err):
    data = {}
    for col in ADVOCATE_REQUIRED:
        if not row.get(col):
            err(col, _("is required"))
    email = row.get("email", "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            err("email", _("is not a valid email address"))
    data["email"] = email
    country = row.get("country", "").upper()
    if country and country not in ("US", "CA"):
        err("country", _("must be US or CA"))
    data["country"] = country
    for col in ("first_name", "last_name", "organisation", "city", "phone"):
        data[col] = row.get(col, "")
    language = (row.get("language") or "en").lower()
    if language not in ("en", "es"):
        err("language", _("must be en or es"))
    data["language"] = language
    data["jurisdictions"] = _codes_to_objects(row.get("jurisdictions", ""), lookups.jurisdictions, str.upper, err,
                                              "jurisdictions")
    data["languages"] = _codes_to_objects(row.get("languages", ""), lookups.languages, str.lower, err, "languages")
    return data


def check(sheets):
    """Every row checked, with all its errors; returns [(sheet, row number, data)] or raises."""
    lookups = _Lookups()
    errors, checked = [], []
    seen = {}
    for sheet in sheets:
        for number, row in sheet.rows:
            def err(column, message, sheet=sheet, number=number):
                errors.append(_("%(file)s, row %(row)s, column %(column)s: %(message)s")
                              % {"file": sheet.label, "row": number, "column": column, "message": message})

            data = (_check_defender if sheet.kind == "defenders" else _check_advocate)(row, lookups, err)
            key = (sheet.kind, data.get("name", "").lower(), data.get("country")) if sheet.kind == "defenders" \
                else (sheet.kind, data.get("email"))
            if key in seen:
                err("name" if sheet.kind == "defenders" else "email",
                    _("same entry as row %(row)s") % {"row": seen[key]})
            seen[key] = number
            if sheet.kind == "advocates" and data.get("email"):
                user = User.objects.filter(email__iexact=data["email"]).first()
                if user is not None and user.role != Role.ADVOCATE:
                    err("email", _("belongs to an account that is not an Advocate"))
            checked.append((sheet, number, data))
    if errors:
        raise ImportFailed(errors)
    return checked
