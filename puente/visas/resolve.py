"""Employer resolution across rows and years, with Splink (DuckDB backend).

Two stages:

1. Deterministic (at import): every distinct name as filed gets a normalised key
   (``normalise.name_key``: case, accents, punctuation, Inc./LLC/Co. variants, bracketed
   abbreviations, "DBA" trade names, addresses). Names with the same key in the same state are one
   employer. "NORTH CAROLINA GROWERS ASSOCIATION, INC." and "... INC. (NCGA)" meet here.
2. Probabilistic (``resolve``): Splink compares the employers (key, state, city) that share a
   blocking key and scores each pair with a Fellegi-Sunter model. The model's m and u
   probabilities are fixed below rather than trained by EM: the set of distinct employers is small
   and changes with every import, and a fixed, documented model gives the same answer every time.
   Pairs at or above ``AUTO_MERGE`` are merged; pairs between ``REVIEW`` and ``AUTO_MERGE`` go to
   the Coordinators' review list. Pairs a Coordinator rejected, and merges that were undone, are
   never proposed again.
"""

import logging
import re

from .models import Employer, EmployerMerge, MergeReview

AUTO_MERGE = 0.95
REVIEW = 0.30
PRIOR = 1e-3  # probability that two employers compared at random are the same

log = logging.getLogger(__name__)


def _settings():
    import splink.comparison_level_library as cll
    from splink import SettingsCreator, block_on

    def level(creator, m, u, label=None):
        return creator.configure(m_probability=m, u_probability=u, label_for_charts=label) if label else \
            creator.configure(m_probability=m, u_probability=u)

    key = {
        "output_column_name": "key",
        "comparison_levels": [
            cll.NullLevel("key"),
            level(cll.ExactMatchLevel("key"), 0.80, 0.0005),
            level(cll.JaroWinklerLevel("key", 0.97), 0.12, 0.0004),
            level(cll.JaroWinklerLevel("key", 0.92), 0.05, 0.0015),
            level(cll.JaroWinklerLevel("key", 0.88), 0.02, 0.01),
            level(cll.ElseLevel(), 0.01, 0.988),
        ],
    }
    state = {
        "output_column_name": "state",
        "comparison_levels": [
            cll.NullLevel("state"),
            level(cll.ExactMatchLevel("state"), 0.90, 0.10),
            level(cll.ElseLevel(), 0.10, 0.90),
        ],
    }
    city = {
        "output_column_name": "city",
        "comparison_levels": [
            cll.NullLevel("city"),
            level(cll.ExactMatchLevel("city"), 0.80, 0.05),
            level(cll.JaroWinklerLevel("city", 0.90), 0.10, 0.02),
            level(cll.ElseLevel(), 0.10, 0.93),
        ],
    }
    # Numbers in a name tell branches apart: "STAR NURSERY II" is not "STAR NURSERY III",
    # "TAQUERIA GUADALAJARA 5" is not "... 1". Different numbers weigh strongly against a match.
    marks = {
        "output_column_name": "marks",
        "comparison_levels": [
            cll.NullLevel("marks"),
            level(cll.ExactMatchLevel("marks"), 0.95, 0.30),
            level(cll.ElseLevel(), 0.05, 0.70),
        ],
    }
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=PRIOR,
        comparisons=[key, state, city, marks],
        blocking_rules_to_generate_predictions=[
            block_on("key"),
            block_on("state", "prefix"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


_MARK = re.compile(r"^(?:\d+|I{1,3}|IV|V|VI{1,3}|IX|X)$")


def marks_of(key):
    """The numbers (arabic or roman) in a normalised name, as one string: "STAR NURSERY II" -> "II"."""
    return " ".join(t for t in (key or "").split() if _MARK.match(t))


def score_pairs(records):
    """Splink's pairwise match probabilities for ``records`` (dicts with unique_id, key, state, city).
    Returns [(id_l, id_r, probability)] for pairs at or above ``REVIEW``."""
    if len(records) < 2:
        return []
    import pandas as pd
    from splink import DuckDBAPI, Linker

    frame = pd.DataFrame.from_records(records, columns=["unique_id", "key", "state", "city"])
    frame["marks"] = [marks_of(k) for k in frame["key"]]
    for column in ("key", "state", "city", "marks"):
        frame[column] = frame[column].where(frame[column] != "", None)
    frame["prefix"] = frame["key"].str[:6]
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), _settings(), log_level=logging.WARNING)
    predictions = linker.inference.predict(threshold_match_probability=REVIEW, warning_mode="never")
    result = predictions.as_pandas_dataframe()
    return [(int(r.unique_id_l), int(r.unique_id_r), float(r.match_probability))
            for r in result.itertuples(index=False)]


def resolve(user=None, stdout=None):
    """Score every active employer against the others; merge the certain pairs, queue the uncertain.
    Returns {"merged": n, "review": n, "employers": n}."""
    from . import actions

    active = list(Employer.objects.filter(merged_into__isnull=True).values("pk", "key", "state", "city"))
    records = [{"unique_id": e["pk"], "key": e["key"], "state": e["state"], "city": (e["city"] or "").upper()}
               for e in active if e["key"]]
    pairs = score_pairs(records)
    refused = set()
    for left, right in MergeReview.objects.filter(state=MergeReview.State.REJECTED).values_list("left_id", "right_id"):
        refused.add(frozenset((left, right)))
    for into, merged in EmployerMerge.objects.filter(undone_at__isnull=False).values_list("into_id", "merged_id"):
        refused.add(frozenset((into, merged)))
    sizes = dict(Employer.objects.filter(merged_into__isnull=True).values_list("pk", "row_count"))
    merged = review = 0
    parent = {}

    def find(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for left, right, probability in sorted(pairs, key=lambda p: -p[2]):
        if frozenset((left, right)) in refused:
            continue
        if probability >= AUTO_MERGE:
            a, b = find(left), find(right)
            if a == b:
                continue
            # The employer with more rows survives, so that its page address stays the same.
            into, gone = (a, b) if (sizes.get(a, 0), -a) >= (sizes.get(b, 0), -b) else (b, a)
            actions.do_merge_employers(into, gone, probability=probability, user=user, automatic=True)
            parent[gone] = into
            sizes[into] = sizes.get(into, 0) + sizes.get(gone, 0)
            merged += 1
        else:
            a, b = sorted((find(left), find(right)))
            if a == b:
                continue
            if MergeReview.objects.filter(left_id__in=(a, b), right_id__in=(a, b)).exists():
                continue
            MergeReview.objects.create(left_id=a, right_id=b, probability=probability)
            review += 1
    if stdout:
        stdout.write(f"resolution: {len(records)} employers compared, {merged} merged, {review} to review")
    return {"employers": len(records), "merged": merged, "review": review}
