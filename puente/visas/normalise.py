"""Normalisation of values as filed: employer and agent names, states, statuses, numbers, dates.

Every function here is pure and cheap; the importer memoises the ones whose inputs repeat
(statuses, states, dates) because a large file has millions of cells but few distinct values.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from puente.core import orgnames

from . import columns

# H-2 filings append how the filer stands to its members: "ACME GROWERS & ITS EMPLOYER MEMBERS",
# "SMITH FARM JOINT EMPLOYER WITH JONES FARM". The name is what comes before.
_EMPLOYER_SUFFIX = re.compile(
    r"[\s,;]*(?:&|\bAND\b|\+)\s*ITS\s+(?:JOINT\s+|MEMBER\s+|MEMBERS?\s+)?EMPLOYERS?(?:\s+MEMBERS?)?\b.*$"
    r"|[\s,;(\-]*\bA?\s*JOINT\s+EMPLOYERS?\s+WITH\b.*$",
    re.IGNORECASE,
)


_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    return orgnames.strip_accents(text)


_NOTE = re.compile(r"\(([^()]*)\)")


def _without_h2_suffixes(name) -> str:
    """The name without "& its employer members ...", "joint employer with ..." and an abbreviation
    repeated after its brackets ("... INC. (NCGA) NCGA")."""
    text = str(name or "")
    cut = _EMPLOYER_SUFFIX.sub("", text)
    if not cut.strip(" ,.;-&"):
        return text
    for note in _NOTE.findall(cut):
        note = note.strip()
        if note and " " not in note and cut.rstrip(" ,.;-").upper().endswith(" " + note.upper()):
            cut = cut.rstrip(" ,.;-")[: -len(note)]
    return cut


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """The comparison key of an employer or agent name: ``puente.core.orgnames.org_key`` (the one
    organisation-name key of Puente), upper-cased as the visa data has always stored it, after the
    H-2 suffixes "& its employer(s)" and "joint employer with ..." are cut.

    "NORTH CAROLINA GROWERS ASSOCIATION, INC. (NCGA)" -> "NORTH CAROLINA GROWER ASSOCIATION".
    """
    return orgnames.org_key(_without_h2_suffixes(name)).upper()


def name_keys(name: str) -> list[str]:
    """Every key of a name, ``name_key`` first: then its trade names (after "DBA") and its bracketed
    notes ("(NCGA)"), as ``orgnames.org_keys``."""
    return [k.upper() for k in orgnames.org_keys(_without_h2_suffixes(name))]


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
def status(value: str) -> str | None:
    """The normalised status of a status as filed (``columns.STATUSES``); None for a value Puente
    has never seen (the importer refuses the file rather than guess)."""
    return columns.STATUS_KEYS.get(columns.header_key(value))


def is_none_value(value) -> bool:
    """"N/A", "none", "Not Applicable", "-": a declared "none" where a name is expected."""
    return columns.header_key(value) in columns.NONE_VALUES


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
