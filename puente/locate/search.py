"""Interactive search for a person: tolerant of how names get written down, fast at a million.

How it works
------------
1. **Keys, not names.** The index holds only the plaintext keys of ``puente.locate.keys`` (phonetic
   codes of name words, birth year, keyed hashes of the birthday, phones and municipality, the
   region). Decrypting a million names would be slow and would put them all in memory.
2. **Blocking on an inverted index.** Each phonetic code points to the people who carry it. A query
   word is expanded to its code, the formal names of a nickname ("pepe" -> "jose"), codes within a
   small edit distance in the index's vocabulary (typos, via rapidfuzz), and, for a long unknown
   word, two known codes it is made of (a fused "HERNANDEZLOPEZ"). Every expansion of a word counts
   once, weighted by how rare the word is (IDF); people are pre-ranked by those weights plus a
   bonus for a birth year within one year, and the best ``PRESELECT`` are scored in full.
3. **Scoring** (``score_candidate``): given names, surnames, birth date and place are compared
   word by word with rapidfuzz on the phonetic codes, trying the ways a record bends a name
   (surnames in either order, a missing second surname, the second surname as the last name, the
   first surname as a middle name, a married surname, one of two given names, nicknames), and
   the reasons are kept. The score is a weighted mean of the parts present; ``likely`` from 0.85,
   ``possible`` from 0.6.

The index is per process (``get_index()``), built from the database on first use and brought up to
date before each search from the rows updated since (one indexed query on ``updated_at``).
Memory: see docs/locate.md (about 300 bytes per person).
"""

import math
import threading
import time
from array import array
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from . import keys as K
from .access import visible_people
from .models import Person, PersonChange
from . import names, places

PRESELECT = 60
LIKELY = 0.85
POSSIBLE = 0.6
MARRIED = 0.72  # given names, full date and region agree, the surnames do not (search.score_candidate)
WEIGHTS = {"given": 0.3, "surname": 0.4, "birth": 0.2, "place": 0.1}


# ---------------------------------------------------------------------------------------------
# Queries


@dataclass
class Query:
    name: str = ""  # free text: "Pepe Hernández", "HERNANDEZ LOPEZ, JOSE"
    given_names: str = ""
    surname_1: str = ""
    surname_2: str = ""
    birth_date: str = ""  # partial: 1984, 1984-07, 1984-07-15, 15/07/1984
    sex: str = ""
    country: str = ""
    region: str = ""  # an ISO 3166-2 code or a region's name, possibly misspelled
    municipality: str = ""
    phone: str = ""

    def has_name(self) -> bool:
        return bool(
            names.fold(self.name)
            or names.fold(self.given_names)
            or names.fold(self.surname_1)
            or names.fold(self.surname_2)
        )


@dataclass
class Match:
    person_id: int
    score: float
    label: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class _Tok:
    raw: str
    code: str


@dataclass
class _Prepared:
    tokens: list  # [_Tok]: given names first, then surnames (structured), or the free text words
    boundary: int | None  # index where surnames start in a structured query; None for free text
    surname_first: bool  # "HERNANDEZ LOPEZ, JOSE"
    year: int | None = None
    month: int | None = None
    day: int | None = None
    md: str = ""
    mds: str = ""
    sex: str = ""
    country: str = ""
    region: str = ""
    region_note: tuple | None = None
    place: str = ""
    phone: str = ""
    sim_cache: dict = field(default_factory=dict)


