"""Versions of one fiscal year: OFLC republishes the current year's file each quarter, each release
holding the earlier quarters' cases again, sometimes with a later decision.

A file whose case numbers overlap an earlier import of the same visa and fiscal year supersedes it
case by case: for each case in both, the later decision wins (the newer import when the decision
dates are equal or missing); the other side's rows of that case are not written, or are removed.
So no position is counted twice, and the summary says what was superseded and what was kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa
from django.db.models import Count, Max, Q, Sum

from ..models import CERTIFIED_STATUSES, ImportedFile, VisaCase
from ..stats import CERTIFIED_ROW
from .writing import store_figures

BATCH = 500


@dataclass
class Overlap:
    superseded: dict[int, list[str]] = field(default_factory=dict)  # earlier file id -> its case numbers replaced
    kept: Counter = field(default_factory=Counter)  # earlier file id -> cases kept there (decided later)
    names: dict[int, str] = field(default_factory=dict)


def find(con, visa: str, fiscal_year: int) -> Overlap:
    """Compare the file's cases (table ``t``) with the earlier imports of the same visa and fiscal
    year; create DuckDB table ``dropped`` (case numbers this file does not write)."""
    overlap = Overlap()
    earlier = dict(ImportedFile.objects.filter(visa=visa, fiscal_year=fiscal_year).values_list("pk", "name"))
    con.execute("CREATE TABLE dropped (case_number VARCHAR)")
    if not earlier:
        return overlap
    overlap.names = earlier
    # Every case of the earlier files (one query; their overlap with this file is found in DuckDB).
    found = list(VisaCase.objects.filter(file_id__in=list(earlier)).order_by()
                 .values("file_id", "case_number").annotate(d=Max("decision_date"))
                 .values_list("file_id", "case_number", "d"))
    if not found:
        return overlap
    con.register("old_src", pa.table({
        "file_id": pa.array([f for f, _c, _d in found], pa.int64()),
        "case_number": pa.array([c for _f, c, _d in found], pa.string()),
        "d": pa.array([d for _f, _c, d in found], pa.date32()),
    }))
    con.execute("""
        CREATE TABLE overlap AS
        SELECT o.file_id, o.case_number, coalesce(o.d > n.d, false) AS earlier_wins
        FROM old_src AS o
        JOIN (SELECT case_number, max(decision_date) AS d FROM t WHERE case_number <> '' GROUP BY case_number) AS n
          ON n.case_number = o.case_number
    """)
    con.unregister("old_src")
    con.execute("INSERT INTO dropped SELECT DISTINCT case_number FROM overlap WHERE earlier_wins")
    dropped = {r[0] for r in con.execute("SELECT case_number FROM dropped").fetchall()}
    for file_id, case_number, earlier_wins in con.execute(
            "SELECT file_id, case_number, earlier_wins FROM overlap ORDER BY file_id, case_number").fetchall():
        if earlier_wins or case_number in dropped:
            overlap.kept[file_id] += 1
        else:
            overlap.superseded.setdefault(file_id, []).append(case_number)
    return overlap


def remove_superseded(overlap: Overlap, changes: dict[int, list[int]]) -> None:
    """Delete the earlier files' rows of the superseded cases, take them off their employers'
    totals (``changes``: employer id -> [positions certified, rows]) and recount those files."""
    for file_id, case_numbers in overlap.superseded.items():
        for start in range(0, len(case_numbers), BATCH):
            rows = VisaCase.objects.filter(file_id=file_id, case_number__in=case_numbers[start:start + BATCH])
            for employer_id, positions, n in (rows.filter(employer__isnull=False).order_by().values("employer_id")
                                              .annotate(p=Sum("workers_certified", filter=CERTIFIED_ROW), n=Count("pk"))
                                              .values_list("employer_id", "p", "n")):
                change = changes.setdefault(employer_id, [0, 0])
                change[0] -= positions or 0
                change[1] -= n
            rows.delete()
        recount(ImportedFile.objects.get(pk=file_id))


@dataclass
class _Figures:
    rows: int
    cases: int
    certified_cases: int | None
    positions_requested: int | None
    positions_certified: int | None


def recount(imported: ImportedFile) -> None:
    """An earlier file's figures from the rows it still has."""
    figures = VisaCase.objects.filter(file=imported).aggregate(
        rows=Count("pk"), cases=Count("case_number", distinct=True),
        certified_cases=Count("case_number", distinct=True, filter=Q(status__in=CERTIFIED_STATUSES)),
        positions_requested=Sum("workers_requested", filter=Q(counted=True)),
        positions_certified=Sum("workers_certified", filter=CERTIFIED_ROW),
    )
    store_figures(imported, _Figures(
        rows=figures["rows"], cases=figures["cases"],
        certified_cases=figures["certified_cases"] if imported.certified_cases is not None else None,
        positions_requested=(figures["positions_requested"] or 0) if imported.positions_requested is not None else None,
        positions_certified=(figures["positions_certified"] or 0) if imported.positions_certified is not None else None,
    ))


def describe(overlap: Overlap) -> list[dict]:
    """What this import superseded and kept, per earlier file, for the summary and the record."""
    ids = sorted(set(overlap.superseded) | set(overlap.kept))
    return [{"file_id": i, "file": overlap.names.get(i, ""), "superseded_cases": len(overlap.superseded.get(i, [])),
             "kept_cases": overlap.kept.get(i, 0)} for i in ids]
