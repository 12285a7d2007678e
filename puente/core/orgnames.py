"""The one comparison key of a company's or an organisation's name.

Puente compares organisation names in three places: the conflict-of-interest check of a case
(party names against the parties a Defender acted for), recruiter resolution (abuse) and
employer/agent resolution in the H-2 visa data. All three use :func:`org_key`, so that a name
that is "the same" in one is the same in the others::

    org_key("RECLUTADORA DEL NORTE, S.A. de C.V. (RDN)")          == "reclutadora del norte"
    org_key("Reclutadora del Norte S. de R.L. de C.V.")           == "reclutadora del norte"
    org_key("NORTH CAROLINA GROWERS ASSN., INC. (NCGA)")          == "north carolina grower association"
    org_key("The Smith Company") == org_key("SMITH & CO.")        == "smith"
    org_key("David F. Jackson d/b/a Enterprise Farms")            == "david f jackson"
    org_keys("David F. Jackson d/b/a Enterprise Farms")           == ["david f jackson", "enterprise farm"]

What the key does, in order (each step keeps the name when it would leave nothing):

1. Case and accents: case-folded (``ß`` -> ``ss``), accents dropped (``Agrícola`` -> ``agricola``,
   ``Muñoz`` -> ``munoz``).
2. Bracketed notes, usually an abbreviation, are set aside: ``(NCGA)``, ``[RDN]`` (an unclosed
   bracket runs to the end). :func:`org_keys` returns them as further keys.
3. An address or contact glued to the name is cut: ``c/o ...``, ``attn ...``, ``P.O. Box ...``.
4. A trade or other name is split off: ``d/b/a``, ``dba``, ``d.b.a.``, ``t/a``, ``a/k/a``,
   ``aka``, ``f/k/a``, "doing business as", "also known as", "formerly known as". The key is the
   first (legal) name; :func:`org_keys` returns every side.
5. Leading personal titles of a recruiter who is a person: ``Lic.``, ``Ing.``, ``Licda.``,
   ``Sra.`` ... always; ``Dr.``, ``Sr.``, ``Prof.``, ``C.P.`` only when written with their dot
   ("Dr Pepper Bottling" keeps its "dr"). ``Don``/``Doña`` are kept ("Doña Ana Farms").
6. Apostrophes vanish (``O'Brien`` -> ``obrien``); ``&``, ``+``, ``and`` and ``y`` are one word
   (``and``); every other punctuation mark separates words, so its place and kind do not matter
   (``Acme,Farms`` == ``Acme. Farms`` == ``ACME - FARMS /``).
7. Runs of single letters are one word: ``S. A. de C. V.`` -> ``sa de cv``, ``L.L.C.`` -> ``llc``,
   ``J R Simplot`` -> ``jr simplot``.
8. Common abbreviations are written out and the commonest plurals made singular, as the H-2
   data needs (``ASSN`` -> ``association``, ``MTN`` -> ``mountain``, ``FARMS`` -> ``farm``).
9. A leading ``the`` goes; legal-form suffixes at the end go, several if there are several
   (``S.A. de C.V.``, ``S. de R.L. de C.V.``, ``SAPI de CV``, ``S.C.``, ``A.C.``, ``Ltda``, ``Cía``,
   ``Inc``, ``Incorporated``, ``LLC``, ``LLP``, ``Ltd``, ``Co``, ``Corp``, ``Corporation``, ``Company``,
   ``PLLC``, ``PC`` ...), and so does a trailing ``and`` (``Smith & Co.`` -> ``smith``). A name that
   is nothing but a suffix keeps it (``Inc.`` -> ``inc``).

The key is lower case ASCII letters, digits and single spaces; ``org_key(org_key(x)) ==
org_key(x)``. It is a superset of the three normalisers it replaced (cases' party names,
abuse's recruiter names, visas' employer and agent names): two names one of them called the same
are the same here too (``tests/core/test_orgnames.py`` keeps their examples).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["org_key", "org_keys", "org_tokens", "strip_accents", "LEGAL_SUFFIXES"]

# Legal-form suffixes as token sequences, after step 7 ("s a de c v" is "sa de cv" by then).
LEGAL_SUFFIXES: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        {
            tuple(s.split())
            for s in (
                # Mexico, Central America, Spain
                "sa de cv", "sapi de cv", "sab de cv", "sa de rl", "s de rl de cv", "s de rl mi", "s de rl",
                "srl de cv", "spr de rl", "spr de ri", "sc de rl", "sc de cv", "s en c", "s en nc", "de cv",
                "de rl", "sa", "sc", "ac", "sas", "srl", "spr", "sapi", "sab", "ltda", "cia", "iap", "abp",
                "sociedad anonima", "sociedad civil", "asociacion civil",
                # United States, Canada, United Kingdom
                "inc", "incorporated", "llc", "lc", "llp", "lp", "lllp", "pllc", "pc", "pa", "plc", "gp",
                "ltd", "limited", "co", "company", "corp", "corporation", "esq",
            )
        },
        key=len,
        reverse=True,
    )
)

# Titles always dropped from the front of a name (unambiguous Spanish forms of address).
_TITLES = frozenset({
    "lic", "licdo", "licda", "licenciado", "licenciada", "ing", "ingeniero", "ingeniera", "dra", "sra",
    "srta", "senor", "senora", "profr", "profra", "mtro", "mtra", "arq", "doctora",
})
# Titles dropped only when written with their dot ("Dr. Pérez", not "DR PEPPER BOTTLING").
_DOT_TITLES = re.compile(r"^\s*(?:(?:dr|sr|prof|c\s*\.?\s*p)\.\s*)+")

# Written out, so that "GROWERS ASSN" == "GROWERS ASSOCIATION" and "SMITH FARMS" == "SMITH FARM".
ABBREVIATIONS = {
    "assn": "association", "assoc": "association", "assocs": "associate", "bros": "brothers",
    "intl": "international", "natl": "national", "svcs": "service", "svc": "service",
    "serv": "service", "mgmt": "management", "agri": "agricultural", "ag": "agricultural",
    "mt": "mount", "mtn": "mountain", "st": "saint", "frms": "farm", "frm": "farm", "nurs": "nursery",
    "farms": "farm", "orchards": "orchard", "ranches": "ranch", "nurseries": "nursery",
    "greenhouses": "greenhouse", "enterprises": "enterprise", "vineyards": "vineyard",
    "dairies": "dairy", "growers": "grower", "services": "service", "associates": "associate",
}
_AND = frozenset({"and", "y"})
# Token sequences that start another name of the same organisation (after step 7).
_OTHER_NAME = (
    ("doing", "business", "as"), ("also", "known", "as"), ("formerly", "known", "as"),
    ("dba",), ("aka",), ("fka",),
)
# Token sequences that start an address or contact glued to the name.
_TAIL_TOKENS = (("attn",), ("attention",), ("po", "box"), ("p", "o", "box"))

_BRACKETS = re.compile(r"\(([^)]*)\)?|\[([^\]]*)\]?|\{([^}]*)\}?")
_CARE_OF = re.compile(r"(?<![a-z0-9])c\s*/\s*o(?![a-z0-9]).*$")
# d/b/a, d.b.a., d b a, t/a, a/k/a, a.k.a., f/k/a: written with separators (the bare "dba" is a token).
_MARKER = re.compile(
    r"(?<![a-z0-9])(?:d\s*[./]\s*b\s*[./]\s*a|t\s*/\s*a|a\s*[./]\s*k\s*[./]\s*a|f\s*[./]\s*k\s*[./]\s*a)\.?(?![a-z0-9])"
)
_APOSTROPHES = re.compile(r"['`´’‘ʼ]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def strip_accents(text: str) -> str:
    """``Agrícola Muñoz`` -> ``Agricola Munoz`` (compatibility forms too: ``ﬁ`` -> ``fi``)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _join_single_letters(tokens: list[str]) -> list[str]:
    """``s a de c v`` -> ``sa de cv``: initials written apart become one word."""
    out: list[str] = []
    run = ""
    for tok in tokens:
        if len(tok) == 1 and tok.isalpha():
            run += tok
            continue
        if run:
            out.append(run)
            run = ""
        out.append(tok)
    if run:
        out.append(run)
    return out


