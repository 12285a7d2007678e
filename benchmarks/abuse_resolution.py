"""Recruiter resolution at scale, without a database: N synthetic recruiters, a third of them
written a second way (case, accents, punctuation, legal suffix, title, a typo), then blocking
and scoring as ``do_run_resolution`` does. Prints time, pairs compared, and how many true
duplicates were found certain / sent to review / missed, and how many false pairs came up.

    .venv/bin/python benchmarks/abuse_resolution.py [N]
"""

import os
import random
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "puente.settings")

import django

django.setup()

from puente.abuse import resolution

N = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
rng = random.Random(7)
FIRST = ["José", "Juan", "María", "Pedro", "Luis", "Ana", "Jesús", "Francisco", "Rosa", "Miguel", "Elvia", "Marvin"]
LAST = ["Pérez", "Gómez", "Hernández", "López", "Tzoc", "Xol", "Chuc", "Cux", "Ajanel", "Vázquez", "Ramírez",
        "Martínez", "García", "Cruz", "Morales", "Jiménez", "Reyes", "Castillo", "Ortiz", "Gutiérrez"]
WORDS = ["Norte", "Sur", "Pacífico", "Golfo", "Sierra", "Valle", "Maya", "Azteca", "Lempira", "Cuchumatanes",
         "Bajío", "Istmo", "Altiplano", "Costa", "Frontera", "Occidente", "Oriente", "Centro", "Montaña", "Río"]
KINDS = ["Reclutadora", "Agencia", "Servicios Laborales", "Contrataciones", "Empleos", "Grupo"]
SUFFIX = ["", " S.A. de C.V.", " S. de R.L.", " SA DE CV", " S.C."]
TITLE = ["", "Lic. ", "Ing. ", "Don "]


def original(i):
    if i % 2:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}"
    return f"{rng.choice(KINDS)} {rng.choice(WORDS)} {rng.choice(WORDS)} {i}"


def variant(name, i):
    v = name
    if i % 2:
        v = rng.choice(TITLE) + v
    else:
        v = v + rng.choice(SUFFIX)
    if rng.random() < 0.5:
        v = v.upper()
    if rng.random() < 0.3:
        # one typo: a swapped pair of letters
        pos = rng.randrange(1, len(v) - 2)
        v = v[:pos] + v[pos + 1] + v[pos] + v[pos + 2:]
    return v


profiles, truth = [], {}
next_id = 1
used = set()
for i in range(N):
    name = original(i)
    while resolution.normalise(name) in used:  # distinct recruiters have distinct names here
        name = original(i)
    used.add(resolution.normalise(name))
    profiles.append(resolution.Profile(id=next_id, names=[name], phones=[]))
    base = next_id
    next_id += 1
    if i % 3 == 0:
        profiles.append(resolution.Profile(id=next_id, names=[variant(name, i)], phones=[]))
        truth[(base, next_id)] = True
        next_id += 1

tracemalloc.start()
t0 = time.perf_counter()
pairs = list(resolution.candidate_pairs(profiles))
elapsed = time.perf_counter() - t0
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()

# What filing one report costs: profiles of every recruiter, pairs involving the new one only.
t1 = time.perf_counter()
# (as ``resolution.profiles`` does: keys come stored from the database, not normalised again)
resolution.sound_fold.cache_clear()
fresh = [resolution.Profile(id=p.id, names=p.names, phones=p.phones, keys=list(p.keys)) for p in profiles]
list(resolution.candidate_pairs(fresh, only={profiles[-1].id}))
one = time.perf_counter() - t1

certain = {(a.id, b.id) for a, b, s, _r in pairs if s >= resolution.CERTAIN}
review = {(a.id, b.id) for a, b, s, _r in pairs if s < resolution.CERTAIN}
true_pairs = set(truth)
print(f"abuse_resolution_recruiters: {len(profiles)} recruiters")
print(f"abuse_resolution_time: {elapsed:.2f} s")
print(f"abuse_resolution_one_new_recruiter: {one * 1000:.0f} ms")
print(f"abuse_resolution_peak_memory: {peak / 1048576:.1f} MiB")
print(f"abuse_resolution_true_pairs_certain: {len(true_pairs & certain)} pairs")
print(f"abuse_resolution_true_pairs_review: {len(true_pairs & review)} pairs")
print(f"abuse_resolution_true_pairs_missed: {len(true_pairs - certain - review)} pairs")
print(f"abuse_resolution_false_certain: {len(certain - true_pairs)} pairs")
print(f"abuse_resolution_false_review: {len(review - true_pairs)} pairs")
