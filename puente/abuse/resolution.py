"""Recruiter name resolution: "Reclutadora del Norte, S.A. de C.V.", "RECLUTADORA DEL NORTE" and
"Lic. Reclutadora del Norte" are one recruiter.

1. ``normalise``: the network's one organisation-name key (``puente.core.orgnames.org_key``:
   accents, case, punctuation, legal suffixes such as S.A. de C.V. and titles such as Lic.
   removed). Two names with the same key are the same recruiter.
2. ``blocking_keys``: cheap keys (a sound-alike code of each distinctive word, each phone) so
   that only recruiters sharing one are compared, not every pair.
3. ``score_pair``: rapidfuzz similarity of the best pair of names (name and aliases), raised
   when the two share a phone. ``CERTAIN`` and above is merged automatically; between
   ``REVIEW`` and ``CERTAIN`` a Coordinator decides (``MergeCandidate``).

The functions here only read; merging is ``actions.do_merge_recruiters``.
"""

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from puente.core.orgnames import org_key

from .models import Recruiter, RecruiterAlias, RecruiterPhone

CERTAIN = 97.0
REVIEW = 80.0
# A shared phone makes a close name certain.
PHONE_CERTAIN_NAME_SCORE = 85.0
# Blocking keys shared by more recruiters than this are skipped.
MAX_BUCKET = 300
# Two words are "the same word" from this rapidfuzz ratio on (sound-folded forms).
WORD_MATCH = 75.0

# Words too common among recruiters' names to block on.
GENERIC = {
    "de", "del", "la", "las", "los", "el", "y", "e", "and", "the", "reclutadora", "reclutamiento", "agencia",
    "servicios", "grupo", "empresa", "internacional", "international", "trabajo", "recursos", "humanos",
    "laboral", "laborales", "agricola", "agricolas", "consultores", "consultoria", "mexico", "guatemala",
    "honduras", "nicaragua", "salvador", "recruiting", "recruitment", "services", "service", "agency", "labor",
}


def normalise(name: str) -> str:
    """The comparison key of a recruiter's or employer's name: the network's one organisation-name
    key (``puente.core.orgnames.org_key``: accents, case, punctuation, legal suffixes such as
    S.A. de C.V., titles such as Lic., "&"/"y"/"and")."""
    return org_key(name or "")


@functools.lru_cache(maxsize=65536)
def sound_fold(word: str) -> str:
    """Spanish sound-alikes written the same: b/v, s/z/c(e,i), ll/y, silent h, j/g(e,i), qu/k/c."""
    w = word
    w = re.sub(r"ch", "x", w)  # keep ch apart from c before folding
    w = re.sub(r"c(?=[ei])", "s", w)
    w = re.sub(r"g(?=[ei])", "j", w)
    w = w.replace("qu", "k").replace("c", "k").replace("z", "s").replace("v", "b").replace("ll", "y")
    w = w.replace("w", "u").replace("ñ", "n")
    w = re.sub(r"h", "", w)
    w = re.sub(r"(.)\1+", r"\1", w)
    return w.replace("x", "ch")


def blocking_keys(keys: list[str], phones: list[str]) -> set[str]:
    """Keys two recruiters must share to be compared, from their normalised names: each pair of
    distinctive words (sound-folded, first four letters), a lone distinctive word, the whole key
    when nothing is distinctive, and each phone. Pairs of words keep the buckets small where
    single common surnames would not."""
    out: set[str] = set()
    for key in keys:
        words = sorted({sound_fold(t)[:4] for t in key.split() if t not in GENERIC and len(t) >= 3})
        if len(words) >= 2:
            for i, a in enumerate(words):
                for b in words[i + 1:]:
                    out.add(f"pp:{a}|{b}")
        elif words:
            out.add("w:" + words[0])
        elif key:
            out.add("n:" + key)
    for phone in phones:
        out.add("p:" + phone)
    return out


def normalise_phone(raw: str, country: str = "") -> str:
    """E.164 form of a phone number written any way; the country helps with local numbers."""
    raw = (raw or "").strip()
    if not raw:
        raise ValidationError(_("Enter a phone number."))
    try:
        parsed = phonenumbers.parse(raw, (country or "MX").upper())
    except phonenumbers.NumberParseException:
        raise ValidationError(_("“%(raw)s” is not a phone number.") % {"raw": raw}) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("“%(raw)s” is not a valid phone number.") % {"raw": raw})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@dataclass
class Profile:
    """What resolution knows of one recruiter: its names' keys (and their sound-folded forms,
    computed once), its phones."""

    id: int
    names: list[str]
    phones: list[str]
    keys: list[str] = field(default_factory=list)  # given when already stored (name_key columns)
    folded: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.keys = sorted(set(self.keys) - {""}) if self.keys else sorted({k for k in map(normalise, self.names) if k})
        self.folded = [" ".join(map(sound_fold, k.split())) for k in self.keys]


