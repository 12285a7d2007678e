"""`puente locate link --engine spark` runs Splink on PySpark (local mode, Java 17) and gives the
same pairs as the DuckDB engine on the same input. Slow (a JVM starts): marked ``spark``."""

import csv
import random
import shutil

import pytest
from django.core.management import call_command

pytest.importorskip("pyspark")
pytestmark = pytest.mark.spark

GIVEN = ["Juan", "José", "María", "Ana", "Pedro", "Luis", "Rosa", "Carmen", "Miguel", "Juana", "Francisco",
         "Guadalupe", "Jorge", "Elena", "Marta", "Santiago", "Lucía", "Andrés", "Teresa", "Diego"]
SURNAMES = ["García", "López", "Hernández", "Xol", "Ajú", "Tum", "Pérez", "Martínez", "Cruz", "Ramírez",
            "Gómez", "Chávez", "Mejía", "Caal", "Coc", "Pop", "Morales", "Reyes", "Vásquez", "Ortiz"]
COLUMNS = ["id", "given_names", "surname_1", "surname_2", "sex", "birth_date", "country", "admin1", "municipality",
           "phone"]


def _people(rng, n):
    out = []
    for i in range(n):
        out.append({
            "id": f"R{i}", "given_names": rng.choice(GIVEN), "surname_1": rng.choice(SURNAMES),
            "surname_2": rng.choice(SURNAMES + [""]), "sex": rng.choice("FM"),
            "birth_date": f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "country": rng.choice(["GT", "MX", "HN"]), "admin1": "",
            "municipality": rng.choice(["", "Cobán", "Tlaxiaco"]),
            "phone": "",
        })
    return out


def _variant(rng, person, i):
    p = dict(person, id=f"L{i}")
    change = rng.choice(["same", "typo", "swap", "year", "drop2"])
    if change == "typo" and len(p["surname_1"]) > 3:
        k = rng.randrange(1, len(p["surname_1"]) - 1)
        p["surname_1"] = p["surname_1"][:k] + p["surname_1"][k + 1:]
    elif change == "swap" and p["surname_2"]:
        p["surname_1"], p["surname_2"] = p["surname_2"], p["surname_1"]
    elif change == "year":
        p["birth_date"] = str(int(p["birth_date"][:4]) + 1) + p["birth_date"][4:]
    elif change == "drop2":
        p["surname_2"] = ""
    return p


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _pairs(path):
    with open(path, encoding="utf-8") as fh:
        return {(r["left_id"], r["right_id"]): float(r["match_probability"]) for r in csv.DictReader(fh)}


@pytest.mark.skipif(shutil.which("java") is None, reason="Java is not installed")
def test_spark_engine_gives_the_same_pairs_as_duckdb(tmp_path):
    rng = random.Random(17)
    right = _people(rng, 1500)
    left = [_variant(rng, p, i) for i, p in enumerate(rng.sample(right, 120))] + [
        dict(p, id=f"L{1000 + i}") for i, p in enumerate(_people(random.Random(99), 30))]  # 30 with no match
    _write(tmp_path / "left.csv", left)
    _write(tmp_path / "right.csv", right)
    call_command("locate", "link", str(tmp_path / "left.csv"), str(tmp_path / "right.csv"),
                 "--out", str(tmp_path / "duckdb.csv"), "--threshold", "0.5")
    call_command("locate", "link", str(tmp_path / "left.csv"), str(tmp_path / "right.csv"),
                 "--out", str(tmp_path / "spark.csv"), "--threshold", "0.5", "--engine", "spark")
    duck, spark = _pairs(tmp_path / "duckdb.csv"), _pairs(tmp_path / "spark.csv")
    assert len(duck) >= 100  # the variants are found
    assert set(duck) == set(spark)
    assert max(abs(duck[k] - spark[k]) for k in duck) < 1e-9
