"""Importing OFLC disclosure files (CSV, XLSX, XLS) into ``VisaCase`` rows.

The work is columnar, in a private in-memory DuckDB database (a Python loop over every cell of a
million-row file was the import's whole cost), in five steps, one module each:

1. ``reading``: the file into DuckDB (DuckDB's own CSV reader, or Python's for spreadsheets and
   other encodings); a file that cannot be read is refused with one line.
2. ``normalising``: which column is which, the visa and fiscal year, and each field's distinct
   values normalised once; ``normalising.problems`` lists what refuses the file.
3. ``names``: employer and agent names as filed become ids (created while DuckDB normalises).
4. ``counting``: the master/member rule and the file's figures (only certified applications
   certify positions); ``versions``: cases an earlier release of the same year decided later.
5. ``writing``: one transaction; COPY on PostgreSQL, executemany on SQLite.

``import_file`` runs them; a refusal (``FileRefused``) writes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from .. import normalise
from ..models import ImportedFile, VisaCase
from . import counting, names, normalising, reading, versions, writing
from .counting import assign_roles
from .errors import FileRefused
from .reading import detect_encoding, open_rows

__all__ = ["FileRefused", "Summary", "assign_roles", "detect_encoding", "import_file", "open_rows"]

Progress = Callable[[int, int | None], None]  # (rows just written, total rows or None)


@dataclass
class Summary:
    file: str
    visa: str
    fiscal_year: int
    rows: int = 0
    cases: int = 0
    certified_cases: int | None = 0
    positions_requested: int | None = 0
    positions_certified: int | None = 0
    employers: int = 0
    replaced: list = field(default_factory=list)
    superseded: list = field(default_factory=list)  # versions.describe: earlier releases of this year
    warnings: list = field(default_factory=list)
    new_employers: set = field(default_factory=set)
    new_names: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in (
            "file", "visa", "fiscal_year", "rows", "cases", "certified_cases", "positions_requested",
            "positions_certified", "employers", "replaced", "superseded", "warnings")}


def _no_progress(n: int, total: int | None) -> None:
    return None


def _check_file(path: Path, visa: str | None) -> str | None:
    if not path.exists():
        raise FileRefused(path, [_("%(file)s: no such file") % {"file": path}])
    if path.stat().st_size == 0:
        raise FileRefused(path, [_("%(file)s: the file is empty") % {"file": path.name}])
    if path.suffix.lower() == ".csv":
        with open(path, "rb") as fh:
            if b"\0" in fh.read(4096):
                raise FileRefused(path, [_("%(file)s: not a readable CSV file (binary content: a spreadsheet or "
                                           "archive named .csv?)") % {"file": path.name}])
    if visa:
        visa = normalise.visa_value(visa) or None
        if not visa:
            raise FileRefused(path, [_("%(file)s: --visa must be H-2A or H-2B") % {"file": path.name}])
    return visa


def _mapping(path: Path, headers: list[str]) -> normalising.Mapping:
    if not any(str(h).strip() for h in headers):
        raise FileRefused(path, [_("%(file)s: no header row: the file holds no table") % {"file": path.name}])
    mapping, problems = normalising.map_headers(headers, path)
    missing = []
    for required in ("case_number", "employer_name"):
        if required not in mapping:
            missing.append(_("%(file)s: row 1 (header): no %(field)s column (looked for %(looked)s; headers "
                                 "seen: %(seen)s)") % {
                "file": path.name, "field": required.replace("_", " "),
                "looked": normalising._looked_for(required), "seen": "; ".join(str(h) for h in headers)[:500]})
    problems = missing + problems
    if problems:
        raise FileRefused(path, problems)
    return mapping


def import_file(path, visa: str | None = None, fiscal_year: int | None = None, importer: str = "",
                progress: Progress | None = None) -> Summary:
    """Import one file in one transaction. Returns a ``Summary``; raises ``FileRefused``.
    ``progress(rows, total)`` is called as rows are written (the command draws a bar with it)."""
    path = Path(path)
    try:
        return _import_file(path, visa, fiscal_year, importer, progress)
    except (duckdb.Error, OSError, UnicodeError, csv.Error) as error:
        # What the readers could not make sense of: one line naming the file, nothing written.
        raise FileRefused(path, [_("%(file)s: cannot be read (%(error)s)") % {
            "file": path.name, "error": (str(error).splitlines() or [type(error).__name__])[0][:200]}]) from error


def _import_file(path: Path, visa: str | None, fiscal_year: int | None, importer: str,
                 progress: Progress | None) -> Summary:
    visa = _check_file(path, visa)
    progress = progress or _no_progress
    rows = None
    headers, head_line = reading.csv_head(path) if path.suffix.lower() == ".csv" else (None, None)
    if headers is None:
        headers, rows = open_rows(path)
    mapping = _mapping(path, headers)
    con = reading.connect()
    try:
        # Leaving the pool waits for its thread: DuckDB's connection is closed only after.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="visas-import") as pool:
            # The file's checksum (which import it repeats) is computed while DuckDB reads the file.
            facts = pool.submit(reading.file_facts, path)
            needed = normalising.needed(mapping)
            seen = reading.read_into(con, path, headers, head_line, rows, needed, lambda: facts.result()[1])
            if seen is not headers and normalising.map_headers(seen, path)[0] != mapping:
                raise FileRefused(path, [_("%(file)s: the header reads differently in its own encoding") % {
                    "file": path.name}])
            sha = facts.result()[0]
            sample = [(n, _sample_row(len(headers), needed, cells)) for n, *cells in con.execute(
                f"SELECT n, {', '.join(f'c{i}' for i in needed)} FROM raw ORDER BY n "  # noqa: S608 (generated names)
                f"LIMIT {normalising.SAMPLE}").fetchall()]
            if not sample:
                raise FileRefused(path, [_("%(file)s: no rows after the header (truncated or empty)") % {
                    "file": path.name}])
            visa, fiscal_year, problems = normalising.detect(path, mapping, sample, visa, fiscal_year)
            if problems or not visa or not fiscal_year:
                raise FileRefused(path, problems)
            normalised = normalising.normalise_rows(con, mapping)
            # DuckDB builds t in another thread while this one links the names in the database.
            building = pool.submit(con.cursor().execute, normalised.table_t)
            employer_keys = set(con.execute(
                normalised.name_keys("employer_name", "employer_city", "employer_state")).fetchall())
            agent_names = {r[0] for r in con.execute(normalised.name_keys("agent_name")).fetchall()}
            with transaction.atomic():
                return _import(con, path, headers, mapping, normalised, visa, fiscal_year, sha, importer,
                               employer_keys, agent_names, building, progress)
    finally:
        con.close()


def _import(con, path, headers, mapping, normalised, visa, fiscal_year, sha, importer, employer_keys,
            agent_names, building, progress) -> Summary:
    summary = Summary(file=path.name, visa=visa, fiscal_year=fiscal_year)
    changes: dict[int, list[int]] = {}  # employer id -> [change of positions certified, change of rows]
    previous = ImportedFile.objects.select_for_update().filter(
        Q(sha256=sha) | Q(visa=visa, fiscal_year=fiscal_year, name=path.name))
    for old in previous:
        summary.replaced.append(old.pk)
        for employer_id, positions, n in writing.employer_totals_of_file(old):
            change = changes.setdefault(employer_id, [0, 0])
            change[0] -= positions or 0
            change[1] -= n
        VisaCase.objects.filter(file=old).delete()
        old.delete()
    book = names.link_names(con, employer_keys, agent_names)
    building.result()
    # Checked before any row of the file is written; a refusal rolls back the names too.
    problems = normalising.problems(con, path, headers, mapping, normalised)
    if problems:
        raise FileRefused(path, problems)
    overlap = versions.find(con, visa, fiscal_year)
    imported = ImportedFile.objects.create(
        name=path.name, path=str(path), sha256=sha, visa=visa, fiscal_year=fiscal_year, importer=importer)
    has_certified, has_requested = "workers_certified" in mapping, "workers_requested" in mapping
    con.execute(counting.roles_sql("org_flag" in mapping or "primary_sub" in mapping,
                                   has_certified or not has_requested))
    con.execute("""
        CREATE VIEW kept AS
        SELECT t.n, t.case_number, t.status, coalesce(r.role, 'sole') <> 'member' AS counted,
               t.workers_requested, t.workers_certified, e.employer_id
        FROM t
        LEFT JOIN roles AS r ON r.n = t.n
        LEFT JOIN employer_ids AS e
               ON e.name = t.employer_name AND e.city = t.employer_city AND e.state = t.employer_state
        WHERE t.case_number <> '' AND t.case_number NOT IN (SELECT case_number FROM dropped)
    """)
    figures = counting.count(con, has_requested, has_certified, "status" in mapping)
    for name in counting.as_figures(figures):
        setattr(summary, name, getattr(figures, name))
    versions.remove_superseded(overlap, changes)
    summary.superseded = versions.describe(overlap)
    imported.versions = summary.superseded
    imported.save(update_fields=["versions"])
    select = writing.final_select(imported, normalised.later, normalised.later_joins,
                                  as_text=connection.vendor == "sqlite")
    con.execute(f"CREATE VIEW final AS {select}")  # noqa: S608 (SQL of the code's own)
    progress(0, figures.rows)
    writing.write(con, imported, figures.rows, lambda n: progress(n, figures.rows))
    summary.new_employers, summary.new_names = book.new_employers, book.new_names
    for employer_id, positions, n in figures.employer_totals:
        change = changes.setdefault(employer_id, [0, 0])
        change[0] += positions
        change[1] += n
    writing.summarise(imported, summary, changes)
    return summary


def _sample_row(width: int, needed: list[int], cells: list) -> list:
    row: list[Any] = [""] * width
    for i, cell in zip(needed, cells, strict=True):
        row[i] = cell if cell is not None else ""
    return row