def prepare(query: Query) -> _Prepared:
    if query.name.strip():
        text = query.name
        surname_first = "," in text
        if surname_first:
            before, _sep, after = text.partition(",")
            words = [(w, True) for w in names.surname_tokens(before)] + [(w, False) for w in names.given_tokens(after)]
            toks = [_Tok(w, names.phonetic(w)) for w, _s in words]
            n_sur = sum(1 for _w, s in words if s)
            # Reorder to given-first with a known boundary: the comma tells us which is which.
            toks = toks[n_sur:] + toks[:n_sur]
            prepared = _Prepared(tokens=toks, boundary=len(toks) - n_sur, surname_first=True)
        else:
            toks = [_Tok(w, names.phonetic(w)) for w in names.given_tokens(text)]
            prepared = _Prepared(tokens=toks, boundary=None, surname_first=False)
    else:
        given = [_Tok(w, names.phonetic(w)) for w in names.given_tokens(query.given_names)]
        first, second, married = names.split_surnames(query.surname_1)
        sur_words = [w for w in (first.split() + second.split() + ([married] if married else [])) if w]
        sur_words += names.surname_tokens(query.surname_2)
        surnames = [_Tok(w, names.phonetic(w)) for w in sur_words]
        prepared = _Prepared(tokens=given + surnames, boundary=len(given), surname_first=False)
    prepared.tokens = [t for t in prepared.tokens if t.code]
    try:
        y, m, d = K.parse_partial_date(query.birth_date)
    except ValueError:
        y = m = d = None
    prepared.year, prepared.month, prepared.day = y, m, d
    prepared.md, prepared.mds = K.birth_day_keys(m, d)
    prepared.sex = (query.sex or "").strip().upper()[:1]
    prepared.country = (query.country or "").strip().upper()[:2]
    code, name, sim = places.fuzzy_region(query.region, prepared.country)
    prepared.region = code
    if code and sim < 100:
        prepared.region_note = (
            gettext_noop("place “%(typed)s” read as %(name)s"),
            {"typed": query.region, "name": name},
        )
    if query.municipality.strip():
        prepared.place = K.keyed_hash("place:" + names.surname_code(query.municipality))
    if query.phone.strip():
        try:
            national = K.national_number(K.normalise_phone(query.phone, prepared.country))
            prepared.phone = K.keyed_hash("tel:" + national) if national else ""
        except ValueError:
            prepared.phone = ""
    return prepared


# ---------------------------------------------------------------------------------------------
# Scoring one candidate


@dataclass
class Candidate:
    given: list
    s1: str
    s2: str
    married: str
    other: list
    year: int | None
    md: str
    mds: str
    sex: str
    country: str
    region: str
    place: str
    phones: frozenset

    @classmethod
    def from_keys(cls, search_keys, birth_year, birth_keys, phone_keys, place_key, sex, country, region):
        given, other = [], []
        s1 = s2 = married = ""
        for item in (search_keys or "").split():
            role, _eq, code = item.partition("=")
            if role == "g":
                given.append(code)
            elif role == "s1":
                s1 = code
            elif role == "s2":
                s2 = code
            elif role == "m":
                married = code
            elif role == "o":
                other.append(code)
        md, _sp, mds = (birth_keys or "").partition(" ")
        return cls(
            given,
            s1,
            s2,
            married,
            other,
            birth_year or None,
            md,
            mds,
            sex or "",
            country or "",
            region or "",
            place_key or "",
            frozenset((phone_keys or "").split()),
        )


def _sim(p: _Prepared, q: str, c: str) -> tuple[float, str, str]:
    """(similarity, kind, formal code) of two codes; kind: exact, nickname, prefix, typo or ''."""
    key = (q, c)
    hit = p.sim_cache.get(key)
    if hit is not None:
        return hit
    if q == c:
        out = (1.0, "exact", "")
    else:
        formal = names.nickname_match(q, c)
        if formal:
            out = (0.95, "nickname", formal)
        elif len(q) >= 3 and c.startswith(q):
            out = (0.8, "prefix", "")
        else:
            r = Levenshtein.normalized_similarity(q, c)
            dist = Levenshtein.distance(q, c, score_cutoff=3)
            if dist <= (1 if max(len(q), len(c)) <= 5 else 2):
                out = (0.75 + 0.2 * r, "typo", "")
            else:
                out = (0.5 * r, "", "")
    p.sim_cache[key] = out
    return out


