"""Interactive search at scale: recall@5 and latency over synthetic registries (no database).

    nice .venv/bin/python benchmarks/locate_search.py [SIZES...] [--queries N]

Default sizes 100000 and 1000000. For each size: N people (benchmarks/locate_synth.py: five
countries, skewed name frequencies, siblings sharing both surnames), an index built from their
keys exactly as Person.save computes them, then QUERIES corrupted copies of random people
searched with name, date of birth and place as a user would type them. Prints one line per figure.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "puente.settings")
os.environ.setdefault("PUENTE_DATA_KEYS", "x" * 43 + "=")  # never read: the hash secret is set below

import django  # noqa: E402

django.setup()

from locate_synth import Generator, rss_mb  # noqa: E402
from puente.locate.keys import compute_keys, set_secret  # noqa: E402
from puente.locate.search import PersonIndex, Query  # noqa: E402


def build(people):
    index = PersonIndex()
    for p in people:
        k = compute_keys(p["given_names"], p["surname_1"], p["surname_2"], "", p["birth_date"], p["municipality"],
                         [p["phone"]] if p["phone"] else [])
        index.add(int(p["id"]), k.search_keys, k.birth_year, k.birth_keys, k.phone_keys, k.place_key, p["sex"],
                  p["country"], p["admin1"])
    return index


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n_queries = 1000
    if "--queries" in sys.argv:
        n_queries = int(sys.argv[sys.argv.index("--queries") + 1])
        args = [a for a in args if a != str(n_queries)]
    sizes = [int(a) for a in args] or [100_000, 1_000_000]
    set_secret(b"benchmark-secret")
    for size in sizes:
        gen = Generator(seed=size)
        people = gen.people(size)
        before = rss_mb()
        t = time.perf_counter()
        index = build(people)
        build_s = time.perf_counter() - t
        mem = rss_mb() - before
        print(f"search_index_build_{size}: {build_s:.1f} s")
        print(f"search_index_memory_{size}: {mem:.0f} MB")
        targets = gen.rng.sample(people, n_queries)
        hits, latencies = 0, []
        for p in targets:
            q = gen.corrupt(p)
            # Typed as one line, as in the search box; date and state as entered.
            query = Query(name=" ".join(x for x in (q["given_names"], q["surname_1"], q["surname_2"]) if x),
                          birth_date=q["birth_date"], region=q["admin1"], municipality=q["municipality"])
            t = time.perf_counter()
            results = index.search(query, limit=5)
            latencies.append(time.perf_counter() - t)
            if any(m.person_id == int(p["id"]) for m in results):
                hits += 1
        latencies.sort()
        p50 = latencies[len(latencies) // 2] * 1000
        p95 = latencies[int(len(latencies) * 0.95)] * 1000
        print(f"search_recall_at_5_{size}: {hits / n_queries:.4f} ratio")
        print(f"search_latency_p50_{size}: {p50:.1f} ms")
        print(f"search_latency_p95_{size}: {p95:.1f} ms")
        del index, people


if __name__ == "__main__":
    main()
