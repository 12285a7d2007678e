"""Spanish-name normalisation: what lets a badly written name still find the person.

Everything here works on plain strings and needs no database, so that the interactive search, the
batch commands, the Splink linkage and the benchmarks all normalise names the same way.

- ``fold``: lower case, accents and ñ removed, punctuation to spaces ("NÚÑEZ-Peña" -> "nunez pena").
- ``given_tokens`` / ``surname_tokens``: the words of a name, particles (de, del, de la, de los,
  y) dropped and San/Santa fused to the next word ("de la Cruz" -> ["cruz"], "San Martín" ->
  ["sanmartin"]), hyphenated surnames split ("HERNANDEZ-LOPEZ" -> ["hernandez", "lopez"]).
- ``split_surnames``: a whole surname string into first surname, second surname and a married
  surname ("López de García" -> ("lopez", "", "garcia")).
- ``phonetic``: a Spanish phonetic key (see its docstring for the rules).
- ``NICKNAMES``: the nickname table (``data/nicknames.csv``), as phonetic codes, so that "Pepe"
  finds "José" and "Beto" finds both "Roberto" and "Alberto".
"""

import csv
import functools
import re
import unicodedata
from pathlib import Path

NICKNAMES_CSV = Path(__file__).parent / "data" / "nicknames.csv"

# Words that join the parts of a Spanish surname or name and carry no identity of their own.
PARTICLES = frozenset({"de", "del", "la", "las", "los", "lo", "y", "e", "da", "van", "von", "mc"})
# Words that begin a compound surname and are fused with the next word: "San Martín" -> "sanmartin".
FUSING = frozenset({"san", "santa", "santo"})
# Abbreviations common in records.
ABBREVIATIONS = {"ma": "maria", "fco": "francisco", "gpe": "guadalupe", "jesus": "jesus"}

_NON_LETTER = re.compile(r"[^a-z]+")
# Particles written fused with the surname they belong to ("DELAGARZA", "Dejesús", "DELAO"):
# "dela", "delas", "delos" are always split off; "del" and "de" only before a word known to follow
# them in surnames (so "Delgado", "Deras" and "Delia" stay whole).
_FUSED_ALWAYS = re.compile(r"^(delos|delas|dela)([a-z]+)$")
AFTER_DEL = frozenset({
    "valle", "rio", "castillo", "toro", "campo", "angel", "carmen", "real", "olmo", "moral", "pino", "razo",
    "rosario", "rincon", "villar", "aguila", "monte", "cid", "hoyo", "pozo", "prado", "mazo", "bosque", "cueto",
    "arco", "barrio", "pilar", "socorro", "refugio", "mar", "sol", "cerro", "llano", "pinal",
})  # fmt: skip
AFTER_DE = frozenset({
    "jesus", "leon", "dios", "haro", "anda", "alba", "avila", "luna", "oca", "paz", "santiago", "lucio", "lira",
    "lara", "loera", "leija", "lima", "gracia", "hoyos", "ita", "armas", "aquino", "paula", "rosas", "santos",
    "guadalupe", "lourdes", "sales", "aza", "icaza", "tomas", "loza", "lopez", "mesa", "vega", "silva",
})  # fmt: skip