def _given_part(p, qtoks, cand: Candidate, reasons):
    pool = cand.given + cand.other
    if not qtoks or not pool:
        return None
    sims = []
    for t in qtoks:
        best = (0.0, "", "", "")
        for c in pool:
            s = _sim(p, t.code, c)
            if s[0] > best[0]:
                best = (*s, c)
        sims.append(best[0])
        if best[1] == "nickname":
            reasons.append(
                (
                    gettext_noop("nickname %(nick)s = %(formal)s"),
                    {"nick": t.raw.capitalize(), "formal": names.display_name(best[2])},
                )
            )
        elif best[1] == "typo":
            reasons.append((gettext_noop("“%(word)s” spelled differently"), {"word": t.raw.capitalize()}))
        elif best[1] == "prefix":
            reasons.append((gettext_noop("“%(word)s” begins the name"), {"word": t.raw.capitalize()}))
        elif best[1] == "exact" and best[3] in cand.other:
            reasons.append((gettext_noop("“%(word)s” is one of the other names"), {"word": t.raw.capitalize()}))
    matched = sum(1 for s in sims if s >= 0.75)
    if matched and len(cand.given) != len(qtoks) and max(sims) >= 0.75:
        reasons.append((gettext_noop("one of two given names"), None))
    score = max(sims) if len(sims) == 1 else 0.7 * max(sims) + 0.3 * (sum(sims) / len(sims))
    return score


def _surname_part(p, qtoks, cand: Candidate, reasons):
    cs = [c for c in (cand.s1, cand.s2) if c]
    if not qtoks or not (cs or cand.married):
        return None
    q = [t.code for t in qtoks]
    options = []  # (score, [reasons])

    def s(a, b):
        return _sim(p, a, b)[0] if a and b else 0.0

    def typo_reasons(pairs):
        out = []
        for qt, c in pairs:
            kind = _sim(p, qt.code, c)[1] if c else ""
            if kind == "typo":
                out.append((gettext_noop("“%(word)s” spelled differently"), {"word": qt.raw.capitalize()}))
        return out

    if len(q) >= 2:
        a, b = qtoks[0], qtoks[1]
        if cand.s1 and cand.s2:
            options.append(((s(a.code, cand.s1) + s(b.code, cand.s2)) / 2, typo_reasons([(a, cand.s1), (b, cand.s2)])))
            options.append(
                (
                    (s(a.code, cand.s2) + s(b.code, cand.s1)) / 2 - 0.02,
                    [(gettext_noop("surnames in the other order"), None)] + typo_reasons([(a, cand.s2), (b, cand.s1)]),
                )
            )
            # Both surnames written as one word in the record.
            options.append((s(a.code + b.code, cand.s1 + cand.s2), [(gettext_noop("surnames written together"), None)]))
        if cand.married and cand.s1:
            options.append(
                ((s(a.code, cand.s1) + s(b.code, cand.married)) / 2 - 0.01, [(gettext_noop("married surname"), None)])
            )
        if len(cs) == 1:
            c = cs[0]
            best = max((s(a.code, c), 0), (s(b.code, c) - 0.03, 1))
            options.append((best[0] * 0.9, [(gettext_noop("second surname missing in the record"), None)]))
            fused = s(a.code + b.code, c)
            options.append((fused, [(gettext_noop("surnames written together"), None)]))
    else:
        a = qtoks[0]
        if cand.s1:
            options.append(
                (
                    s(a.code, cand.s1) * (0.97 if cand.s2 else 1.0),
                    ([(gettext_noop("second surname missing in the search"), None)] if cand.s2 else [])
                    + typo_reasons([(a, cand.s1)]),
                )
            )
        if cand.s2:
            options.append(
                (
                    s(a.code, cand.s2) * 0.95,
                    [(gettext_noop("second surname used as the last name"), None)] + typo_reasons([(a, cand.s2)]),
                )
            )
        if cand.s1 and cand.s2:
            options.append((s(a.code, cand.s1 + cand.s2), [(gettext_noop("surnames written together"), None)]))
        if cand.married:
            options.append((s(a.code, cand.married) * 0.95, [(gettext_noop("married surname"), None)]))
    # Extra query surnames beyond two (a married form typed in full) are ignored here.
    score, why = max(options, key=lambda o: o[0])
    if score >= 0.6:
        reasons.extend(why)
    return score


