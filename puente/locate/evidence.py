"""When two records may be merged without a person deciding: the rule of "strong evidence".

A merge applied automatically (within an imported list, or an imported row against the registry)
needs strong evidence that the two records are one person, whatever the model's probability:

- **the same name**, allowing the variations records of one person show (accents and case,
  a typo, a nickname, one of two given names, surnames swapped, fused, hyphenated or with the
  second one missing), **and**
- **a compatible birth date**: the same full date (or a year off by one with the same day and
  month, or day and month swapped), or, when one side has only the year (and month), the same
  year, no conflicting month, and the same region or municipality; **and**
- no conflicting sex; and when the name agrees only through a variation, no conflicting region
  and a day of birth on at least one side.

(Records carry no national identifier yet; when they do, an exact shared one will be strong
evidence on its own.)

A shared phone, surname or place is never enough: siblings share surnames and often a phone,
neighbours share a phone, namesakes share a name. Such pairs go to the review list, where
``evidence`` shows what agrees and what does not, side by side.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rapidfuzz.distance import Levenshtein

from . import keys as K
from . import names

def _close(a: str | None, b: str | None) -> bool:
    """The same word, or one typo apart (two in a word of ten letters or more), compared on the
    phonetic codes. Not Jaro-Winkler: it forgives any ending after a shared beginning ("maria"
    ~ "mariana", "ramires kastio" ~ "ramires akosta")."""
    if not a or not b:
        return False
    if a == b:
        return True
    n = min(len(a), len(b))
    allowed = 0 if n < 5 else (1 if n < 10 else 2)
    return Levenshtein.distance(a, b, score_cutoff=allowed) <= allowed


def _given(text: str) -> list[str]:
    return names.name_codes(text or "")


def _canon(code: str) -> set[str]:
    return {code} | set(names.canonical_codes(code))


def _same_name(x: str, y: str) -> bool:
    return _close(x, y) or bool(_canon(x) & _canon(y))


def same_given_names(a: str, b: str) -> bool:
    """One person's given names as written twice: the same names (a typo, a nickname), or one of
    two names used alone ("Guadalupe" for "María Guadalupe"). Two names each must both agree:
    sisters are "María José" and "María Fernanda"."""
    ga, gb = _given(a), _given(b)
    if not ga or not gb:
        return False
    if len(ga) >= 2 and len(gb) >= 2:
        return (_same_name(ga[0], gb[0]) and _same_name(ga[1], gb[1])) or (
            _same_name(ga[0], gb[1]) and _same_name(ga[1], gb[0]))
    single, several = (ga, gb) if len(ga) == 1 else (gb, ga)
    return any(_same_name(single[0], y) for y in several)


def _surnames(s1: str, s2: str) -> tuple[str, str, str]:
    first, second, _married = names.split_surnames(s1 or "")
    if s2:
        a, b = names.surname_code(f"{first} {second}"), names.surname_code(s2)
    else:
        a, b = names.surname_code(first), names.surname_code(second)
    return a, b, a + b


def same_surnames(a: dict, b: dict) -> bool:
    a1, a2, af = _surnames(a.get("surname_1", ""), a.get("surname_2", ""))
    b1, b2, bf = _surnames(b.get("surname_1", ""), b.get("surname_2", ""))
    if not (a1 or a2) or not (b1 or b2):
        return False
    if _close(af, bf) and len(af) >= 4:  # both surnames (fused or hyphenated too)
        return True
    if _close(a1, b1) and (not a2 or not b2 or _close(a2, b2)):
        return True
    if a2 and b2 and _close(a1, b2) and _close(a2, b1):  # swapped
        return True
    # The second surname used as the last name (US forms): "García" for "López García".
    return bool((a2 and not b2 and _close(a2, b1)) or (b2 and not a2 and _close(b2, a1)))


def _date(text: str) -> tuple[int | None, int | None, int | None]:
    try:
        return K.parse_partial_date(text or "")
    except ValueError:
        return None, None, None


def compatible_dates(a: dict, b: dict) -> bool:
    ya, ma, da = _date(a.get("birth_date", ""))
    yb, mb, db = _date(b.get("birth_date", ""))
    if ya is None or yb is None:
        return False
    same_md = ma is not None and mb is not None and da is not None and db is not None and (
        (ma, da) == (mb, db) or (ma, da) == (db, mb))
    if ya != yb and not (abs(ya - yb) == 1 and same_md):
        return False
    if ma is not None and mb is not None and da is not None and db is not None:
        return (ma, da) == (mb, db) or (ma, da) == (db, mb)
    if ma is not None and mb is not None and ma != mb:
        return False
    # A date without its day on either side: the place must agree too.
    return same_place(a, b)


def regions_conflict(a: dict, b: dict) -> bool:
    return bool(a.get("admin1") and b.get("admin1") and a["admin1"] != b["admin1"])


def same_place(a: dict, b: dict) -> bool:
    """The same region, or the same municipality in no conflicting region."""
    if regions_conflict(a, b):
        return False
    if a.get("admin1") and a.get("admin1") == b.get("admin1"):
        return True
    ma, mb = names.surname_code(a.get("municipality", "")), names.surname_code(b.get("municipality", ""))
    return bool(ma and ma == mb)


def _phone(row: dict) -> str:
    try:
        return K.national_number(K.normalise_phone(row.get("phone", ""), row.get("country", "")))
    except ValueError:
        return ""


def exact_name(a: dict, b: dict) -> bool:
    """The same given names and surnames, word for word (by sound), with no variation needed."""
    sa, sb = _surnames(a.get("surname_1", ""), a.get("surname_2", "")), _surnames(
        b.get("surname_1", ""), b.get("surname_2", ""))
    return bool(_given(a.get("given_names", ""))) and _given(a.get("given_names", "")) == _given(
        b.get("given_names", "")) and (sa[:2] == sb[:2] or (len(sa[2]) >= 4 and sa[2] == sb[2]))


def _full_date(row: dict) -> bool:
    return _date(row.get("birth_date", ""))[2] is not None


def strong_evidence(a: dict, b: dict) -> bool:
    """True when rows ``a`` and ``b`` (``linkage.COLUMNS``) may be merged without review."""
    sa, sb = (a.get("sex") or "").upper()[:1], (b.get("sex") or "").upper()[:1]
    if sa in "FM" and sb in "FM" and sa and sb and sa != sb:
        return False
    if not (same_given_names(a.get("given_names", ""), b.get("given_names", ""))
            and same_surnames(a, b) and compatible_dates(a, b)):
        return False
    # A name that needed a variation to agree ("Mateo Hernández" for "Alberto Mateo Rodríguez
    # Hernández") is not enough with regions that disagree, or with no day of birth on either side.
    if not exact_name(a, b) and (regions_conflict(a, b) or not (_full_date(a) or _full_date(b))):
        return False
    return True


def evidence(a: dict, b: dict) -> list[tuple[bool, str]]:
    """What agrees (True) and what does not (False), in the user's language, for the review list."""
    out: list[tuple[bool, str]] = []
    out.append((same_given_names(a.get("given_names", ""), b.get("given_names", "")),
                _("given names") if same_given_names(a.get("given_names", ""), b.get("given_names", ""))
                else _("different given names")))
    out.append((same_surnames(a, b), _("surnames") if same_surnames(a, b) else _("different surnames")))
    da, db = a.get("birth_date") or "", b.get("birth_date") or ""
    if da and db:
        out.append((compatible_dates(a, b), _("birth date") if compatible_dates(a, b) else _("different birth dates")))
    else:
        out.append((False, _("a birth date is missing")))
    sa, sb = (a.get("sex") or ""), (b.get("sex") or "")
    if sa and sb:
        out.append((sa == sb, _("sex") if sa == sb else _("different sex")))
    if same_place(a, b):
        out.append((True, _("place")))
    pa, pb = _phone(a), _phone(b)
    if pa and pb:
        out.append((pa == pb, _("shared phone (not enough alone)") if pa == pb else _("different phones")))
    return out
