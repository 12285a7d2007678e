"""The plaintext search keys of a Person, computed in one place (``compute_keys``), written by
``Person.save`` through ``apply_keys``. docs/locate.md says exactly what each key reveals.

- ``search_keys``: space-separated ``role=code`` items, where code is the Spanish phonetic code of
  a name word (``puente.locate.names.phonetic``): ``g`` given names, ``s1``/``s2`` first and second
  surname, ``m`` married surname, ``o`` other names and nicknames. No spelling, no accents.
- ``birth_year``: the year of birth, or empty.
- ``birth_keys``: two keyed hashes (HMAC-SHA256, 8 hex digits each) of the month and day of birth:
  in order, and as an unordered pair (so a swapped day and month still match). Without the key
  they reveal only which people share a birthday.
- ``phone_keys``: a keyed hash of the national part of each phone (``national_number``): equal
  numbers match whatever country code they were written with, nothing else shows.
- ``place_key``: a keyed hash of the municipality's phonetic code.

The hash key is derived from the oldest data-encryption key (``puente.core.crypto``), held
outside the database. After that key is retired, ``puente locate reindex`` recomputes them.
"""

import calendar
import hashlib
import hmac
import re
from dataclasses import dataclass

import phonenumbers

from puente.core.crypto import load_keys

from . import names

PHONE_REGIONS = ("MX", "GT", "SV", "HN", "NI", "US", "CA")
_SECRET: bytes | None = None


def _secret() -> bytes:
    global _SECRET
    if _SECRET is None:
        _SECRET = hashlib.sha256(b"puente-locate-keys-v1|" + load_keys()[-1]).digest()
    return _SECRET


def set_secret(secret: bytes | None) -> None:
    """Use ``secret`` for the keyed hashes (benchmarks, tests), or None to derive it again."""
    global _SECRET
    _SECRET = secret


def keyed_hash(value: str) -> str:
    return hmac.new(_secret(), value.encode("utf-8"), hashlib.sha256).hexdigest()[:8]


# ---------------------------------------------------------------------------------------------
# Dates

_DATE_RE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*$")
_DMY_RE = re.compile(r"^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})\s*$")


def parse_partial_date(text: str) -> tuple[int | None, int | None, int | None]:
    """ "1984", "1984-07", "1984-07-15" (or "15/07/1984", day first as written in the five countries)
    -> (year, month, day); empty -> (None, None, None). Raises ValueError on anything else."""
    text = (text or "").strip()
    if not text:
        return None, None, None
    m = _DATE_RE.match(text)
    if m:
        y, mo, d = (int(g) if g else None for g in m.groups())
    else:
        m = _DMY_RE.match(text)
        if not m:
            raise ValueError(f"not a date: {text!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
        d, mo, y = (int(g) for g in m.groups())
    if y is None or not 1900 <= y <= 2100:
        raise ValueError(f"year out of range: {text!r}")
    if mo is not None and not 1 <= mo <= 12:
        raise ValueError(f"month out of range: {text!r}")
    if d is not None:
        if mo is None or not 1 <= d <= calendar.monthrange(y, mo)[1]:
            raise ValueError(f"day out of range: {text!r}")
    return y, mo, d


def format_partial_date(y, mo, d) -> str:
    if y is None:
        return ""
    if mo is None:
        return f"{y:04d}"
    if d is None:
        return f"{y:04d}-{mo:02d}"
    return f"{y:04d}-{mo:02d}-{d:02d}"


def birth_day_keys(month: int | None, day: int | None) -> tuple[str, str]:
    """(ordered, unordered) keyed hashes of a birthday; empty strings when not known."""
    if not month or not day:
        return "", ""
    lo, hi = sorted((month, day))
    return keyed_hash(f"md:{month}-{day}"), keyed_hash(f"mds:{lo}-{hi}")


# ---------------------------------------------------------------------------------------------
# Phones


_CALLING_CODES = ("52", "502", "503", "504", "505", "1")


def normalise_phone(text: str, country: str = "") -> str:
    """A phone as stored: E.164 when it is a valid number, else the digits as written.

    - Written with ``+`` or ``00``: the country is the one written. Valid: E.164 ("+50588881234").
      Not valid: ``+`` and the digits as written ("+50537531134"), never another country's code.
    - Written without a country code: parsed for the row's ``country``. Valid: E.164 with that
      country's code. Not valid, or no country: the national digits as written ("37531134").
    - The old Mexican mobile prefix ``+52 1`` is folded (no longer dialled since 2019).

    A stored number that is not valid E.164 is *flagged*: ``phone_is_valid`` says so and the
    person's page shows it. Raises ValueError only for what cannot be a phone at all (letters,
    fewer than 6 or more than 15 digits)."""
    text = (text or "").strip()
    if not text:
        return ""
    if re.search(r"[A-Za-z]", re.sub(r"(?i)\b(ext|ext\.|x)\s*\d+$", "", text)):
        raise ValueError(f"not a phone number: {text!r}")
    text = re.sub(r"(?i)\s*(ext\.?|x)\s*\d+$", "", text)
    international = text.startswith("+") or text.startswith("00")
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    if not 6 <= len(digits) <= 15:
        raise ValueError(f"not a phone number: {text!r}")
    if international and digits.startswith("521") and len(digits) == 13:
        digits = "52" + digits[3:]
    if international:
        try:
            number = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            return "+" + digits
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return "+" + digits
    if country in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(digits, country)
        except phonenumbers.NumberParseException:
            return digits
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return digits


def phone_is_valid(stored: str) -> bool:
    """True when a stored phone is a valid number in E.164 (else it is kept as written, flagged)."""
    if not stored or not stored.startswith("+"):
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(stored, None))
    except phonenumbers.NumberParseException:
        return False


