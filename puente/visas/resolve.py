"""Employer and agent resolution across rows and years, with Splink (DuckDB backend).

Two stages:

1. Deterministic (at import): every distinct name as filed gets a normalised key
   (``normalise.name_key``: case, accents, punctuation, Inc./LLC/Co. variants, bracketed
   abbreviations, "DBA" trade names, addresses). Names with the same key in the same state are one
   employer; names with the same key are one agent. "NORTH CAROLINA GROWERS ASSOCIATION, INC." and
   "... INC. (NCGA)" meet here, and so do "FARM LABOR SERVICES INC" and "Farm Labor Svcs., Inc.".
2. Probabilistic (``resolve``): Splink compares the records that share a blocking key and scores
   each pair with a Fellegi-Sunter model; one function (``score_pairs``) does it for both kinds,
   each with its own ``Linkage`` (columns, derived columns, settings), and one function
   (``_decide``) turns the scores into merges and review items. Employers are compared on key,
   state, city and the numbers in the name; agents on their name stripped of the words every law
   firm has ("Law Office(s) of", "Attorney at Law", "PLLC" ...), the employers they filed for and
   those employers' states (agents have no address in the files).
   The models' m and u probabilities are fixed below rather than trained by EM: the set of distinct
   records is small and changes with every import, and a fixed, documented model gives the same
   answer every time. Pairs at or above ``AUTO_MERGE`` are merged; pairs between ``REVIEW`` and
   ``AUTO_MERGE`` go to the Coordinators' review list. Pairs a Coordinator rejected, and merges
   that were undone, are never proposed again.
"""

import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

from django.db.models import Count

from . import normalise
from .models import Agent, AgentMerge, AgentMergeReview, Employer, EmployerMerge, EmployerName, MergeReview, VisaCase

AUTO_MERGE = 0.95
REVIEW = 0.30
PRIOR = 1e-3  # probability that two records compared at random are the same
AGENT_ROUNDS = 5

log = logging.getLogger(__name__)


def _level(creator, m, u):
    return creator.configure(m_probability=m, u_probability=u)


def _marks_comparison():
    import splink.comparison_level_library as cll

    # Numbers in a name tell branches apart: "STAR NURSERY II" is not "STAR NURSERY III",
    # "TAQUERIA GUADALAJARA 5" is not "... 1". Different numbers weigh strongly against a match.
    return {
        "output_column_name": "marks",
        "comparison_levels": [
            cll.NullLevel("marks"),
            _level(cll.ExactMatchLevel("marks"), 0.95, 0.30),
            _level(cll.ElseLevel(), 0.05, 0.70),
        ],
    }


def _settings(comparisons, blocking_rules):
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=PRIOR,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking_rules,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def _employer_settings():
    import splink.comparison_level_library as cll
    from splink import block_on

    key = {
        "output_column_name": "key",
        "comparison_levels": [
            cll.NullLevel("key"),
            _level(cll.ExactMatchLevel("key"), 0.80, 0.0005),
            _level(cll.JaroWinklerLevel("key", 0.97), 0.12, 0.0004),
            _level(cll.JaroWinklerLevel("key", 0.92), 0.05, 0.0015),
            _level(cll.JaroWinklerLevel("key", 0.88), 0.02, 0.01),
            _level(cll.ElseLevel(), 0.01, 0.988),
        ],
    }
    state = {
        "output_column_name": "state",
        "comparison_levels": [
            cll.NullLevel("state"),
            _level(cll.ExactMatchLevel("state"), 0.90, 0.10),
            _level(cll.ElseLevel(), 0.10, 0.90),
        ],
    }
    city = {
        "output_column_name": "city",
        "comparison_levels": [
            cll.NullLevel("city"),
            _level(cll.ExactMatchLevel("city"), 0.80, 0.05),
            _level(cll.JaroWinklerLevel("city", 0.90), 0.10, 0.02),
            _level(cll.ElseLevel(), 0.10, 0.93),
        ],
    }
    return _settings([key, state, city, _marks_comparison()], [block_on("key"), block_on("state", "prefix")])


