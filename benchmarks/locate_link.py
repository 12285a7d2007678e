"""`puente locate link` at scale, beside a plain rapidfuzz scan and the recordlinkage toolkit.

    nice .venv/bin/python benchmarks/locate_link.py [RIGHT_SIZE] [LEFT_SIZE]

Defaults: 1,000,000 people on the right, 10,000 on the left: 80% corrupted copies of right-hand
people (benchmarks/locate_synth.py: typos, nicknames, swapped or missing surnames, US forms,
dates off, places misspelled), 20% people who are not on the right (often siblings-like
look-alikes: same common surnames). Files go to /tmp/locate_bench/. Prints precision, recall, F1
(a left row counts as linked to its best pair at probability >= 0.5) and wall time.

The plain rapidfuzz scan (each left row against every right row) and recordlinkage (blocking on
phonetic first surname + birth year, Jaro-Winkler and exact comparisons, a score threshold)
run on a sample of left rows and their time is extrapolated to the whole left file: the output
says so.
"""

import logging
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "puente.settings")
os.environ.setdefault("PUENTE_DATA_KEYS", "x" * 43 + "=")

import django  # noqa: E402

django.setup()

import pandas as pd  # noqa: E402
from locate_synth import Generator, write_csv  # noqa: E402


def peak_rss_mb() -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0

from puente.locate.linkage import link_frames, prepare_frame, read_people_csv, write_pairs  # noqa: E402

# A benchmark's scratch files on the developer's own machine (LOCATE_BENCH_DIR for a second run).
OUT = os.environ.get("LOCATE_BENCH_DIR", "/tmp/locate_bench")  # noqa: S108 - a scratch folder for generated test data, overridable


def scores(pred: dict, truth: dict, n_left: int):
    tp = sum(1 for lid, rid in pred.items() if truth.get(lid) == rid)
    fp = len(pred) - tp
    fn = sum(1 for lid in truth if pred.get(lid) != truth[lid])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def run_splink(truth, n_left, n_right):
    """`puente locate link` as the command runs it: read both files, link, write the pairs."""
    print(f"link_input: {n_left} left x {n_right} right rows")
    t, c = time.perf_counter(), time.process_time()
    lf, rf = read_people_csv(f"{OUT}/left.csv"), read_people_csv(f"{OUT}/right.csv")
    pairs = link_frames(lf, rf, threshold=0.5)
    write_pairs(pairs, f"{OUT}/pairs.csv")
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    best = pairs.drop_duplicates("left_id")
    pred = dict(zip(best["left_id"], best["right_id"], strict=True))
    p, r, f1 = scores(pred, truth, n_left)
    top5 = pairs.groupby("left_id").head(5)
    found = set(zip(top5["left_id"], top5["right_id"], strict=True))
    recall5 = sum(1 for lid, rid in truth.items() if (lid, rid) in found) / len(truth) if truth else 0.0
    print(f"link_splink_precision: {p:.4f} ratio")
    print(f"link_splink_recall: {r:.4f} ratio")
    print(f"link_splink_f1: {f1:.4f} ratio")
    print(f"link_splink_recall_at_5: {recall5:.4f} ratio")
    print(f"link_peak_rss: {peak_rss_mb():.0f} MB")
    print(f"link_splink_wall_time: {wall:.1f} s")
    # The machine is shared: CPU time of all threads, and the load while it ran.
    print(f"link_splink_cpu_time: {cpu:.1f} s (all threads, 2 cores)")
    print(f"link_load_average: {os.getloadavg()[0]:.1f} processes (2 cores)")
    return lf, rf