def national_number(stored: str) -> str:
    """The national part of a stored phone: what two records are compared on, so that a number
    written with +505, with another code or with none still matches ("+50588881234",
    "88881234" -> "88881234"). The last eight digits: the national number in GT, SV, HN and NI,
    the local number in MX, US and CA."""
    digits = re.sub(r"\D", "", stored or "")
    if stored and stored.startswith("+"):
        try:
            number = phonenumbers.parse(stored, None)
            digits = str(number.national_number)
        except phonenumbers.NumberParseException:
            for code in _CALLING_CODES:
                if digits.startswith(code) and len(digits) - len(code) >= 8:
                    digits = digits[len(code):]
                    break
    return digits[-8:] if len(digits) >= 7 else ""


# ---------------------------------------------------------------------------------------------
# All keys of a person


@dataclass
class Keys:
    search_keys: str
    birth_year: int | None
    birth_keys: str
    phone_keys: str
    place_key: str


def compute_keys(
    given_names="", surname_1="", surname_2="", other_names="", birth_date="", municipality="", phones=()
) -> Keys:
    items: list[str] = []
    items += [f"g={c}" for c in names.name_codes(given_names)]
    # A surname field may hold a married form ("López de García") or both surnames at once.
    first, second, married = names.split_surnames(surname_1)
    if surname_2:
        s1, s2 = names.surname_code(f"{first} {second}"), names.surname_code(surname_2)
    else:
        s1, s2 = names.surname_code(first), names.surname_code(second)
    if s1:
        items.append(f"s1={s1}")
    if s2:
        items.append(f"s2={s2}")
    if married:
        items.append(f"m={names.phonetic(married)}")
    items += [f"o={c}" for c in names.name_codes((other_names or "").replace(",", " ").replace(";", " "))]
    try:
        year, month, day = parse_partial_date(birth_date)
    except ValueError:
        year = month = day = None
    md, mds = birth_day_keys(month, day)
    phone_hashes = sorted({keyed_hash("tel:" + n) for n in (national_number(p) for p in phones if p) if n})
    place = names.surname_code(municipality) if municipality else ""
    return Keys(
        search_keys=" ".join(dict.fromkeys(items)),
        birth_year=year,
        birth_keys=f"{md} {mds}" if md else "",
        phone_keys=" ".join(phone_hashes),
        place_key=keyed_hash("place:" + place) if place else "",
    )


def apply_keys(person) -> None:
    """Recompute and set every key of ``person`` from its (decrypted) fields."""
    phones = list(person.all_phones)
    k = compute_keys(
        person.given_names,
        person.surname_1,
        person.surname_2,
        person.other_names,
        person.birth_date,
        person.municipality,
        phones,
    )
    person.search_keys = k.search_keys
    person.birth_year = k.birth_year
    person.birth_keys = k.birth_keys
    person.phone_keys = k.phone_keys
    person.place_key = k.place_key