def _birth_part(p: _Prepared, cand: Candidate, reasons):
    if p.year is None or cand.year is None:
        return None
    dy = abs(p.year - cand.year)
    if p.md and cand.md:
        if p.md == cand.md:
            score = {0: 1.0, 1: 0.8}.get(dy, 0.15)
        elif p.mds == cand.mds:
            score = {0: 0.85, 1: 0.65}.get(dy, 0.1)
            reasons.append((gettext_noop("day and month swapped"), None))
        else:
            score = {0: 0.55, 1: 0.35}.get(dy, 0.0)
    else:
        score = {0: 0.85, 1: 0.65, 2: 0.3}.get(dy, 0.0)
    if dy == 1 and score > 0.3:
        reasons.append((gettext_noop("birth year off by one"), None))
    return score


def _place_part(p: _Prepared, cand: Candidate, reasons):
    parts = []
    if p.region and cand.region:
        if p.region == cand.region:
            parts.append(1.0)
            if p.region_note:
                reasons.append(p.region_note)
        else:
            parts.append(0.3)
    elif p.country and cand.country:
        parts.append(0.8 if p.country == cand.country else 0.0)
    if p.place and cand.place:
        parts.append(1.0 if p.place == cand.place else 0.4)
        if p.place == cand.place:
            reasons.append((gettext_noop("same municipality"), None))
    return sum(parts) / len(parts) if parts else None


def _name_parts(p: _Prepared, cand: Candidate):
    """Best (given, surname, reasons) over the ways to split the query words into given names
    and surnames."""
    toks = p.tokens
    n = len(toks)
    if n == 0:
        return None, None, []
    splits: list[tuple[int, float, list]] = []
    if n == 1:
        splits = [(0, 0.0, []), (1, 0.0, [])]
    elif p.boundary is not None:
        k0 = p.boundary
        splits.append((k0, 0.0, []))
        for k in range(1, n):
            if k == k0:
                continue
            note = (
                (gettext_noop("first surname written as a middle name"), None)
                if k < k0
                else (gettext_noop("a given name written as a surname"), None)
            )
            splits.append((k, 0.03, [note]))
    else:
        for k in range(1, n):
            splits.append((k, 0.0, []))
    best = None
    for k, penalty, notes in splits:
        reasons = list(notes)
        if p.surname_first and k != p.boundary:
            pass
        g = _given_part(p, toks[:k], cand, reasons) if k > 0 else None
        s = _surname_part(p, toks[k:], cand, reasons) if k < n else None
        parts = [(v, WEIGHTS[w]) for v, w in ((g, "given"), (s, "surname")) if v is not None]
        if not parts:
            continue
        total = sum(v * w for v, w in parts) / sum(w for _v, w in parts) - penalty
        # A query with only one part can never be sure: a surname alone matches many.
        if g is None or s is None:
            total *= 0.9 if n > 1 else 0.92
        if best is None or total > best[0]:
            best = (total, g, s, reasons)
    # Free text may also be written surnames first without a comma ("LOPEZ GARCIA JOSE").
    if p.boundary is None and n >= 2:
        rotated = _Prepared(tokens=toks[-1:] + toks[:-1], boundary=1, surname_first=False, sim_cache=p.sim_cache)
        r: list = []
        g = _given_part(rotated, rotated.tokens[:1], cand, r)
        s = _surname_part(rotated, rotated.tokens[1:], cand, r)
        if g is not None and s is not None:
            total = (g * WEIGHTS["given"] + s * WEIGHTS["surname"]) / (WEIGHTS["given"] + WEIGHTS["surname"]) - 0.02
            if best is None or total > best[0]:
                best = (total, g, s, [(gettext_noop("surnames written first"), None)] + r)
    if best is None:
        return None, None, []
    return best[1], best[2], best[3]


