"""Counting: which rows count (the master/member rule), and the file's figures.

- **Positions certified** count only rows of applications DOL certified (fully, partly, or a
  certification that later expired: ``CERTIFIED_STATUSES``); withdrawn and denied applications
  often carry worker numbers and certify none. Each position once: the master/member rule
  (``assign_roles``, docs/visas.md) runs as window functions over the rows of each case number,
  wherever in the file they are.
- A file without a certified (or requested) column has that measure unknown: NULL, never 0 and
  never another column's value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..models import CERTIFIED_STATUSES, Role

CERTIFIED_SQL = ", ".join(f"'{s}'" for s in CERTIFIED_STATUSES)


def assign_roles(group: list[dict], has_flags: bool) -> None:
    """Set role and counted on the rows of one case number (see docs/visas.md).

    ``group`` is a list of dicts with "flag" ("" or a letter), "sub" (True/False/None from
    PRIMARY/SUB) and "certified" (int or None; the requested number in a file without a certified
    column).

    - Files with ORGANIZATION_FLAG or PRIMARY/SUB: a flagged (or PRI) row followed by blank-flag
      (or SUB) rows is the master; it carries the application's total and is counted; its members
      carry their shares and are not counted. A case with no members is one sole row.
    - Files without a flag (H-2A FY2006-2007, H-2B): when one row of a case holds at least the sum
      of the other rows, it is the master (the association's total) and the rest are members;
      otherwise every row is counted.
    """
    if len(group) == 1:
        group[0]["role"], group[0]["counted"] = Role.SOLE, True
        return
    if has_flags:
        def is_master(r: dict) -> bool:
            return (r["sub"] is False) if r["sub"] is not None else bool(r["flag"])
        masters = [r for r in group if is_master(r)]
        members = [r for r in group if not is_master(r)]
        if masters and members:
            for r in masters:
                r["role"], r["counted"] = Role.MASTER, True
            for r in members:
                r["role"], r["counted"] = Role.MEMBER, False
            return
    else:
        values = [r["certified"] or 0 for r in group]
        total = sum(values)
        top = max(values)
        if top >= total - top:
            master_index = values.index(top)
            for i, r in enumerate(group):
                r["role"], r["counted"] = (Role.MASTER, True) if i == master_index else (Role.MEMBER, False)
            return
    for r in group:
        r["role"], r["counted"] = Role.SOLE, True


def roles_sql(has_flags: bool, has_certified: bool) -> str:
    """The counting rule of ``assign_roles`` as window functions over the rows of each case number.
    Ties and order follow the file: the master of an unflagged group is its first largest row. In a
    file without a certified column the requested numbers decide (the duplicated rows of H-2B FY2005)."""
    value = "coalesce(workers_certified, 0)" if has_certified else "coalesce(workers_requested, 0)"
    master = "CASE WHEN primary_sub <> '' THEN primary_sub = 'pri' ELSE org_flag <> '' END"
    flagged = ("CASE WHEN masters > 0 AND masters < size THEN CASE WHEN is_master THEN 'master' ELSE 'member' END "
               "ELSE 'sole' END")
    unflagged = ("CASE WHEN top >= total - top THEN CASE WHEN n = top_n THEN 'master' ELSE 'member' END "
                 "ELSE 'sole' END")
    return f"""
        CREATE TABLE roles AS
        WITH g AS (
            SELECT n, case_number, {master} AS is_master, {value} AS v FROM t WHERE case_number <> ''
        ), w AS (
            SELECT n, is_master,
                   count(*) OVER c AS size, sum(is_master::INT) OVER c AS masters,
                   sum(v) OVER c AS total, max(v) OVER c AS top,
                   first_value(n) OVER (PARTITION BY case_number ORDER BY v DESC, n) AS top_n
            FROM g WINDOW c AS (PARTITION BY case_number)
        )
        SELECT n, CASE WHEN size = 1 THEN 'sole' WHEN {str(has_flags).lower()} THEN {flagged} ELSE {unflagged} END
               AS role
        FROM w
    """  # noqa: S608 (SQL of the code's own, no input)


@dataclass
class Figures:
    rows: int = 0
    cases: int = 0
    certified_cases: int | None = 0
    positions_requested: int | None = 0
    positions_certified: int | None = 0
    employers: int = 0
    employer_totals: list[tuple[int, int, int]] = field(default_factory=list)


def count(con, has_requested: bool, has_certified: bool, has_status: bool) -> Figures:
    """The file's figures, and each employer's share of them, from the rows about to be written
    (view ``kept``: the rows of table ``t`` that this import writes, with role and employer)."""
    certified = f"status IN ({CERTIFIED_SQL})"
    rows, cases, certified_cases, requested, positions, employers = con.execute(f"""
        SELECT count(*), count(DISTINCT case_number),
               count(DISTINCT case_number) FILTER (WHERE {certified}),
               coalesce(sum(workers_requested) FILTER (WHERE counted), 0),
               coalesce(sum(workers_certified) FILTER (WHERE counted AND {certified}), 0),
               count(DISTINCT employer_id)
        FROM kept
    """).fetchall()[0]  # noqa: S608 (Puente's own status codes)
    totals = con.execute(f"""
        SELECT employer_id, coalesce(sum(workers_certified) FILTER (WHERE counted AND {certified}), 0), count(*)
        FROM kept WHERE employer_id IS NOT NULL GROUP BY employer_id ORDER BY employer_id
    """).fetchall()  # noqa: S608 (Puente's own status codes)
    known = has_certified and has_status
    return Figures(
        rows=rows, cases=cases, certified_cases=certified_cases if has_status else None,
        positions_requested=int(requested) if has_requested else None,
        positions_certified=int(positions) if known else None, employers=employers,
        employer_totals=[(e, int(p) if known else 0, n) for e, p, n in totals],
    )


def as_figures(summary: Any) -> dict:
    return {k: getattr(summary, k) for k in ("rows", "cases", "certified_cases", "positions_requested",
                                             "positions_certified", "employers")}