def _derive_employer(frame):
    frame["marks"] = [marks_of(k) or None for k in frame["key"]]
    frame["prefix"] = [k[:6] if k else None for k in frame["key"]]


# Words that nearly every law firm's or agent's name has, or that only say what the filer is:
# "LAW OFFICES OF JOHN SMITH", "JOHN SMITH ATTORNEY AT LAW" and "SMITH, JOHN, PLLC" are compared
# on "JOHN SMITH". Titles ("EXEC DIRECTOR") ride along with a person's name in some years.
AGENT_GENERIC_WORDS = frozenset({
    "LAW", "LAWS", "LAWFIRM", "LAWGROUP", "FIRM", "OFFICE", "OFFICES", "GROUP", "CENTER", "CENTERS",
    "ATTORNEY", "ATTORNEYS", "ATTY", "ATTYS", "COUNSELOR", "COUNSELORS", "COUNSEL", "LEGAL", "AT", "OF",
    "THE", "AND", "ESQ", "ESQUIRE", "IMMIGRATION", "PC", "PA", "PL", "PS", "APC", "PLLC", "PLC", "LLC",
    "LLP", "LC", "LP", "INC", "CO", "CORP", "LTD", "EXEC", "EXECUTIVE", "DIRECTOR", "PRESIDENT", "VP",
})


def agent_core(key):
    """An agent's normalised name without the generic words: the words that tell agents apart.
    "LAW OFFICES OF MARGARET W PASCUAL" -> "MARGARET W PASCUAL"."""
    return " ".join(t for t in (key or "").split() if t not in AGENT_GENERIC_WORDS)


def _agent_settings():
    import splink.comparison_level_library as cll
    from splink import block_on

    name = {
        "output_column_name": "name",
        "comparison_levels": [
            cll.NullLevel("core"),
            # The same distinctive words, more than one of them: "JOHN SMITH" is strong evidence,
            # "SMITH" alone (SMITH LAW FIRM, SMITH LAW OFFICE) much less.
            _level(cll.CustomLevel("core_l = core_r AND contains(core_l, ' ')", "Core exact, 2+ words"), 0.50, 0.00001),
            _level(cll.CustomLevel("core_l = core_r", "Core exact, one word"), 0.08, 0.0003),
            _level(cll.ExactMatchLevel("sorted"), 0.05, 0.00001),  # "SMITH JOHN" = "JOHN SMITH"
            _level(cll.JaroWinklerLevel("core", 0.95), 0.14, 0.0003),
            _level(cll.JaroWinklerLevel("core", 0.90), 0.07, 0.002),
            # One name's words within the other's: "JAMES ALCALA" / "ALCALA"; but also
            # "FARM LABOR SERVICE" / "ALLEMAN FARM LABOR SERVICE": weak alone.
            _level(cll.ArraySubsetLevel("tokens"), 0.06, 0.003),
            _level(cll.ArrayIntersectLevel("tokens", 1), 0.05, 0.02),
            _level(cll.ElseLevel(), 0.05, 0.97469),
        ],
    }
    # The same employers, year after year, is what an agent's spelling variants have in common
    # most; two different agents rarely file for the same employer.
    employers = {
        "output_column_name": "employers",
        "comparison_levels": [
            cll.NullLevel("employers"),
            _level(cll.ArrayIntersectLevel("employers", 2), 0.35, 0.0002),
            _level(cll.ArrayIntersectLevel("employers", 1), 0.25, 0.002),
            _level(cll.ElseLevel(), 0.40, 0.9978),
        ],
    }
    states = {
        "output_column_name": "states",
        "comparison_levels": [
            cll.NullLevel("states"),
            _level(cll.ArrayIntersectLevel("states", 1), 0.92, 0.35),
            _level(cll.ElseLevel(), 0.08, 0.65),
        ],
    }
    return _settings([name, employers, states, _marks_comparison()], [
        block_on("core"), block_on("sorted"), block_on("prefix"), block_on("last"),
        block_on("employer", arrays_to_explode=["employers"]),
    ])