def score_candidate(p: _Prepared, cand: Candidate) -> tuple[float, list[str]]:
    g, s, reasons = _name_parts(p, cand)
    b = _birth_part(p, cand, reasons)
    pl = _place_part(p, cand, reasons)
    parts = [(v, WEIGHTS[w]) for v, w in ((g, "given"), (s, "surname"), (b, "birth"), (pl, "place")) if v is not None]
    if not parts or (g is None and s is None):
        return 0.0, []
    # Name words that match partially are penalised harder than they weigh: a name is the key.
    score = sum(v * w for v, w in parts) / sum(w for _v, w in parts)
    if g is not None and s is not None:
        score = min(score, (g * WEIGHTS["given"] + s * WEIGHTS["surname"]) / 0.7 + 0.1)
    if p.year is not None and b is None:
        score *= 0.97  # asked with a birth date; the record has none
    if p.sex and cand.sex and p.sex != cand.sex:
        score *= 0.9
    if p.phone and p.phone in cand.phones:
        score = max(score, 0.92)
        reasons.append((gettext_noop("same phone"), None))
    # A woman listed under her husband's surname (or searched for under it): every given name,
    # the full birth date and the region agree, only the surnames do not. Offered as possible.
    if (score < MARRIED and s is not None and s < 0.5 and g is not None and g >= 0.95 and b is not None
            and b >= 0.95 and p.day is not None and p.region and p.region == cand.region and cand.sex != "M"
            and p.sex != "M"):
        score = MARRIED
        reasons.append((gettext_noop("other surnames: perhaps a married name"), None))
    return round(min(score, 1.0), 4), reasons


def render_reasons(reasons) -> list[str]:
    """Translate the (msgid, params) reasons into the active language, once, for shown results."""
    out = []
    for msg, params in reasons:
        text = _(msg) % params if params else _(msg)
        if text not in out:
            out.append(text)
    return out


def label_for(score: float) -> str:
    if score >= LIKELY:
        return "likely"
    if score >= POSSIBLE:
        return "possible"
    return ""


# ---------------------------------------------------------------------------------------------
# The index


