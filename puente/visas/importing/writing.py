"""Writing: the file's rows into ``VisaCase`` in the import's transaction.

PostgreSQL: rows stream from DuckDB through Arrow's CSV encoder into COPY, the next batch encoded
while the database ingests this one. SQLite: executemany, batches fetched in another thread. A
load that at least doubles a third of the table drops the table's secondary indexes and builds them
after. Employer totals move by what the file added and replaced; the words of new names are
indexed for search; on PostgreSQL the tables are analysed after a large load.
"""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import connection
from django.db.models import Count, Sum
from pyarrow import csv as arrow_csv

from ..models import Agent, AgentName, Employer, EmployerName, EmployerToken, ImportedFile, VisaCase
from ..search import index_names
from ..stats import CERTIFIED_ROW, add_to_employer_totals

FETCH = 20_000  # rows per executemany on SQLite
ANALYZE_ROWS = 10_000  # from this many rows, PostgreSQL's statistics are refreshed after the import
REINDEX_ROWS = 100_000  # from this many rows (and half the table), indexes are built after the load

CASE_COLUMNS = [
    "file_id", "row_number", "case_number", "visa", "fiscal_year", "status", "status_raw", "decision_date",
    "employer_name_filed", "employer_name_id", "employer_id", "employer_city", "employer_state",
    "employer_postal_code", "agent_name_filed", "agent_id", "job_title", "soc_code", "soc_title",
    "workers_requested", "workers_certified", "wage_offered", "wage_unit", "period_start", "period_end",
    "worksite_city", "worksite_state", "org_flag", "role", "counted",
]


def final_select(imported, later, later_joins, as_text=False):
    """The rows to insert, in CASE_COLUMNS order. File id, visa and fiscal year are integers and
    normalised codes from Puente itself, not text from the file. ``later``/``later_joins``: the
    fields normalised in this query (see ``normalising.normalise_rows``). Rows of cases that an
    earlier import decided later (table ``dropped``) are left out. ``as_text``: dates and wages as the text
    SQLite stores (Python's adapters would otherwise run three million times)."""
    def value(f):
        expression = later[f]
        if as_text and f in ("decision_date", "period_start", "period_end", "wage_offered"):
            return f"CAST({expression} AS VARCHAR)"
        return expression

    visa = {"H-2A": "H-2A", "H-2B": "H-2B"}[imported.visa]
    return f"""
        SELECT {int(imported.pk)} AS file_id, t.n AS row_number, t.case_number, '{visa}' AS visa,
               {int(imported.fiscal_year)} AS fiscal_year, t.status, t.status_raw,
               {'CAST(t.decision_date AS VARCHAR)' if as_text else 't.decision_date'} AS decision_date,
               t.employer_name AS employer_name_filed, e.name_id AS employer_name_id, e.employer_id,
               t.employer_city, t.employer_state, {value("employer_postal_code")} AS employer_postal_code,
               t.agent_name AS agent_name_filed, a.agent_id, {value("job_title")} AS job_title,
               {value("soc_code")} AS soc_code, {value("soc_title")} AS soc_title, t.workers_requested,
               t.workers_certified,
               {value("wage_offered")} AS wage_offered, {value("wage_unit")} AS wage_unit,
               {value("period_start")} AS period_start, {value("period_end")} AS period_end,
               {value("worksite_city")} AS worksite_city, {value("worksite_state")} AS worksite_state,
               t.org_flag, coalesce(r.role, 'sole') AS role, coalesce(r.role, 'sole') <> 'member' AS counted
        FROM t
        LEFT JOIN roles AS r ON r.n = t.n
        LEFT JOIN employer_ids AS e
               ON e.name = t.employer_name AND e.city = t.employer_city AND e.state = t.employer_state
        LEFT JOIN agent_ids AS a ON a.name = t.agent_name
        {' '.join(later_joins)}
        WHERE t.case_number <> '' AND t.case_number NOT IN (SELECT case_number FROM dropped)
    """  # noqa: S608 (Puente's own ids and codes, generated names)


_DONE = object()


def prefetched(batches: Iterator, depth: int = 4) -> Iterator:
    """Iterate over ``batches`` produced in a worker thread, ``depth`` ahead: DuckDB and the CSV
    encoder release the GIL, so the next batch is made while this one is written. One worker, so
    the producer is never called from two threads at once."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="visas-batches")
    pending: deque[Future] = deque()
    try:
        for _i in range(depth):
            pending.append(pool.submit(next, batches, _DONE))
        while pending:
            item = pending.popleft().result()
            if item is _DONE:
                return
            pending.append(pool.submit(next, batches, _DONE))
            yield item
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def store_figures(imported: ImportedFile, figures: Any) -> None:
    """The file's own figures on its ``ImportedFile`` (what the command and the pages report)."""
    for name in ("rows", "cases", "certified_cases", "positions_requested", "positions_certified"):
        setattr(imported, name, getattr(figures, name))
    imported.save(update_fields=["rows", "cases", "certified_cases", "positions_requested", "positions_certified"])