def _derive_agent(frame):
    frame["core"] = [agent_core(k) or None for k in frame["key"]]
    frame["tokens"] = [sorted(set(c.split())) if c else None for c in frame["core"]]
    frame["sorted"] = [" ".join(t) if t else None for t in frame["tokens"]]
    frame["prefix"] = [c[:6] if c else None for c in frame["core"]]
    frame["last"] = [c.split()[-1] if c else None for c in frame["core"]]
    frame["marks"] = [marks_of(k) or None for k in frame["key"]]
    frame["employer"] = frame["employers"]  # exploded for blocking only


@dataclass(frozen=True)
class Linkage:
    """What one kind of record is compared on: the columns of its records, the columns derived
    from them, and the Splink settings (comparisons and blocking rules)."""

    columns: tuple
    derive: Callable
    settings: Callable


EMPLOYERS = Linkage(("unique_id", "key", "state", "city"), _derive_employer, _employer_settings)
AGENTS = Linkage(("unique_id", "key", "employers", "states"), _derive_agent, _agent_settings)


_MARK = re.compile(r"^(?:\d+|I{1,3}|IV|V|VI{1,3}|IX|X)$")


def marks_of(key):
    """The numbers (arabic or roman) in a normalised name, as one string: "STAR NURSERY II" -> "II"."""
    return " ".join(t for t in (key or "").split() if _MARK.match(t))


def _blank_to_none(value):
    return None if value in ("", []) else value


def score_pairs(records, linkage=EMPLOYERS):
    """Splink's pairwise match probabilities for ``records`` (dicts with ``linkage.columns``;
    employers by default: unique_id, key, state, city). Returns [(id_l, id_r, probability)] for
    pairs at or above ``REVIEW``."""
    if len(records) < 2:
        return []
    import pandas as pd
    from splink import DuckDBAPI, Linker

    frame = pd.DataFrame.from_records(records, columns=list(linkage.columns))
    for column in linkage.columns[1:]:
        frame[column] = [_blank_to_none(v) for v in frame[column]]
    linkage.derive(frame)
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), linkage.settings(), log_level=logging.WARNING)
    predictions = linker.inference.predict(threshold_match_probability=REVIEW, warning_mode="never")
    result = predictions.as_pandas_dataframe()
    # Rounded: the last bits of a float must not decide the order in which pairs are merged.
    return [(int(r.unique_id_l), int(r.unique_id_r), round(float(r.match_probability), 9))
            for r in result.itertuples(index=False)]


