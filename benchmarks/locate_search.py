"""Interactive search at scale: recall@5 and latency over synthetic registries (no database).

    nice .venv/bin/python benchmarks/locate_search.py [SIZES...] [--queries N] [--plain]

Default sizes 100000 and 1000000. For each size: N people from the hard-case generator
(benchmarks/locate_synth.py ``hard_people``: five countries, skewed name frequencies, families
sharing surnames and phones, juniors, twins, namesakes, particle surnames, regions and phones as
people write them; ``--plain`` for the earlier ``people``), an index built from their keys exactly
as Person.save computes them, then QUERIES corrupted copies of random people (typos, early
surname typos, fused particles, married names, nicknames, swapped or missing surnames, US forms,
dates off) searched with name, date of birth and place as a user would type them.
"""

import os
import pickle
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "puente.settings")
os.environ.setdefault("PUENTE_DATA_KEYS", "x" * 43 + "=")  # never read: the hash secret is set below

import django  # noqa: E402

django.setup()

from locate_synth import Generator, rss_mb  # noqa: E402
from puente.locate.keys import compute_keys, normalise_phone, set_secret  # noqa: E402
from puente.locate.search import PersonIndex, Query  # noqa: E402


def build(people):
    index = PersonIndex()
    for p in people:
        k = compute_keys(
            p["given_names"],
            p["surname_1"],
            p["surname_2"],
            "",
            p["birth_date"],
            p["municipality"],
            [normalise_phone(p["phone"], p["country"])] if p["phone"] else [],
        )
        index.add(
            int(p["id"]),
            k.search_keys,
            k.birth_year,
            k.birth_keys,
            k.phone_keys,
            k.place_key,
            p["sex"],
            p["country"],
            p.get("region_code", p["admin1"]),
        )
    return index


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sys.argv = [a for a in sys.argv]
    n_queries = 1000
    if "--queries" in sys.argv:
        n_queries = int(sys.argv[sys.argv.index("--queries") + 1])
        args = [a for a in args if a != str(n_queries)]
    sizes = [int(a) for a in args] or [100_000, 1_000_000]
    set_secret(b"benchmark-secret")
    for size in sizes:
        gen = Generator(seed=size)
        people = gen.people(size) if "--plain" in sys.argv else gen.hard_people(size)
        cache = f"/tmp/locate_bench/index_{size}{'_plain' if '--plain' in sys.argv else ''}.pickle"  # noqa: S108 - benchmark scratch file
        if "--cached" in sys.argv and os.path.exists(cache):
            # A re-run of the queries only: the index built by an earlier run, same seed.
            with open(cache, "rb") as fh:
                index = pickle.load(fh)  # noqa: S301 - the cache this benchmark wrote itself
            print(f"search_index_loaded_from_cache_{size}: 1 flag")
        else:
            before = rss_mb()
            t = time.perf_counter()
            index = build(people)
            build_s = time.perf_counter() - t
            mem = rss_mb() - before
            print(f"search_index_build_{size}: {build_s:.1f} s")
            print(f"search_index_memory_{size}: {mem:.0f} MB")
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            with open(cache, "wb") as fh:
                pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
        targets = gen.rng.sample(people, n_queries)
        hits, latencies, cpu = 0, [], []
        for p in targets:
            q = gen.corrupt(p)
            # Typed as one line, as in the search box; date and state as entered.
            query = Query(
                name=" ".join(x for x in (q["given_names"], q["surname_1"], q["surname_2"]) if x),
                birth_date=q["birth_date"],
                region=q["admin1"],
                municipality=q["municipality"],
            )
            t, c = time.perf_counter(), time.thread_time()
            results = index.search(query, limit=5)
            latencies.append(time.perf_counter() - t)
            cpu.append(time.thread_time() - c)
            if any(m.person_id == int(p["id"]) for m in results):
                hits += 1
        latencies.sort()
        p50 = latencies[len(latencies) // 2] * 1000
        p95 = latencies[int(len(latencies) * 0.95)] * 1000
        print(f"search_recall_at_5_{size}: {hits / n_queries:.4f} ratio")
        print(f"search_latency_p50_{size}: {p50:.1f} ms")
        print(f"search_latency_p95_{size}: {p95:.1f} ms")
        # The machine is shared: CPU time per search is what an idle server would take.
        cpu.sort()
        print(f"search_cpu_time_p50_{size}: {cpu[len(cpu) // 2] * 1000:.1f} ms")
        print(f"search_cpu_time_p95_{size}: {cpu[int(len(cpu) * 0.95)] * 1000:.1f} ms")
        print(f"search_load_average: {os.getloadavg()[0]:.1f} processes (2 cores)")
        del index, people


if __name__ == "__main__":
    main()