class PersonIndex:
    """Inverted index over the search keys. ``add`` appends or replaces one person."""

    def __init__(self):
        self.ids = array("q")
        self.keys: list[str] = []
        self.years = array("h")
        self.md = array("I")  # keyed hash of the ordered birthday, as an int (0: unknown)
        self.mds = array("I")  # ... of the unordered day/month pair
        self.phones: list[str] = []
        self.places: list[str] = []
        self.attrs = array("I")  # sex/country/region interned into small ints, packed
        self.consent = bytearray()
        self.alive = bytearray()
        self.pos: dict[int, int] = {}
        self.postings: dict[str, array] = {}
        self.phone_postings: dict[str, list] = {}
        self._vocab: list[str] | None = None
        self._intern: dict[str, int] = {}
        self._values: list[str] = []
        self.updated_at = None
        self.lock = threading.RLock()

    def __len__(self):
        return len(self.pos)

    def __getstate__(self):  # picklable (benchmarks cache a built index), without the lock
        state = dict(self.__dict__)
        state.pop("lock")
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.lock = threading.RLock()

    def _code(self, value: str) -> int:
        v = self._intern.get(value)
        if v is None:
            v = self._intern[value] = len(self._values)
            self._values.append(value)
        return v

    def add(
        self,
        person_id,
        search_keys,
        birth_year=None,
        birth_keys="",
        phone_keys="",
        place_key="",
        sex="",
        country="",
        region="",
        consent=True,
    ):
        attrs = self._code(sex or "") | self._code(country or "") << 8 | self._code(region or "") << 16
        md_hex, _sp, mds_hex = (birth_keys or "").partition(" ")
        md, mds = int(md_hex or "0", 16), int(mds_hex or "0", 16)
        with self.lock:
            old = self.pos.get(person_id)
            if old is not None:
                if (
                    self.keys[old] == (search_keys or "")
                    and self.years[old] == (birth_year or 0)
                    and self.md[old] == md
                    and self.mds[old] == mds
                    and self.phones[old] == (phone_keys or "")
                    and self.places[old] == (place_key or "")
                    and self.attrs[old] == attrs
                    and self.consent[old] == (1 if consent else 0)
                ):
                    return  # unchanged (re-read because its updated_at equals the last one seen)
                self.alive[old] = 0
            i = len(self.ids)
            self.ids.append(person_id)
            self.keys.append(search_keys or "")
            self.years.append(birth_year or 0)
            self.md.append(md)
            self.mds.append(mds)
            self.phones.append(phone_keys or "")
            self.places.append(place_key or "")
            self.attrs.append(attrs)
            self.consent.append(1 if consent else 0)
            self.alive.append(1)
            self.pos[person_id] = i
            for item in set((search_keys or "").split()):
                code = item.partition("=")[2]
                for c in {code, *names.canonical_codes(code)}:
                    plist = self.postings.get(c)
                    if plist is None:
                        plist = self.postings[c] = array("i")
                        self._vocab = None
                    plist.append(i)
            for h in (phone_keys or "").split():
                self.phone_postings.setdefault(h, []).append(i)

    def remove(self, person_id):
        with self.lock:
            i = self.pos.pop(person_id, None)
            if i is not None:
                self.alive[i] = 0

    def candidate(self, i: int) -> Candidate:
        a = self.attrs[i]
        birth = f"{self.md[i]:08x} {self.mds[i]:08x}" if self.md[i] else ""
        return Candidate.from_keys(
            self.keys[i],
            self.years[i],
            birth,
            self.phones[i],
            self.places[i],
            self._values[a & 0xFF],
            self._values[(a >> 8) & 0xFF],
            self._values[a >> 16],
        )

    @property
    def vocab(self) -> list[str]:
        if self._vocab is None:
            self._vocab = list(self.postings)
        return self._vocab

    def _expand(self, code: str) -> set[str]:
        """Codes in the index that a query word may stand for."""
        out = {code, *names.canonical_codes(code)}
        # Nicknames of this formal name, so "José" also finds a record written only as "Pepe".
        out |= {c for c in (self._reverse_nick().get(code, ()))}
        if len(code) >= 3:
            cutoff = 1 if len(code) <= 5 else 2
            for hit, _score, _i in process.extract(
                code, self.vocab, scorer=Levenshtein.distance, score_cutoff=cutoff, limit=12
            ):
                out.add(hit)
            # Search-as-you-type: a word being typed matches the codes it begins.
            if code not in self.postings and len(code) >= 3:
                out |= {v for v in self.vocab if v.startswith(code)}
        return {c for c in out if c in self.postings}

    _REVERSE = None

    @classmethod
    def _reverse_nick(cls):
        if cls._REVERSE is None:
            rev: dict[str, set] = {}
            for nick, formals in names._nickname_tables()[0].items():
                for f in formals:
                    rev.setdefault(f, set()).add(nick)
            cls._REVERSE = rev
        return cls._REVERSE

    def _split_fused(self, code: str) -> list[str]:
        if code in self.postings or len(code) < 7:
            return []
        for i in range(3, len(code) - 2):
            if code[:i] in self.postings and code[i:] in self.postings:
                return [code[:i], code[i:]]
        return []

    def search(self, query: Query, limit: int = 10, only: set | None = None, include_nonconsenting=True):
        """Best matches for ``query``; ``only`` restricts to these person ids (a Defender's people)."""
        p = prepare(query)
        with self.lock:
            # A fused surname ("HERNANDEZLOPEZ") becomes the two codes it is made of.
            toks = []
            for i, t in enumerate(p.tokens):
                parts = self._split_fused(t.code)
                if parts:
                    toks += [_Tok(t.raw, parts[0]), _Tok(t.raw, parts[1])]
                    if p.boundary is not None and i < p.boundary:
                        p.boundary += 1
                else:
                    toks.append(t)
            p.tokens = toks
            if not p.tokens:
                return []
            if only is not None:
                idxs = [self.pos[pid] for pid in only if pid in self.pos]
            else:
                idxs = self._preselect(p)
            results = []
            for i in idxs:
                if not self.alive[i] or (not include_nonconsenting and not self.consent[i]):
                    continue
                score, reasons = score_candidate(p, self.candidate(i))
                if score >= POSSIBLE:
                    results.append(Match(self.ids[i], score, label_for(score), reasons))
        results.sort(key=lambda m: (-m.score, m.person_id))
        results = results[:limit]
        for m in results:
            m.reasons = render_reasons(m.reasons)
        return results

    def _preselect(self, p: _Prepared) -> list[int]:
        n = len(self.ids)
        if n == 0:
            return []
        scores = np.zeros(n, dtype=np.float32)
        total = float(len(self.pos)) or 1.0
        weights = []
        for t in p.tokens:
            codes = self._expand(t.code)
            if not codes:
                continue
            arrays = [np.frombuffer(self.postings[c], dtype=np.int32) for c in codes]
            hit = np.unique(np.concatenate(arrays)) if len(arrays) > 1 else arrays[0]
            df = max(len(self.postings[c]) for c in codes)
            w = math.log(1 + total / df)
            scores[hit] += w
            weights.append(w)
        if p.phone:
            for i in self.phone_postings.get(p.phone, ()):
                scores[i] += 20.0
        cand = np.flatnonzero(scores)
        if cand.size == 0:
            return []
        # With several words, people matching at least two of them (any two weigh more than the
        # heaviest one alone) are the candidates, unless that leaves too few: a million records
        # share a common surname by the ten thousand.
        if len(weights) >= 2 and cand.size > PRESELECT:
            multi = cand[scores[cand] > max(weights) + 1e-4]
            if multi.size >= PRESELECT:
                cand = multi
        # Cheap, vectorised evidence besides the names, so that few candidates need full scoring.
        if p.year is not None:
            years = np.frombuffer(self.years, dtype=np.int16)[cand].astype(np.int32)
            dy = np.abs(years - p.year)
            scores[cand[dy == 0]] += 1.5
            scores[cand[dy == 1]] += 1.0
        if p.md:
            md = np.frombuffer(self.md, dtype=np.uint32)[cand]
            mds = np.frombuffer(self.mds, dtype=np.uint32)[cand]
            scores[cand[md == np.uint32(int(p.md, 16))]] += 2.0
            scores[cand[mds == np.uint32(int(p.mds, 16))]] += 1.0
        if p.region and p.region in self._intern:
            regions = np.frombuffer(self.attrs, dtype=np.uint32)[cand] >> 16
            scores[cand[regions == self._intern[p.region]]] += 0.5
        if cand.size > PRESELECT:
            top = np.argpartition(-scores[cand], PRESELECT)[:PRESELECT]
            cand = cand[top]
        return cand.tolist()


