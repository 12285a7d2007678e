"""False automatic merges on a duplicate-free list full of traps (issue 16).

    nice .venv/bin/python benchmarks/locate_merges.py [SIZE]     # default 20,000

The list (benchmarks/locate_synth.py ``hard_people``) holds no duplicates: siblings who share
surnames, place and often the family phone, fathers with their son's name, twins, neighbours
sharing a phone, namesakes; regions as people write them, phones in every format. Every pair the
import would score (``linkage.score_rows``, the Splink model of ``puente locate link`` with the
import's prior) is decided twice: by the model's probability alone (the rule before issue 16:
p >= 0.95 merges) and by ``linkage.decide`` (p >= 0.95 *and* strong evidence). Every automatic
merge here is false. No database is needed.
"""

import collections
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "puente.settings")
os.environ.setdefault("PUENTE_DATA_KEYS", "x" * 43 + "=")

import django  # noqa: E402

django.setup()

from locate_synth import Generator, rss_mb  # noqa: E402

from puente.locate import places  # noqa: E402
from puente.locate.keys import set_secret  # noqa: E402
from puente.locate.linkage import CERTAIN, decide, score_rows  # noqa: E402


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    set_secret(b"benchmark-secret")
    gen = Generator(seed=16)
    people = gen.hard_people(size)
    traps = collections.Counter(p["trap"] or "alone" for p in people)
    print(f"merges_list: {size} distinct people, no duplicates; traps: {dict(traps)}")
    rows = []
    for p in people:
        # As the import reads them: the region through the alias table.
        r = dict(p)
        r["admin1"] = places.resolve_region(p["admin1"], p["country"]).code
        rows.append(r)
    by_id = {r["id"]: r for r in rows}
    t = time.perf_counter()
    pairs = score_rows(rows)
    wall = time.perf_counter() - t
    old = [(a, b) for a, b, prob in pairs if prob >= CERTAIN]
    new = [(a, b) for a, b, prob in pairs if decide(prob, by_id[a], by_id[b]) == "merge"]
    review = [(a, b) for a, b, prob in pairs if decide(prob, by_id[a], by_id[b]) == "review"]

    def same_phone_family(a, b):
        ra, rb = by_id[a], by_id[b]
        return ra["surname_1"] == rb["surname_1"] and ra["phone"] and ra["phone"][-4:] == rb["phone"][-4:]

    for name, merges in (("probability_only", old), ("strong_evidence", new)):
        kinds = collections.Counter(by_id[b]["trap"] or by_id[a]["trap"] or "other" for a, b in merges)
        print(f"merges_{name}_automatic: {len(merges)} pairs ({100 * len(merges) / size:.3f}% of rows), all false")
        print(f"merges_{name}_siblings_sharing_a_phone: {sum(1 for a, b in merges if same_phone_family(a, b))} pairs")
        print(f"merges_{name}_by_trap: {dict(kinds)}")
    print(f"merges_to_review: {len(review)} pairs")

    # The same list with 2% of its people written a second time (one or two corruptions each):
    # how many of those true duplicates merge on their own, and is every automatic merge right?
    n_dup = max(1, size // 50)
    dups = []
    for i, p in enumerate(gen.rng.sample(people, n_dup)):
        q = gen.corrupt(p, n_errors=gen.rng.choice([1, 2]))
        q["id"], q["truth"] = f"D{i}", p["id"]
        q["admin1"] = places.resolve_region(p["admin1"], p["country"]).code
        dups.append(q)
    by_id.update({q["id"]: q for q in dups})
    pairs = score_rows(rows + dups)
    merged = [(a, b) for a, b, prob in pairs if decide(prob, by_id[a], by_id[b]) == "merge"]
    def true_pair(a, b):
        return by_id[a].get("truth") == b or by_id[b].get("truth") == a

    right = sum(1 for a, b in merged if true_pair(a, b))
    found = {a if a.startswith("D") else b for a, b in merged if true_pair(a, b)}
    reviewed = {a if a.startswith("D") else b for a, b, prob in pairs
                if decide(prob, by_id[a], by_id[b]) == "review" and true_pair(a, b)}
    print(f"merges_with_{n_dup}_true_duplicates_automatic: {len(merged)} pairs, {right} correct, "
          f"{len(merged) - right} false")
    print(f"merges_with_true_duplicates_merged_automatically: {len(found)} of {n_dup}; "
          f"{len(reviewed - found)} more on the review list")
    print(f"merges_scoring_wall_time: {wall:.1f} s (load average {os.getloadavg()[0]:.1f} on 2 cores)")
    print(f"merges_peak_rss: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