def run_splink_default(truth, n_left):
    """Splink's own default way on the same files: its standard comparisons on the raw columns,
    blocking on surname + year and given name + year, parameters trained on the data (the prior
    from deterministic rules, u by random sampling, m by expectation maximisation)."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    t, c = time.perf_counter(), time.process_time()
    frames = []
    for name in ("left", "right"):
        df = pd.read_csv(f"{OUT}/{name}.csv", dtype=str, keep_default_na=False).rename(columns={"id": "unique_id"})
        df = df.replace("", None)
        df["birth_year"] = df["birth_date"].str[:4]
        frames.append(df)
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("given_names"),
            cl.NameComparison("surname_1"),
            cl.NameComparison("surname_2"),
            cl.LevenshteinAtThresholds("birth_date", [1, 2]),
            cl.ExactMatch("admin1"),
            cl.ExactMatch("municipality"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("sex"),
        ],
        blocking_rules_to_generate_predictions=[block_on("surname_1", "birth_year"),
                                                block_on("given_names", "birth_year"), block_on("phone")],
    )
    db_api = DuckDBAPI()
    linker = Linker([db_api.register(f) for f in frames], settings)
    logging.getLogger("splink").setLevel(logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_names", "surname_1", "birth_date")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1_000_000)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname_1", "birth_year"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    df = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    left_ids = set(frames[0]["unique_id"])
    flip = ~df["unique_id_l"].isin(left_ids)
    df["left_id"] = df["unique_id_l"].where(~flip, df["unique_id_r"])
    df["right_id"] = df["unique_id_r"].where(~flip, df["unique_id_l"])
    df = df.sort_values(["left_id", "match_probability"], ascending=[True, False])
    best = df.drop_duplicates("left_id")
    p, r, f1 = scores(dict(zip(best["left_id"], best["right_id"], strict=True)), truth, n_left)
    top5 = df.groupby("left_id").head(5)
    found = set(zip(top5["left_id"], top5["right_id"], strict=True))
    recall5 = sum(1 for lid, rid in truth.items() if (lid, rid) in found) / len(truth) if truth else 0.0
    print(f"link_splink_default_precision: {p:.4f} ratio")
    print(f"link_splink_default_recall: {r:.4f} ratio")
    print(f"link_splink_default_f1: {f1:.4f} ratio")
    print(f"link_splink_default_recall_at_5: {recall5:.4f} ratio")
    print(f"link_splink_default_wall_time: {wall:.1f} s")
    print(f"link_splink_default_cpu_time: {cpu:.1f} s (all threads, 2 cores)")
    print(f"link_peak_rss_after_default: {peak_rss_mb():.0f} MB (the process so far)")


def main():
    n_right = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    n_left = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    os.makedirs(OUT, exist_ok=True)
    gen = Generator(seed=7)
    truth_file = f"{OUT}/truth_{n_right}_{n_left}.csv"
    if "--reuse-files" in sys.argv and os.path.exists(truth_file):
        # Same files as an earlier run (same seeds): skip generating a million people again.
        truth = dict(pd.read_csv(truth_file, dtype=str).itertuples(index=False, name=None))
        run_splink(truth, n_left, n_right)
        if "--no-default" not in sys.argv:
            run_splink_default(truth, n_left)
        return
    plain = "--plain" in sys.argv
    right = gen.people(n_right) if plain else gen.hard_people(n_right)
    n_copies = int(n_left * 0.8)
    truth = {}
    left = []
    for i, p in enumerate(gen.rng.sample(right, n_copies)):
        q = gen.corrupt(p)
        q["id"] = f"L{i}"
        truth[q["id"]] = p["id"]
        left.append(q)
    others = Generator(seed=8).people(n_left - n_copies) if plain else Generator(seed=8).hard_people(n_left - n_copies)
    for i, p in enumerate(others):
        p["id"] = f"N{i}"
        left.append(p)
    gen.rng.shuffle(left)
    write_csv(left, f"{OUT}/left.csv")
    write_csv(right, f"{OUT}/right.csv")
    pd.DataFrame(list(truth.items()), columns=["left_id", "right_id"]).to_csv(truth_file, index=False)
    lf, rf = run_splink(truth, n_left, n_right)
    if "--no-default" not in sys.argv:
        run_splink_default(truth, n_left)
    if "--only-splink" in sys.argv:
        return

    # --- a plain rapidfuzz scan on a sample --------------------------------------------------
    from rapidfuzz import fuzz, process

    def as_text(row):
        return " ".join(x for x in (row["given_names"], row["surname_1"], row["surname_2"], row["birth_date"]) if x)

    right_text = [as_text(x) for x in right]
    right_ids = [x["id"] for x in right]
    sample = gen.rng.sample(left, 40)
    t = time.perf_counter()
    pred = {}
    for row in sample:
        hit = process.extractOne(as_text(row), right_text, scorer=fuzz.token_sort_ratio, score_cutoff=85)
        if hit:
            pred[row["id"]] = right_ids[hit[2]]
    elapsed = time.perf_counter() - t
    sample_truth = {row["id"]: truth[row["id"]] for row in sample if row["id"] in truth}
    p, r, f1 = scores(pred, sample_truth, len(sample))
    print(f"link_rapidfuzz_scan_precision: {p:.4f} ratio (sample of {len(sample)} left rows)")
    print(f"link_rapidfuzz_scan_recall: {r:.4f} ratio (sample of {len(sample)} left rows)")
    print(f"link_rapidfuzz_scan_f1: {f1:.4f} ratio (sample of {len(sample)} left rows)")
    print(
        f"link_rapidfuzz_scan_wall_time: {elapsed * n_left / len(sample):.0f} s (extrapolated from "
        f"{elapsed:.1f} s for {len(sample)} rows)"
    )

    # --- recordlinkage on a sample -----------------------------------------------------------
    import recordlinkage

    n_sample = min(1000, n_left)
    sample_df = lf.sample(n=n_sample, random_state=1)
    t0 = time.perf_counter()
    rp = prepare_frame(rf).set_index("unique_id")
    prep_right = time.perf_counter() - t0
    t = time.perf_counter()
    lp = prepare_frame(sample_df).set_index("unique_id")
    for df in (lp, rp):
        df["byr"] = df["byr"].astype("float")
    indexer = recordlinkage.Index()
    indexer.block(["s1", "byr"])
    indexer.block(["g1c", "byr"])
    candidates = indexer.index(lp, rp)
    comp = recordlinkage.Compare()
    comp.string("g1", "g1", method="jarowinkler", threshold=0.88, label="g1")
    comp.string("s1", "s1", method="jarowinkler", threshold=0.88, label="s1")
    comp.string("s2", "s2", method="jarowinkler", threshold=0.88, label="s2")
    comp.exact("bmo", "bmo", label="bmo")
    comp.exact("bdy", "bdy", label="bdy")
    comp.exact("admin1", "admin1", label="admin1")
    features = comp.compute(candidates, lp, rp)
    total = features.sum(axis=1)
    total = total[total >= 4]
    best_rl = total.sort_values(ascending=False).groupby(level=0).head(1)
    pred = {lid: rid for lid, rid in best_rl.index}
    elapsed = time.perf_counter() - t
    sample_truth = {lid: truth[lid] for lid in sample_df["id"] if lid in truth}
    p, r, f1 = scores(pred, sample_truth, n_sample)
    print(f"link_recordlinkage_precision: {p:.4f} ratio (sample of {n_sample} left rows, {len(candidates)} pairs)")
    print(f"link_recordlinkage_recall: {r:.4f} ratio (sample of {n_sample} left rows)")
    print(f"link_recordlinkage_f1: {f1:.4f} ratio (sample of {n_sample} left rows)")
    print(
        f"link_recordlinkage_wall_time: {prep_right + elapsed * n_left / n_sample:.0f} s (right-hand preparation "
        f"{prep_right:.0f} s + {elapsed:.1f} s for {n_sample} rows, extrapolated)"
    )


if __name__ == "__main__":
    pd.options.mode.chained_assignment = None
    main()