# ---------------------------------------------------------------------------------------------
# The per-process index over the database

_INDEX: PersonIndex | None = None
_INDEX_LOCK = threading.Lock()
FIELDS = (
    "id",
    "search_keys",
    "birth_year",
    "birth_keys",
    "phone_keys",
    "place_key",
    "sex",
    "country",
    "region__code",
    "consent_to_search",
    "search_basis",
    "merged_into_id",
    "updated_at",
)


def _add_rows(index: PersonIndex, rows):
    for pid, sk, by, bk, pk, pl, sex, country, region, consent, basis, merged, updated in rows:
        if merged:
            index.remove(pid)
        else:
            # "consent" in the index means "may be searched for": consent or a named legal basis.
            index.add(pid, sk, by, bk, pk, pl, sex, country, region or "", bool(consent or basis))
        if index.updated_at is None or updated > index.updated_at:
            index.updated_at = updated


# An id of the change log skipped by a later one may belong to a transaction still open: it is
# looked for again for this long before it is taken as rolled back.
GAP_SECONDS = 120


class _ChangeCursor:
    """Where this process's index stands in ``PersonChange``: the last id read and the ids below
    it not seen yet (gaps), with when each was first missed."""

    def __init__(self, last_id: int):
        self.last_id = last_id
        self.gaps: dict[int, float] = {}