@functools.lru_cache(maxsize=262144)
def fold(text: str) -> str:
    """Lower case, without accents, ñ as n, every non-letter a single space."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text).lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_LETTER.sub(" ", stripped).strip()


def _unfuse(word: str) -> list[str]:
    m = _FUSED_ALWAYS.match(word)
    if m:
        return ["de", m.group(1)[2:], m.group(2)]
    if word.startswith("del") and word[3:] in AFTER_DEL:
        return ["del", word[3:]]
    if word.startswith("de") and word[2:] in AFTER_DE:
        return ["de", word[2:]]
    return [word]


def _words(text: str) -> list[str]:
    return [ABBREVIATIONS.get(p, p) for w in fold(text).split() for p in _unfuse(w)]


def _fuse(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in FUSING and i + 1 < len(words):
            # "San Martin", "Santa Cruz", "San Juan de Dios": fuse with the next non-particle word.
            j = i + 1
            while j < len(words) and words[j] in PARTICLES:
                j += 1
            if j < len(words):
                out.append(w + words[j])
                i = j + 1
                continue
        if w not in PARTICLES:
            out.append(w)
        i += 1
    return out


def given_tokens(text: str) -> list[str]:
    """The given names as folded words ("María de los Ángeles" -> ["maria", "angeles"])."""
    return _fuse(_words(text))


def surname_tokens(text: str) -> list[str]:
    """The surname words, particles dropped, San/Santa fused ("de la Cruz" -> ["cruz"])."""
    return _fuse(_words(text))


def split_surnames(text: str) -> tuple[str, str, str]:
    """Split a whole surname string into (first, second, married), each folded.

    "Hernández López" -> ("hernandez", "lopez", ""); "López de García" -> ("lopez", "", "garcia")
    (a married woman's form: "de" followed by a surname after a surname); "de la Cruz Pérez" ->
    ("cruz", "perez", ""); "López García de Pérez" -> ("lopez", "garcia", "perez").
    """
    words = _words(text)
    married = ""
    # "X de Y" where X is a surname (not a particle) and Y one more surname word ends the string.
    for i in range(1, len(words) - 1):
        if words[i] == "de" and words[i - 1] not in PARTICLES and words[i + 1] not in PARTICLES:
            rest = _fuse(words[i + 1 :])
            if len(rest) == 1:
                married = rest[0]
                words = words[:i]
                break
    parts = _fuse(words)
    first = parts[0] if parts else ""
    second = " ".join(parts[1:]) if len(parts) > 1 else ""
    return first, second, married


@functools.lru_cache(maxsize=262144)
def phonetic(word: str) -> str:
    """A Spanish phonetic key for one word: letters that sound alike become one letter.

    Applied in order, on the folded word (no accents; ñ is already n):
      1. ll -> y; ch -> c-cedilla-like marker "C"; sh -> j (Mayan spellings: Xol/Shol).
      2. qu(e,i) -> k; gu(e,i) -> g (hard); c(e,i) -> s; c otherwise -> k; k, q -> k; z -> s.
      3. g(e,i) -> j; x -> j (México/Méjico, Ximénez/Jiménez); tz -> s (Tzoc/Zoc).
      4. h is silent and dropped (Hernández/Ernández); v -> b; w -> u; y -> i (Ruiz/Ruyz,
         and ll/y via step 1); mb/mp -> nb/np.
      5. double letters collapse (rr -> r, ss -> s).
    The result keeps the vowels (Spanish vowels are stable); typos are left to the fuzzy scoring.
    """
    w = fold(word).replace(" ", "")
    if not w:
        return ""
    w = w.replace("ll", "y").replace("ch", "C").replace("sh", "j")
    w = re.sub(r"qu(?=[ei])", "k", w)
    w = re.sub(r"gu(?=[ei])", "G", w)  # hard g, kept apart from the g(e,i) -> j rule below
    w = w.replace("q", "k")
    w = re.sub(r"c(?=[ei])", "s", w)
    w = w.replace("c", "k").replace("z", "s")
    w = re.sub(r"g(?=[ei])", "j", w)
    w = w.replace("x", "j").replace("ts", "s").replace("tj", "j")
    w = w.replace("h", "").replace("v", "b").replace("w", "u").replace("y", "i")
    w = w.replace("mb", "nb").replace("mp", "np")
    w = re.sub(r"(.)\1+", r"\1", w)
    return w.replace("C", "ch").replace("G", "g")


@functools.cache
def _nickname_tables() -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    """(code -> codes of the formal names it stands for, formal code -> display name)."""
    canon: dict[str, set[str]] = {}
    display: dict[str, str] = {}
    with NICKNAMES_CSV.open(encoding="utf-8") as fh:
        rows = [line for line in fh if line.strip() and not line.lstrip().startswith("#")]
    for row in csv.DictReader(rows):
        formal, nick = row["name"].strip(), row["nickname"].strip()
        fc, nc = phonetic(formal), phonetic(nick)
        if not fc or not nc:
            continue
        display.setdefault(fc, formal)
        display.setdefault(nc, nick)
        canon.setdefault(nc, set()).add(fc)
    return {k: frozenset(v) for k, v in canon.items()}, display


def canonical_codes(code: str) -> frozenset[str]:
    """The codes of the formal names a (nick)name code stands for: "pepe" -> {"jose"}."""
    return _nickname_tables()[0].get(code, frozenset())


def display_name(code: str) -> str:
    """The table's spelling of a formal or nickname code, for explanations ("José")."""
    return _nickname_tables()[1].get(code, code)


def nickname_match(a: str, b: str) -> str | None:
    """If codes a and b name the same person by the nickname table, the formal code; else None."""
    if a == b:
        return None
    common = (canonical_codes(a) | {a}) & (canonical_codes(b) | {b})
    return sorted(common)[0] if common else None


def name_codes(text: str, surname: bool = False) -> list[str]:
    """Phonetic codes of each word of a name."""
    words = surname_tokens(text) if surname else given_tokens(text)
    return [c for c in (phonetic(w) for w in words) if c]


def surname_code(text: str) -> str:
    """One code for a whole surname field ("de la Cruz" -> "krus", "San Martín" -> "sanmartin")."""
    return "".join(name_codes(text, surname=True))