def _decide(pairs, refused, sizes, stable, merge, queue):
    """Turn scored pairs into merges and review items, surest first. ``merge(into, gone, p)``
    merges (the record with more rows survives, so that its page address stays the same);
    ``queue(a, b, p)`` lists an uncertain pair and says whether it was new. Pairs in ``refused``
    (frozensets) are skipped. Returns (merged, queued).

    Deterministic whatever the order the files were imported in (ids depend on it): pairs of equal
    probability are taken in the order of ``stable(id)`` (the record's normalised key and state),
    and of two records with as many rows the one first in that order survives."""
    merged = review = 0
    parent: dict[int, int] = {}

    def find(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    def order(pair):
        left, right, probability = pair
        return (-probability, *sorted((stable(left), stable(right))))

    for left, right, probability in sorted(pairs, key=order):
        if frozenset((left, right)) in refused:
            continue
        if probability >= AUTO_MERGE:
            a, b = find(left), find(right)
            if a == b:
                continue
            into, gone = (a, b) if (-sizes.get(a, 0), stable(a)) <= (-sizes.get(b, 0), stable(b)) else (b, a)
            merge(into, gone, probability)
            parent[gone] = into
            sizes[into] = sizes.get(into, 0) + sizes.get(gone, 0)
            merged += 1
        else:
            a, b = sorted((find(left), find(right)), key=stable)
            if a != b and queue(a, b, probability):
                review += 1
    return merged, review


def _refused(review_model, merge_model):
    """Pairs never to propose again: rejected by a Coordinator, or merged and undone."""
    refused = {frozenset(p) for p in review_model.objects.filter(
        state=review_model.State.REJECTED).values_list("left_id", "right_id")}
    refused |= {frozenset(p) for p in merge_model.objects.filter(
        undone_at__isnull=False).values_list("into_id", "merged_id")}
    return refused


def _queue(review_model):
    def queue(a, b, probability, evidence=""):
        if review_model.objects.filter(left_id__in=(a, b), right_id__in=(a, b)).exists():
            return False
        extra = {"evidence": evidence[:500]} if evidence else {}
        review_model.objects.create(left_id=a, right_id=b, probability=probability, **extra)
        return True
    return queue


# --- acronyms -----------------------------------------------------------------------------------

# Words an acronym skips ("North Carolina Growers Association" -> NCGA, not NCGOA).
ACRONYM_SKIPS = frozenset({"OF", "AND", "THE", "FOR", "DE", "LA", "Y"})
ACRONYM_LENGTH = (3, 8)


def acronym_of(acronym: str, key: str) -> bool:
    """Whether ``acronym`` is made of the first letter(s) of each word of ``key``, in order, every
    word contributing at least its first letter ("NCGA": NORTH CAROLINA GROWER ASSOCIATION;
    "WAFLA": WASHINGTON FARM LABOR ASSOCIATION, two letters of the first word)."""
    words = [w for w in key.split() if w not in ACRONYM_SKIPS and w.isalpha()]
    if len(words) < 2 or not (len(words) <= len(acronym) <= 2 * len(words)):
        return False

    def match(i: int, j: int) -> bool:  # acronym[i:] against words[j:]
        if j == len(words):
            return i == len(acronym)
        word = words[j]
        for take in range(1, min(len(word), len(acronym) - i) + 1):
            if word[:take] != acronym[i:i + take]:
                break
            if match(i + take, j + 1):
                return True
        return False

    return match(0, 0)


def _is_abbreviation(word: str) -> bool:
    return word.isalpha() and " " not in word and ACRONYM_LENGTH[0] <= len(word) <= ACRONYM_LENGTH[1]


def acronym_candidates(active, agents_of, notes_of=None, sizes=None):
    """(employer merged, employer kept, evidence) for the employers one filer's abbreviation keeps
    apart, in the same state, when the place and the agent agree:

    - an employer filed under an acronym ("NCGA, INC." -> key "NCGA") and the employer whose name it
      stands for: its initials (NCGA, WAFLA = WAshington Farm Labor Association) or a bracketed note
      of one of its names as filed ("... INC. (NCGA)");
    - two employers whose names carry the same bracketed abbreviation ("NORTH CAROLINA GROWERS
      (NCGA) ..." and "NORTH CAROLINA GROWERS ASSOCIATION, INC. (NCGA)"): the one with more rows stays.

    The agent agrees when the two have an agent in common, or, in the same city, when one of them
    files without any agent. ``active``: dicts with pk, key, state, city; ``agents_of``: employer
    id -> set of agent keys; ``notes_of``: employer id -> the bracketed notes of its names;
    ``sizes``: employer id -> rows."""
    notes_of = notes_of or {}
    sizes = sizes or {}
    by_state = defaultdict(list)
    for e in active:
        by_state[e["state"]].append(e)

    def agree(a, b):
        common = sorted(agents_of.get(a["pk"], set()) & agents_of.get(b["pk"], set()))
        same_city = bool(a["city"]) and a["city"].upper() == (b["city"] or "").upper()
        place = f"same state {a['state']}" + (f" and city {b['city']}" if same_city else "")
        if common:
            return f"{place}; agent in common: {', '.join(common[:3])}"
        with_agent = [bool(agents_of.get(x["pk"])) for x in (a, b)]
        if same_city and not all(with_agent):
            return f"{place}; no agent on {'one side' if any(with_agent) else 'either side'}"
        return None

    found, taken = [], set()
    for e in sorted(active, key=lambda e: (e["key"] or "", e["state"], e["city"] or "")):
        key = e["key"] or ""
        if not _is_abbreviation(key):
            continue
        fulls = [f for f in by_state[e["state"]] if f["pk"] != e["pk"] and " " in (f["key"] or "")
                 and (key in notes_of.get(f["pk"], ()) or acronym_of(key, f["key"] or ""))]
        for full in sorted(fulls, key=lambda f: (-sizes.get(f["pk"], 0), f["key"], f["city"] or "")):
            why = agree(e, full)
            if not why:
                continue
            how = ("in brackets in a name of" if key in notes_of.get(full["pk"], ()) else "the initials of")
            found.append((e["pk"], full["pk"], f"{key} is {how} {full['key']}; {why}"))
            taken.add(e["pk"])
            break
    by_note = defaultdict(list)
    for f in active:
        if " " in (f["key"] or "") and f["pk"] not in taken:
            for note in notes_of.get(f["pk"], ()):
                if _is_abbreviation(note):
                    by_note[(f["state"], note)].append(f)
    for (_state, note), group in sorted(by_note.items()):
        group = sorted(group, key=lambda f: (-sizes.get(f["pk"], 0), f["key"], f["city"] or ""))
        head = group[0]
        for other in group[1:]:
            if other["pk"] in taken or head["pk"] in taken or other["pk"] == head["pk"]:
                continue
            why = agree(other, head)
            if why:
                evidence = f"both filed as ({note}): {other['key']} and {head['key']}; {why}"
                found.append((other["pk"], head["pk"], evidence))
                taken.add(other["pk"])
    return found


def resolve_employers(merge):
    """Score every active employer against the others; merge the certain pairs, queue the uncertain.
    ``merge(into, gone, probability, evidence="")`` merges two employers (an action)."""
    active = list(Employer.objects.filter(merged_into__isnull=True).values("pk", "key", "state", "city", "name"))
    stable_keys = {e["pk"]: (e["key"], e["state"]) for e in active}
    records = [{"unique_id": e["pk"], "key": e["key"], "state": e["state"], "city": (e["city"] or "").upper()}
               for e in active if e["key"]]
    pairs = score_pairs(records, EMPLOYERS)
    sizes = dict(Employer.objects.filter(merged_into__isnull=True).values_list("pk", "row_count"))
    merged, review = _decide(
        pairs, _refused(MergeReview, EmployerMerge), sizes, lambda pk: stable_keys.get(pk, ("", "")),
        lambda into, gone, p: merge(into, gone, p), _queue(MergeReview))
    merged += _merge_acronyms(merge)
    return {"employers": len(records), "merged": merged, "review": review}


def _merge_acronyms(merge):
    """Employers filed under an acronym merge into the employer whose name it stands for, when the
    state and an agent agree; the evidence is kept on the merge (shown on the review page)."""
    active = list(Employer.objects.filter(merged_into__isnull=True).values(
        "pk", "key", "state", "city", "name", "row_count"))
    sizes = {e["pk"]: e["row_count"] for e in active}
    agents_of = defaultdict(set)
    for employer_id, agent in (VisaCase.objects.filter(employer__merged_into__isnull=True).exclude(agent__isnull=True)
                               .values_list("employer_id", "agent__key").order_by().distinct()):
        agents_of[employer_id].add(agent)
    notes_of = defaultdict(set)
    for employer_id, name in EmployerName.objects.filter(employer__merged_into__isnull=True).values_list(
            "employer_id", "name"):
        notes_of[employer_id].update(normalise.name_keys(name)[1:])
    refused = _refused(MergeReview, EmployerMerge)
    merged = 0
    survivor: dict[int, int] = {}

    def find(pk):
        while pk in survivor:
            pk = survivor[pk]
        return pk

    for gone, into, evidence in acronym_candidates(active, agents_of, notes_of, sizes):
        gone, into = find(gone), find(into)
        if gone == into or frozenset((gone, into)) in refused:
            continue
        merge(into, gone, 1.0, evidence)
        survivor[gone] = into
        merged += 1
    return merged


def agent_records():
    """One record per active agent: its key, the (active) employers it filed for and their states."""
    employers, states = defaultdict(set), defaultdict(set)
    rows = (VisaCase.objects.filter(agent__isnull=False).values_list("agent_id", "employer_id", "employer_state")
            .order_by().distinct())
    for agent_id, employer_id, state in rows.iterator(chunk_size=20_000):
        if employer_id:
            employers[agent_id].add(employer_id)
        if state:
            states[agent_id].add(state)
    records = [{"unique_id": pk, "key": key, "employers": sorted(employers[pk]), "states": sorted(states[pk])}
               for pk, key in Agent.objects.filter(merged_into__isnull=True).values_list("pk", "key") if key]
    return records


def agent_sizes():
    return dict(VisaCase.objects.filter(agent__isnull=False).values("agent_id").order_by()
                .annotate(n=Count("pk")).values_list("agent_id", "n"))


def resolve_agents(merge, rehome):
    """The same for agents and attorneys: first bring back to their survivor any names and rows
    that an import attached to an agent merged earlier (``rehome()``), then score, merge
    (``merge(into, gone, probability)``) and queue."""
    rehome()
    compared = merged = review = 0
    keys = dict(Agent.objects.values_list("pk", "key"))
    # A merged agent brings together the employers of its variants, which can make another variant
    # certain: score again until nothing more merges (on the nine real files, three rounds merge
    # something), so that running the command again proposes nothing new.
    for _round in range(AGENT_ROUNDS):
        records = agent_records()
        compared = compared or len(records)
        pairs = score_pairs(records, AGENTS)
        round_merged, round_review = _decide(
            pairs, _refused(AgentMergeReview, AgentMerge), agent_sizes(), lambda pk: keys.get(pk, ""),
            merge, _queue(AgentMergeReview))
        merged, review = merged + round_merged, review + round_review
        if not round_merged:
            break
    return {"agents": compared, "merged": merged, "review": review}


def refresh_display_names():
    """Each active employer's and agent's displayed name: the name it is filed under on most rows
    (an employer's full name before its acronym, whatever their rows; ties: the longest, then the
    first alphabetically), so that it does not depend on which file came first."""
    from django.db.models import Count

    best = {}
    for employer_id, name, city, n in (VisaCase.objects.filter(employer__isnull=False).order_by()
                                       .values_list("employer_id", "employer_name_filed", "employer_city")
                                       .annotate(n=Count("pk")).values_list("employer_id", "employer_name_filed",
                                                                            "employer_city", "n")):
        candidate = (" " not in normalise.name_key(name), -n, -len(name), name, city)
        if employer_id not in best or candidate < best[employer_id]:
            best[employer_id] = candidate
    changed = []
    for employer in Employer.objects.filter(pk__in=list(best)).only("pk", "name", "city"):
        _short, _n, _length, name, city = best[employer.pk]
        if (employer.name, employer.city) != (name[:300], city[:120]):
            employer.name, employer.city = name[:300], city[:120]
            changed.append(employer)
    Employer.objects.bulk_update(changed, ["name", "city"], batch_size=2_000)
    best_agent = {}
    for agent_id, name, n in (VisaCase.objects.filter(agent__isnull=False).order_by()
                              .values_list("agent_id", "agent_name_filed").annotate(n=Count("pk"))
                              .values_list("agent_id", "agent_name_filed", "n")):
        candidate = (-n, -len(name), name)
        if agent_id not in best_agent or candidate < best_agent[agent_id]:
            best_agent[agent_id] = candidate
    agents = []
    for agent in Agent.objects.filter(pk__in=list(best_agent)).only("pk", "name"):
        name = best_agent[agent.pk][2][:300]
        if agent.name != name:
            agent.name = name
            agents.append(agent)
    Agent.objects.bulk_update(agents, ["name"], batch_size=2_000)


def resolve(merge_employers, merge_agents, rehome_agents, stdout=None):
    """Resolve employers, then agents, with the given actions (``actions.do_resolve``). Returns
    {"employers": n, "merged": n, "review": n, "agents": {"agents": n, "merged": n, "review": n}}."""
    result = resolve_employers(merge_employers)
    agents = resolve_agents(merge_agents, rehome_agents)
    refresh_display_names()
    if stdout:
        stdout.write(f"resolution: {result['employers']} employers compared, {result['merged']} merged, "
                     f"{result['review']} to review")
        stdout.write(f"resolution: {agents['agents']} agents compared, {agents['merged']} merged, "
                     f"{agents['review']} to review")
    return {**result, "agents": agents}
