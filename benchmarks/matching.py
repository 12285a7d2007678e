"""Benchmark: time per matching suggestion over a network of 2,000 Defenders and 100,000 past cases.

    .venv/bin/python benchmarks/matching.py                   # a temporary SQLite file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/puente_matching .venv/bin/python benchmarks/matching.py
                                                              # a throw-away test_puente_matching database

Builds the network with bulk_create (Defenders across the 103 regions with languages, expertise,
capacity and conflicts; past cases with their assignment/activation transitions and Advocates'
evaluations; some cases still occupying slots), then times ``suggest()`` for 200 random cases in
review. Prints ``name: value unit`` lines. Goal: matching_p95_ms < 50.

Figures: ``matching_p95_ms`` / ``matching_p50_ms`` are the steady state (history aggregates cached
until the next evaluation or state change anywhere; loads and profiles read fresh every time);
``matching_cold_*`` recompute every aggregate (the first suggestion after a change).
"""

import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFENDERS = int(os.environ.get("BENCH_DEFENDERS", "2000"))
PAST_CASES = int(os.environ.get("BENCH_PAST_CASES", "100000"))
QUERIES = int(os.environ.get("BENCH_QUERIES", "200"))
COLD_QUERIES = int(os.environ.get("BENCH_COLD_QUERIES", "10"))