_CURSOR: _ChangeCursor | None = None


def _changed_people(cursor: _ChangeCursor) -> set[int] | None:
    """The people changed since the cursor (moving it on), or None when the log no longer reaches
    back that far (pruned): the index is then rebuilt."""
    now = time.monotonic()
    cursor.gaps = {i: t for i, t in cursor.gaps.items() if now - t < GAP_SECONDS}
    cond = Q(id__gt=cursor.last_id)
    if cursor.gaps:
        cond |= Q(id__in=list(cursor.gaps))
    rows = list(PersonChange.objects.filter(cond).order_by("id").values_list("id", "person_id"))
    if not rows:
        return set()
    ids = [i for i, _p in rows]
    new_ids = [i for i in ids if i > cursor.last_id]
    if new_ids and cursor.last_id and not PersonChange.objects.filter(id__lte=cursor.last_id).exists():
        return None
    for i in ids:
        cursor.gaps.pop(i, None)
    expected = cursor.last_id + 1
    for i in new_ids:
        for missing in range(expected, i):
            cursor.gaps.setdefault(missing, now)
        expected = i + 1
    if new_ids:
        cursor.last_id = new_ids[-1]
    return {p for _i, p in rows}


def get_index() -> PersonIndex:
    """The process's index, brought up to date with the people changed since it was last read
    (the ``PersonChange`` log: saves, merges and deletions in any process)."""
    global _INDEX, _CURSOR
    with _INDEX_LOCK:
        index = _INDEX
        changed = _changed_people(_CURSOR) if index is not None and _CURSOR is not None else None
        if index is None or changed is None:
            # Read the log's position first: a change made while the rows are read is read again.
            cursor = _ChangeCursor(PersonChange.objects.aggregate(m=Max("id"))["m"] or 0)
            index = PersonIndex()
            _add_rows(index, Person.objects.order_by("id").values_list(*FIELDS).iterator(chunk_size=5000))
            _INDEX, _CURSOR = index, cursor
        elif changed:
            found = set()
            for start in range(0, len(changed), 5000):
                chunk = sorted(changed)[start : start + 5000]
                rows = list(Person.objects.filter(pk__in=chunk).values_list(*FIELDS))
                found |= {r[0] for r in rows}
                _add_rows(index, rows)
            for pid in changed - found:
                index.remove(pid)  # deleted
        return index


def reset_index() -> None:
    global _INDEX, _CURSOR
    with _INDEX_LOCK:
        _INDEX = None
        _CURSOR = None


def search_people(user, query: Query, limit: int = 10, project=None) -> list[Match]:
    """Search as ``user``: the consent and access rules of docs/locate.md applied.

    - Coordinators find people who consented to be searched for; with a reunification project
      chosen, they also find that project's people, consent or not (a court-ordered search).
    - Defenders find only people they already see (their cases, their search assignments).
    A search needs a name: nobody is listed by place alone.
    """
    if not query.has_name():
        return []
    index = get_index()
    if user.is_coordinator:
        if project is None:
            return index.search(query, limit=limit, include_nonconsenting=False)
        consenting = index.search(query, limit=limit, include_nonconsenting=False)
        in_project = set(project.people.values_list("person_id", flat=True))
        extra = index.search(query, limit=limit, only=in_project)
        merged = {m.person_id: m for m in consenting + extra}
        return sorted(merged.values(), key=lambda m: (-m.score, m.person_id))[:limit]
    only = set(visible_people(user).values_list("id", flat=True))
    return index.search(query, limit=limit, only=only)