def secondary_indexes(cursor, table):
    """(name, statement that creates it) of the table's indexes that back no constraint."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique", [table])
    else:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                       "AND sql IS NOT NULL", [table])
    return cursor.fetchall()


class IndexesBuiltAfter:
    """For a load that at least doubles a third of the table: drop its secondary indexes, load,
    and build them again, in the import's transaction. Building an index once over all the rows
    is cheaper than a million insertions into it (measured on PostgreSQL, 1M rows: COPY with the
    indexes 9.3 s, COPY then CREATE INDEX 7.7 s; on SQLite the gain is larger). Readers keep
    reading on SQLite (WAL: they see the old table until the commit); on PostgreSQL they wait
    until the commit, so a small import into a large table keeps its indexes instead."""

    def __init__(self, cursor, table, adding):
        self.cursor, self.table, self.indexes = cursor, table, []
        if adding >= REINDEX_ROWS:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (the model's table name)
            if adding * 2 >= cursor.fetchone()[0]:
                self.indexes = secondary_indexes(cursor, table)

    def __enter__(self):
        q = connection.ops.quote_name
        for name, _sql in self.indexes:
            self.cursor.execute(f"DROP INDEX {q(name)}")  # noqa: S608 (an index name from the catalogue, quoted)
        return self

    def __exit__(self, kind, error, trace):
        if kind is None:
            for _name, sql in self.indexes:
                self.cursor.execute(sql)
        return False  # an error rolls the whole transaction back, indexes included


def write(con, imported, total, on_rows):
    table = VisaCase._meta.db_table
    cols = ", ".join(CASE_COLUMNS)
    with connection.cursor() as cursor, IndexesBuiltAfter(cursor, table, total):
        if connection.vendor == "postgresql":
            # DuckDB's rows become CSV in Arrow's C++ encoder and go to COPY: no Python per row,
            # and the next batch is made while PostgreSQL ingests this one. An empty text cell is
            # '' (FORCE_NOT_NULL), an empty number or date NULL.
            # The import can be run again: not waiting for the commit's flush to disk costs at
            # most this import after a crash, never consistency.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            text = ", ".join(f.column for f in VisaCase._meta.concrete_fields
                             if f.column in CASE_COLUMNS and f.get_internal_type() == "CharField")
            options = arrow_csv.WriteOptions(include_header=False, quoting_style="needed")
            reader = con.cursor().sql("SELECT * FROM final").to_arrow_reader(FETCH * 5)

            def encoded():
                for batch in reader:
                    out = io.BytesIO()
                    arrow_csv.write_csv(batch, out, options)
                    yield batch.num_rows, out.getvalue()

            copy_sql = f"COPY {table} ({cols}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL ({text}))"  # noqa: S608 (model names)
            with cursor.cursor.copy(copy_sql) as copy:
                for n, data in prefetched(encoded()):
                    copy.write(data)
                    on_rows(n)
            return
        # A larger page cache keeps the indexes in memory during a long import.
        cursor.execute("PRAGMA cache_size = -262144")
        # The file's id, visa and fiscal year are the same on every row: written once into the
        # statement (Puente's own integers and codes) instead of bound a million times each.
        visa = {"H-2A": "H-2A", "H-2B": "H-2B"}[imported.visa]
        constants = f"{int(imported.pk)}, '{visa}', {int(imported.fiscal_year)}"
        rest = [c for c in CASE_COLUMNS if c not in ("file_id", "visa", "fiscal_year")]
        marks = ", ".join(["%s"] * len(rest))
        result = con.cursor().execute(f"SELECT {', '.join(rest)} FROM final")  # noqa: S608 (column names from the code)
        insert = f"INSERT INTO {table} (file_id, visa, fiscal_year, {', '.join(rest)}) VALUES ({constants}, {marks})"  # noqa: S608 (Puente's own ids and codes; values are parameters)
        for batch in prefetched(iter(lambda: result.fetchmany(FETCH), [])):
            cursor.executemany(insert, batch)
            on_rows(len(batch))


def employer_totals_of_file(imported):
    """(employer id, positions certified, rows) of an imported file's rows, per employer."""
    return (VisaCase.objects.filter(file=imported, employer__isnull=False).order_by().values("employer_id")
            .annotate(p=Sum("workers_certified", filter=CERTIFIED_ROW), n=Count("pk"))
            .values_list("employer_id", "p", "n"))


def summarise(imported, summary, changes):
    """Store the file's figures, move the employers' totals by what the file added and replaced,
    and index the words of the new names for search. Totals move by differences rather than being
    recounted: a file's own rows are a fraction of the table (the counting is tested against
    independent sums in tests/visas)."""
    store_figures(imported, summary)
    add_to_employer_totals({e: c for e, c in changes.items() if c != [0, 0]})
    index_names(summary.new_names)
    if connection.vendor == "postgresql" and summary.rows >= ANALYZE_ROWS:
        # Fresh statistics for the planner right after a bulk load, not whenever autovacuum
        # comes: without them the employer search planned a 1.3 s join (docs/visas.md, search).
        tables = [m._meta.db_table for m in (VisaCase, Employer, EmployerName, EmployerToken, Agent, AgentName)]
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))  # noqa: S608 (the models' table names, quoted)
