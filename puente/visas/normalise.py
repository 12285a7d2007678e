"""Normalisation of values as filed: employer and agent names, states, statuses, numbers, dates.

Every function here is pure and cheap; the importer memoises the ones whose inputs repeat
(statuses, states, dates) because a large file has millions of cells but few distinct values.
"""

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from . import columns

# Legal-form words dropped from the end of a name: "ACME FARMS, L.L.C." == "Acme Farms LLC" == "ACME FARMS".
LEGAL_SUFFIXES = frozenset({
    "INC", "INCORPORATED", "LLC", "LC", "LLP", "LP", "LTD", "LIMITED", "CO", "COMPANY", "CORP",
    "CORPORATION", "PLLC", "PC", "PA", "PLC", "GP", "LLLP", "ESQ",
})
# Abbreviations written out, so that "GROWERS ASSN" == "GROWERS ASSOCIATION".
ABBREVIATIONS = {
    "ASSN": "ASSOCIATION", "ASSOC": "ASSOCIATION", "ASSOCS": "ASSOCIATE", "BROS": "BROTHERS",
    "INTL": "INTERNATIONAL", "NATL": "NATIONAL", "SVCS": "SERVICE", "SVC": "SERVICE",
    "SERV": "SERVICE", "MGMT": "MANAGEMENT", "AGRI": "AGRICULTURAL", "AG": "AGRICULTURAL",
    "MT": "MOUNT", "MTN": "MOUNTAIN", "ST": "SAINT", "FRMS": "FARM", "FRM": "FARM", "NURS": "NURSERY",
    # Plurals of the commonest words, so that "SMITH FARMS" == "SMITH FARM".
    "FARMS": "FARM", "ORCHARDS": "ORCHARD", "RANCHES": "RANCH", "NURSERIES": "NURSERY",
    "GREENHOUSES": "GREENHOUSE", "ENTERPRISES": "ENTERPRISE", "VINEYARDS": "VINEYARD",
    "DAIRIES": "DAIRY", "GROWERS": "GROWER", "SERVICES": "SERVICE", "ASSOCIATES": "ASSOCIATE",
}
_BRACKETS = re.compile(r"\([^)]*\)?|\[[^\]]*\]?")
# "DBA", "D/B/A", "D.B.A.", "T/A", "AKA": what follows is a trade name; the key keeps the legal name.
_DBA = re.compile(r"\b(?:D\s*/?\s*B\s*/?\s*A|T\s*/\s*A|A\s*/?\s*K\s*/?\s*A)\b\.?", re.IGNORECASE)
# An address or contact glued to the name: "ACME FARMS C/O JOHN DOE", "ACME, ATTN: ...", "ACME, PO BOX 5".
_TAIL = re.compile(r"\b(?:C\s*/\s*O|ATTN|ATTENTION|P\s*\.?\s*O\s*\.?\s*BOX)\b.*$", re.IGNORECASE)
_INITIALS = re.compile(r"\b((?:[A-Z]\.){2,})")  # L.L.C. -> LLC, U.S.A. -> USA
_NON_ALNUM = re.compile(r"[^0-9A-Z ]+")
_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """The comparison key of an employer or agent name.

    "NORTH CAROLINA GROWERS ASSOCIATION, INC. (NCGA)" -> "NORTH CAROLINA GROWERS ASSOCIATION".
    """
    text = strip_accents(str(name or "")).upper()
    text = _BRACKETS.sub(" ", text)
    text = _TAIL.sub(" ", text)
    parts = _DBA.split(text, maxsplit=1)
    if parts[0].strip(" ,.-/"):
        text = parts[0]
    text = text.replace("&", " AND ").replace("+", " AND ")
    text = _INITIALS.sub(lambda m: m.group(1).replace(".", ""), text)
    text = _NON_ALNUM.sub(" ", text.replace("'", "").replace(".", ""))
    tokens = [ABBREVIATIONS.get(t, t) for t in text.split()]
    if tokens and tokens[0] == "THE" and len(tokens) > 1:
        tokens = tokens[1:]
    while len(tokens) > 1 and (tokens[-1] in LEGAL_SUFFIXES or tokens[-1] == "AND"):
        tokens.pop()  # "SMITH & CO." -> "SMITH"
    return " ".join(tokens)


def clean_text(value) -> str:
    """A cell as text: None -> "", floats that are whole numbers lose their ".0", spaces collapsed."""
    if type(value) is str:  # the common case first: every CSV cell
        if "  " in value or "\n" in value or "\t" in value:
            value = _SPACES.sub(" ", value)
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    text = str(value)
    if "  " in text or "\n" in text or "\t" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


@lru_cache(maxsize=10_000)
def state_code(value: str) -> str:
    """US state as a postal code: "MASSACHUSETTS" -> "MA", "ma" -> "MA"; unknown text kept, upper-cased."""
    text = _SPACES.sub(" ", strip_accents(str(value or "")).upper().strip(" .,"))
    if not text:
        return ""
    if text in columns.STATE_CODES:
        return text
    return columns.US_STATES.get(text, text[:30])


@lru_cache(maxsize=10_000)
def status(value: str) -> str:
    text = str(value or "").lower()
    for pattern, normalised in columns.STATUS_RULES:
        if re.search(pattern, text):
            return normalised
    return "other"


@lru_cache(maxsize=1_000)
def org_flag(value: str) -> str:
    text = str(value or "").strip().lower()
    if not text:
        return ""
    for pattern, code in columns.ORG_FLAGS:
        if re.search(pattern, text):
            return code
    return "S"  # an unknown non-blank flag still marks the row as an application of its own


@lru_cache(maxsize=1_000)
def wage_unit(value: str) -> str:
    text = str(value or "").strip().upper()
    return columns.WAGE_UNITS.get(text, text.lower()[:20])


@lru_cache(maxsize=1_000)
def visa_value(value: str) -> str:
    return columns.VISA_VALUES.get(re.sub(r"[^0-9A-Z]", "", str(value or "").upper()), "")


def count(value):
    """A worker count: None for blank; ValueError for anything that is not a number."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        if value != value:
            return None
        number = value
    else:
        text = str(value).strip().replace(",", "")
        if not text:
            return None
        number = float(text)  # ValueError on junk: the caller names file, row and column
    if number < 0:
        raise ValueError(value)
    return int(round(number))


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def wage(value):
    """Wage offered as a Decimal, or None when the cell holds no usable number ("Select Pay Range")."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        if value != value:
            return None
        return Decimal(str(round(value, 2)))
    match = _NUMBER.search(str(value).replace(",", "").replace("$", ""))
    if not match:
        return None
    try:
        number = Decimal(match.group(0)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return number if abs(number) < Decimal("1e10") else None


_DATE_FORMATS = (
    "%m/%d/%y %H:%M:%S", "%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%y %H:%M", "%d-%b-%y", "%d-%b-%Y", "%Y/%m/%d",
)


@lru_cache(maxsize=50_000)
def _date_from_text(text: str):
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def date(value):
    """A date from a cell (datetime, date or text in the formats OFLC used); None if unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float):
        return None
    return _date_from_text(str(value).strip())


def fiscal_year(day: dt.date) -> int:
    """US federal fiscal year: October to September (2015-10-01 is FY2016)."""
    return day.year + 1 if day.month >= 10 else day.year