def _all_words_matched(a: str, b: str) -> bool:
    """Every word of the shorter name has a close counterpart in the other: "jose perez" and
    "jose peres gomez" may be one person, "jose perez gomez" and "juan perez gomez" are not."""
    wa, wb = a.split(), b.split()
    short, other = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    return all(max((fuzz.ratio(w, o) for o in other), default=0) >= WORD_MATCH for w in short)


def name_score(ka: str, fa: str, kb: str, fb: str) -> float:
    """Similarity of two normalised names (with their folded forms)."""
    if ka == kb:
        return 100.0
    if not _all_words_matched(fa, fb):
        return 0.0
    # Only the same key is certain: even the same words in another order ("Ana Ortiz Gómez" /
    # "Ana Gómez Ortiz") may be two people, so at most they are asked about.
    return min(CERTAIN - 1, max(
        fuzz.token_sort_ratio(ka, kb),
        # Sound-alike spellings (Peres/Pérez, Bázquez/Vázquez) count almost as the same.
        fuzz.token_sort_ratio(fa, fb) - 4,
        # One name inside the other ("Reclutadora del Norte" / "... del Norte de Sinaloa"): ask.
        fuzz.token_set_ratio(fa, fb) - 10,
    ))


def score_pair(a: Profile, b: Profile) -> tuple[float, list[str]]:
    """Similarity 0-100 of two recruiters, and why."""
    reasons: list[str] = []
    best = 0.0
    best_pair = ("", "")
    for ka, fa in zip(a.keys, a.folded, strict=True):
        for kb, fb in zip(b.keys, b.folded, strict=True):
            s = name_score(ka, fa, kb, fb)
            if s > best:
                best, best_pair = s, (ka, kb)
    if best == 100.0:
        reasons.append(_("same name once normalised: “%(key)s”") % {"key": best_pair[0]})
    elif best:
        reasons.append(_("similar names: “%(a)s” / “%(b)s”") % {"a": best_pair[0], "b": best_pair[1]})
    shared = sorted(set(a.phones) & set(b.phones))
    if shared:
        reasons.append(_("same phone %(phone)s") % {"phone": ", ".join(shared)})
        if best >= PHONE_CERTAIN_NAME_SCORE:
            best = max(best, CERTAIN)
        else:
            best = min(best + 10, CERTAIN - 0.01)
    return round(best, 2), reasons


def candidate_pairs(profiles: list[Profile], only: set[int] | None = None):
    """Yield (a, b, score, reasons) for every pair sharing a blocking key and scoring at least
    ``REVIEW``; with ``only``, just the pairs involving those recruiters."""
    index: dict[str, list[Profile]] = defaultdict(list)
    for p in profiles:
        for key in blocking_keys(p.keys, p.phones):
            index[key].append(p)
    seen: set[tuple[int, int]] = set()
    for key, bucket in index.items():
        if len(bucket) > MAX_BUCKET and not key.startswith("p:"):
            continue  # a key this common tells nothing
        if only is not None and not any(p.id in only for p in bucket):
            continue
        for i, a in enumerate(bucket):
            for b in bucket[i + 1:]:
                pair = (min(a.id, b.id), max(a.id, b.id))
                if pair in seen or a.id == b.id:
                    continue
                if only is not None and a.id not in only and b.id not in only:
                    continue
                seen.add(pair)
                score, reasons = score_pair(a, b)
                if score >= REVIEW:
                    first, second = (a, b) if a.id < b.id else (b, a)
                    yield first, second, score, reasons


def profiles(queryset=None) -> list[Profile]:
    """Profiles of the active recruiters (or of ``queryset``), in three queries."""
    qs = queryset if queryset is not None else Recruiter.active.all()
    rows = list(qs.values_list("id", "name", "name_key"))
    ids = [r[0] for r in rows]
    names: dict[int, list[str]] = {i: [n] for i, n, _k in rows}
    keys: dict[int, list[str]] = {i: [k] for i, _n, k in rows}
    phones: dict[int, list[str]] = defaultdict(list)
    aliases = RecruiterAlias.objects.filter(recruiter_id__in=ids).values_list("recruiter_id", "name", "name_key")
    for rid, name, key in aliases:
        names[rid].append(name)
        keys[rid].append(key)
    for rid, number in RecruiterPhone.objects.filter(recruiter_id__in=ids).values_list("recruiter_id", "number"):
        phones[rid].append(number)
    # The stored keys spare normalising every name again on each report filed.
    return [Profile(id=i, names=names[i], phones=phones[i], keys=keys[i]) for i in ids]


def resolve_name(name: str):
    """The active recruiter this name is (by its own name or an alias), or None."""
    key = normalise(name)
    if not key:
        return None
    found = Recruiter.active.filter(name_key=key).order_by("pk").first()
    if found is None:
        found = (
            Recruiter.objects.filter(aliases__name_key=key).order_by("pk").first()
            or Recruiter.objects.filter(name_key=key).order_by("pk").first()
        )
    # A merged recruiter answers with the one it was merged into.
    hops = 0
    while found is not None and found.merged_into_id and hops < 50:
        found = found.merged_into
        hops += 1
    return found