def main():
    tmp = Path(tempfile.mkdtemp(prefix="puente-bench-matching-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "puente.settings")
    os.environ["PUENTE_DATA_DIR"] = str(tmp)
    from cryptography.fernet import Fernet

    # A kept database (BENCH_KEEP_DB) needs the same key next time; its data are made up.
    keep_key = "YmVuY2htYXJrLW1hdGNoaW5nLWZha2UtZGF0YS0wMDA="
    os.environ["PUENTE_DATA_KEYS"] = keep_key if os.environ.get("BENCH_KEEP_DB") else Fernet.generate_key().decode()
    import django
    from django.conf import settings

    django.setup()
    # BENCH_KEEP_DB=/tmp/x.sqlite3 keeps the built SQLite database for the next run (profiling).
    keep = os.environ.get("BENCH_KEEP_DB", "")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        from django.db import connections

        connections["default"].settings_dict["TEST"]["NAME"] = keep or str(tmp / "bench.sqlite3")
    else:
        keep = ""
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(
        verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set(), keepdb=bool(keep)
    )
    try:
        from puente.cases.models import Case

        t0 = time.perf_counter()
        if keep and Case.objects.filter(reference__startswith="BQ-").exists():
            cases = list(Case.objects.filter(reference__startswith="BQ-").values_list("pk", flat=True))
        else:
            cases = build(random.Random(20261124))
        build_s = time.perf_counter() - t0
        run(cases, build_s)
    finally:
        if not keep:
            teardown_databases(old, verbosity=0)
        shutil.rmtree(tmp, ignore_errors=True)


def build(rng):
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from djmoney.money import Money

    from puente.cases.models import TASK_EXPERTISE, Case, CaseParty, CaseTransition, ClaimType, Evaluation, Task
    from puente.locate.models import Person
    from puente.network.models import (
        LOCAL_CURRENCY,
        Advocate,
        Defender,
        DefenderConflict,
        Expertise,
        Language,
        Region,
        User,
    )

    regions = list(Region.objects.all())
    assert len(regions) == 103, len(regions)
    by_country = {}
    for r in regions:
        by_country.setdefault(r.country, []).append(r)
    # Borders: the reference file when present, else a plausible synthetic neighbourhood.
    Through = Region.borders.through
    if not Through.objects.exists():
        pairs = set()
        for rs in by_country.values():
            for r in rs:
                for other in rng.sample(rs, min(3, len(rs))):
                    if other.pk != r.pk:
                        pairs.add((r.pk, other.pk))
                        pairs.add((other.pk, r.pk))
        Through.objects.bulk_create([Through(from_region_id=a, to_region_id=b) for a, b in pairs])
    borders = {}
    for a, b in Through.objects.values_list("from_region_id", "to_region_id"):
        borders.setdefault(a, []).append(b)

    languages = {lang.code: lang for lang in Language.objects.all()}
    indigenous = {
        "GT": ["mam", "quc", "kek", "cak", "kjb", "ixl", "cab"],
        "MX": ["nah", "yua", "tzh", "tzo", "mix", "zap"],
        "HN": ["miq", "cab", "pay"],
        "NI": ["miq", "sum", "rma"],
        "SV": ["ppl"],
    }
    expertise = list(Expertise.objects.all())
    password = make_password(None)

    # Defenders ---------------------------------------------------------------------------------
    defenders = []
    for i in range(DEFENDERS):
        home = rng.choice(regions)
        defenders.append(
            Defender(
                name=f"Defensoría {i:04d}",
                country=home.country,
                city=home.name,
                capacity=rng.randint(2, 8),
                hourly_rate=Money("300.00", LOCAL_CURRENCY[home.country]),
                status=Defender.Status.PAUSED if rng.random() < 0.05 else Defender.Status.ACTIVE,
            )
        )
        defenders[-1]._home = home
    Defender.objects.bulk_create(defenders, batch_size=1000)
    region_rows, language_rows, expertise_rows = [], [], []
    RT, LT, ET = Defender.regions.through, Defender.languages.through, Defender.expertise.through
    for d in defenders:
        served = {
            d._home.pk,
            *rng.sample(borders.get(d._home.pk, []), min(rng.randint(0, 2), len(borders.get(d._home.pk, [])))),
        }
        region_rows += [RT(defender_id=d.pk, region_id=r) for r in served]
        spoken = {"spa"} | set(rng.sample(indigenous[d.country], min(len(indigenous[d.country]), rng.randint(0, 2))))
        language_rows += [LT(defender_id=d.pk, language_id=languages[c].pk) for c in spoken]
        expertise_rows += [ET(defender_id=d.pk, expertise_id=e.pk) for e in rng.sample(expertise, rng.randint(2, 6))]
    RT.objects.bulk_create(region_rows, batch_size=5000)
    LT.objects.bulk_create(language_rows, batch_size=5000)
    ET.objects.bulk_create(expertise_rows, batch_size=5000)
    from faker import Faker

    fake = Faker(["es_MX", "en_US"])
    fake.seed_instance(20261124)
    employers = sorted({fake.company() for _ in range(400)})
    DefenderConflict.objects.bulk_create(
        [
            DefenderConflict(defender=rng.choice(defenders), party_kind="employer", party_name=rng.choice(employers))
            for n in range(500)
        ]
    )

    # Advocates and clients -----------------------------------------------------------------------
    users = User.objects.bulk_create(
        [
            User(
                email=f"bench-advocate{i}@example.org",
                role="advocate",
                password=password,
                first_name="Sarah",
                last_name=f"Miller {i}",
            )
            for i in range(50)
        ]
    )
    now = timezone.now()
    advocates = Advocate.objects.bulk_create(
        [
            Advocate(
                user=u, organisation=f"Clinic {i}", country="US", agreement_signed_at=now, agreement_version="bench"
            )
            for i, u in enumerate(users)
        ]
    )
    people = []
    for i in range(500):
        home = rng.choice(regions)
        lang = rng.choice(indigenous[home.country]) if rng.random() < 0.4 else "spa"
        people.append(
            Person(
                given_names="María",
                surname_1=f"Tzoc {i}",
                country=home.country,
                region=home,
                language=languages[lang],
                speaks_spanish=lang == "spa" or rng.random() < 0.5,
            )
        )
    Person.objects.bulk_create(people, batch_size=500)

    # Past cases, their transitions and evaluations ------------------------------------------------
    at_field = CaseTransition._meta.get_field("at")
    at_field.auto_now_add = False  # keep the historical times we give (benchmark only)
    claims = [c for c, _ in ClaimType.choices]
    load_states = ["agreement_pending", "active", "reporting"]
    batch = 10_000
    for start in range(0, PAST_CASES, batch):
        chunk = []
        for i in range(start, min(start + batch, PAST_CASES)):
            assigned = now - timedelta(days=rng.randint(30, 2000))
            state = rng.choice(load_states) if rng.random() < 0.05 else "closed"
            chunk.append(
                Case(
                    reference=f"BM-{i:07d}",
                    advocate=rng.choice(advocates),
                    defender=rng.choice(defenders),
                    client=rng.choice(people),
                    state=state,
                    claim_type=rng.choice(claims),
                    assigned_at=assigned,
                )
            )
        Case.objects.bulk_create(chunk, batch_size=2000)
        transitions, evaluations = [], []
        for case in chunk:
            transitions.append(
                CaseTransition(case=case, from_state="in_review", to_state="agreement_pending", at=case.assigned_at)
            )
            if case.state != "agreement_pending":
                uptake = timedelta(days=rng.expovariate(1 / 6))
                transitions.append(
                    CaseTransition(
                        case=case, from_state="agreement_pending", to_state="active", at=case.assigned_at + uptake
                    )
                )
            if case.state == "closed" and rng.random() < 0.7:
                overall = Decimal(rng.choice(["2.50", "3.00", "3.50", "4.00", "4.25", "4.50", "4.75", "5.00"]))
                evaluations.append(
                    Evaluation(case=case, side="advocate", author_id=case.advocate.user_id, overall=overall)
                )
        CaseTransition.objects.bulk_create(transitions, batch_size=5000)
        Evaluation.objects.bulk_create(evaluations, batch_size=5000)
    at_field.auto_now_add = True

    # Cases in review to match --------------------------------------------------------------------
    kinds = list(TASK_EXPERTISE)
    review = Case.objects.bulk_create(
        [
            Case(
                reference=f"BQ-{i:05d}",
                advocate=rng.choice(advocates),
                client=rng.choice(people),
                state="in_review",
                claim_type=rng.choice(claims),
            )
            for i in range(QUERIES)
        ]
    )
    Task.objects.bulk_create([Task(case=c, kind=k) for c in review for k in rng.sample(kinds, rng.randint(1, 3))])
    CaseParty.objects.bulk_create(
        [
            CaseParty(case=c, kind="employer", name=rng.choice(employers).upper().replace(".", "").replace(",", ""))
            for c in review
        ]
    )
    return [c.pk for c in review]


def run(case_ids, build_s):
    from puente.cases.matching import suggest
    from puente.cases.models import Case

    cases = list(Case.objects.select_related("client").filter(pk__in=case_ids).order_by("pk"))
    random.Random(7).shuffle(cases)
    cold = []
    for case in cases[:COLD_QUERIES]:
        t = time.perf_counter()
        suggest(case, use_cache=False)
        cold.append((time.perf_counter() - t) * 1000)
    warm, cpu = [], []
    excluded = gaps = 0
    for case in cases:
        t, c = time.perf_counter(), time.process_time()
        result = suggest(case)
        warm.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        excluded += len(result.excluded)
        gaps += len(result.gaps)
    # After a state change somewhere in the network (what follows every assignment): the loads
    # are recomputed, the history is reused.
    from puente.cases.models import CaseTransition

    after_change = []
    for case in cases[:COLD_QUERIES]:
        CaseTransition.objects.create(case=case, from_state="submitted", to_state="in_review")
        t = time.perf_counter()
        suggest(case)
        after_change.append((time.perf_counter() - t) * 1000)
    warm.sort()
    cold.sort()
    cpu.sort()

    def p(values, q):
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]

    from django.db import connection

    print(f"matching_p95_ms: {p(warm, 0.95):.1f} ms")
    print(f"matching_p50_ms: {statistics.median(warm):.1f} ms")
    # CPU time of this process (SQLite runs in it): what the figure would be on an idle machine.
    print(f"matching_cpu_p95_ms: {p(cpu, 0.95):.1f} ms")
    print(f"matching_after_state_change_p50_ms: {statistics.median(after_change):.1f} ms")
    print(f"matching_cold_p50_ms: {statistics.median(cold):.1f} ms")
    print(f"matching_cold_max_ms: {max(cold):.1f} ms")
    print(f"defenders: {DEFENDERS} count")
    print(f"past_cases: {PAST_CASES} count")
    print(f"suggestions_timed: {len(warm)} count")
    print(f"excluded_shown: {excluded} count")
    print(f"gaps_shown: {gaps} count")
    print(f"build_s: {build_s:.1f} s")
    print(f"database: {connection.vendor} name")


if __name__ == "__main__":
    main()