def _tokens(text: str) -> list[str]:
    """Steps 5 (dotted titles), 6 and 7 on one name (already case-folded, accents stripped)."""
    stripped = _DOT_TITLES.sub("", text)
    if _NON_ALNUM.sub("", stripped):
        text = stripped
    text = _APOSTROPHES.sub("", text).replace("&", " and ").replace("+", " and ")
    tokens = ["and" if t in _AND else t for t in _NON_ALNUM.sub(" ", text).split()]
    return _join_single_letters(tokens)


def _find(tokens: list[str], seq: tuple[str, ...], start: int = 0) -> int:
    n = len(seq)
    for i in range(start, len(tokens) - n + 1):
        if tuple(tokens[i:i + n]) == seq:
            return i
    return -1


def _cut_tail(tokens: list[str]) -> list[str]:
    for seq in _TAIL_TOKENS:
        i = _find(tokens, seq)
        if i > 0:
            tokens = tokens[:i]
    return tokens


def _split_other_names(tokens: list[str]) -> list[list[str]]:
    parts = [tokens]
    for seq in _OTHER_NAME:
        out = []
        for part in parts:
            while (i := _find(part, seq)) >= 0:
                out.append(part[:i])
                part = part[i + len(seq):]
            out.append(part)
        parts = out
    return [p for p in parts if p]


def _finish(tokens: list[str]) -> list[str]:
    """Steps 8 and 9 on the tokens of one name."""
    tokens = [ABBREVIATIONS.get(t, t) for t in tokens]
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        if tokens[0] == "the" or tokens[0] in _TITLES:
            tokens = tokens[1:]
            changed = True
            continue
        if tokens[-1] == "and":
            tokens = tokens[:-1]
            changed = True
            continue
        for suffix in LEGAL_SUFFIXES:
            n = len(suffix)
            if len(tokens) > n and tuple(tokens[-n:]) == suffix:
                tokens = tokens[:-n]
                changed = True
                break
    return tokens


@lru_cache(maxsize=200_000)
def _names(name: str) -> tuple[tuple[str, ...], ...]:
    """Every name ``name`` gives, as finished tokens: the legal name first, then the other names
    (d/b/a ...), then the bracketed notes. Empty names are left out."""
    text = strip_accents(str(name or "").casefold())
    notes = [next(g for g in m.groups() if g is not None) for m in _BRACKETS.finditer(text)]
    without = _BRACKETS.sub(" ", text)
    if _NON_ALNUM.sub("", without):
        text = without
    else:
        text, notes = " ".join(notes), []
    cut = _CARE_OF.sub(" ", text)
    if _NON_ALNUM.sub("", cut):
        text = cut
    names: list[list[str]] = []
    for raw in _MARKER.split(text):
        names.extend(_split_other_names(_cut_tail(_tokens(raw))))
    if not names:  # only markers and punctuation: "d/b/a", "---"
        names = [t] if (t := _tokens(text)) else []
    for note in notes:
        names.extend(_split_other_names(_tokens(note)))
    out: list[tuple[str, ...]] = []
    for tokens in names:
        finished = tuple(_finish(tokens))
        if finished and finished not in out:
            out.append(finished)
    return tuple(out)


def org_tokens(name: str) -> list[str]:
    """The words of :func:`org_key` (the legal name's)."""
    names = _names(name)
    return list(names[0]) if names else []


def org_key(name: str) -> str:
    """The comparison key of an organisation's (legal) name; see the module docstring. Two names
    with the same key are the same organisation; "" only for a name with no letter or digit."""
    return " ".join(org_tokens(name))


def org_keys(name: str) -> list[str]:
    """Every key the name gives, :func:`org_key` first: the legal name, each other name
    (``d/b/a``, ``a/k/a`` ...) and each bracketed note (``(NCGA)``), without repeats."""
    return [" ".join(tokens) for tokens in _names(name)]
