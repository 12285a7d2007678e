"""Reading OFLC disclosure files (CSV, XLSX, XLS) into ``VisaCase`` rows.

The work is columnar, in an in-memory DuckDB database, because a Python loop over every cell of
a million-row file was the import's whole cost:

1. *Read*: a UTF-8 CSV is parsed by DuckDB itself; anything else (XLSX and XLS through calamine,
   CSV in cp1252 or latin-1, or a CSV DuckDB cannot parse strictly) is read in Python and handed
   to DuckDB as text columns. Only the columns that ``columns.FIELDS`` maps are kept.
2. *Normalise*: statuses, states, dates, wages, units, flags and worker counts repeat a lot, so
   each distinct value goes once through the Python function in ``normalise`` and is joined back
   as a small table; free text (names, cities, job titles) is cleaned in SQL.
3. *Count*: the master/member rule (``assign_roles``, docs/visas.md) runs as window functions over
   the rows of each case number, wherever in the file they are.
4. *Check*: any problem (a blank case number, a count that is not a number) is listed with file,
   row and column, and the file is refused before anything is written.
5. *Write*: one transaction; COPY on PostgreSQL, executemany on SQLite. A file imported again
   replaces its earlier rows.
"""

import csv
import hashlib
import functools
import io
import itertools
import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.db.models import Q

from . import columns, normalise
from .bulk import insert_rows
from .models import (
    CERTIFIED_STATUSES, Agent, AgentName, Employer, EmployerName, EmployerToken, ImportedFile, LinkMethod, Role,
    VisaCase,
)

SAMPLE = 5_000  # rows looked at to find the visa and fiscal year in the content
MAX_PROBLEMS = 25
FETCH = 20_000  # rows per executemany on SQLite
ANALYZE_ROWS = 10_000  # from this many rows, PostgreSQL's statistics are refreshed after the import
REINDEX_ROWS = 100_000  # from this many rows (and half the table), indexes are built after the load


class FileRefused(Exception):
    """The file cannot be imported; ``problems`` name file, row and column."""

    def __init__(self, path, problems):
        self.path = str(path)
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class Summary:
    file: str
    visa: str
    fiscal_year: int
    rows: int = 0
    cases: int = 0
    certified_cases: int = 0
    positions_requested: int = 0
    positions_certified: int = 0
    employers: int = 0
    replaced: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def as_dict(self):
        return {k: getattr(self, k) for k in (
            "file", "visa", "fiscal_year", "rows", "cases", "certified_cases", "positions_requested",
            "positions_certified", "employers", "replaced", "warnings")}


# --- reading ---------------------------------------------------------------------------------

def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def detect_encoding(path) -> str:
    """utf-8 when every byte decodes as utf-8, else cp1252 (Windows exports), else latin-1."""
    stat = os.stat(path)
    return _detect_encoding(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _detect_encoding(path, size, mtime):  # size and mtime: a changed file is read again
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = io.TextIOWrapper(open(path, "rb"), encoding=encoding, errors="strict", newline="")
        try:
            while decoder.read(1 << 22):
                pass
            return encoding
        except UnicodeDecodeError:
            continue
        finally:
            decoder.close()
    return "latin-1"


def _header_index(rows_head):
    """Index of the header row: the first of the first rows that names a case-number column."""
    aliases = {columns.header_key(a) for a in columns.FIELDS["case_number"]}
    for i, row in enumerate(rows_head):
        if any(columns.header_key(c) in aliases for c in row):
            return i
    return 0


def open_rows(path, encoding=None):
    """(headers, iterator of (row_number, cells)) for a CSV, XLSX or XLS file. Row numbers are the
    file's own (the header is row 1 when it is the first line). ``encoding`` of a CSV: detected
    from the whole file when not given."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        # python-calamine reads XLSX and old XLS alike, and is much faster than openpyxl/xlrd.
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        aliases = {columns.header_key(a) for a in columns.FIELDS["case_number"]}
        chosen = None
        # The first sheet whose header (within its first rows) names a case number; else the first.
        for sheet_name in book.sheet_names:
            data = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
            if not data:
                continue
            head = _header_index(data[:10])
            if any(columns.header_key(c) in aliases for c in data[head]):
                chosen = (data, head)
                break
            chosen = chosen or (data, head)
        if chosen is None:
            return [], (row for row in ())
        data, head = chosen
        headers = [normalise.clean_text(c) for c in data[head]]
        return headers, ((head + 2 + i, row) for i, row in enumerate(data[head + 1:]))
    encoding = encoding or detect_encoding(path)
    fh = open(path, encoding=encoding, newline="")
    reader = csv.reader(fh)
    head_rows = []
    for row in reader:
        head_rows.append(row)
        if len(head_rows) >= 10:
            break
    head = _header_index(head_rows)
    headers = [h.strip() for h in head_rows[head]] if head_rows else []

    def iterate():
        try:
            n = head + 1
            for row in head_rows[head + 1:]:
                n += 1
                yield n, row
            for row in reader:
                n += 1
                yield n, row
        finally:
            fh.close()

    return headers, iterate()


def _csv_head(path):
    """(headers, index of the header record) of a CSV, from its first lines only: enough for
    DuckDB to be tried on it. The encoding is guessed from the first megabyte; a file that is not
    UTF-8 further on makes DuckDB fail, and the Python reader then detects it from the whole file."""
    with open(path, "rb") as fh:
        start = fh.read(1 << 20)
    try:
        start.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the megabyte's end is still UTF-8.
        encoding = "utf-8-sig" if error.start >= len(start) - 3 else None
    if encoding is None:
        return None, None
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        head_rows = list(itertools.islice(csv.reader(fh), 10))
    head = _header_index(head_rows)
    return ([h.strip() for h in head_rows[head]] if head_rows else []), head


def map_headers(headers):
    """field -> list of getters' column specs (an index, or a tuple of indexes to join)."""
    index = {}
    for i, h in enumerate(headers):
        index.setdefault(columns.header_key(h), i)
    mapping = {}
    for fname, aliases in columns.FIELDS.items():
        specs = []
        for alias in aliases:
            if isinstance(alias, tuple):
                idx = tuple(index.get(columns.header_key(a)) for a in alias)
                if all(i is not None for i in idx):
                    specs.append(idx)
            elif columns.header_key(alias) in index and index[columns.header_key(alias)] not in specs:
                specs.append(index[columns.header_key(alias)])
        if specs:
            mapping[fname] = specs
    return mapping


def _getter(specs):
    """A function row -> first non-blank value among the columns in ``specs``."""
    if len(specs) == 1 and isinstance(specs[0], int):
        i = specs[0]

        def get(row):
            return row[i] if i < len(row) else None

        return get

    def get_multi(row):
        for spec in specs:
            if isinstance(spec, tuple):
                value = " ".join(normalise.clean_text(row[i]) for i in spec if i < len(row)).strip()
            else:
                value = row[spec] if spec < len(row) else None
            if value not in (None, ""):
                return value
        return None

    return get_multi


# --- counting ----------------------------------------------------------------------------------

def assign_roles(group, has_flags):
    """Set role and counted on the rows of one case number (see docs/visas.md).

    ``group`` is a list of dicts with "flag" ("" or a letter), "sub" (True/False/None from
    PRIMARY/SUB) and "certified" (int or None).

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
        def is_master(r):
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


# --- names ---------------------------------------------------------------------------------------

class NameBook:
    """Employer and agent names as filed -> ids, creating the new ones a batch at a time with plain
    INSERTs (the ORM's bulk_create costs more than the rows themselves on large files)."""

    def __init__(self):
        self.employer_names = {}  # (name, city, state) -> (name_id, employer_id)
        self.employer_by_key = {}  # (key, state) -> employer_id
        for pk, name, city, state, key, employer_id in EmployerName.objects.values_list(
            "pk", "name", "city", "state", "key", "employer_id"
        ).iterator(chunk_size=20_000):
            self.employer_names[(name, city, state)] = (pk, employer_id)
            if employer_id:
                self.employer_by_key.setdefault((key, state), employer_id)
        self.agents = dict(AgentName.objects.values_list("name", "agent_id"))
        # A new spelling whose key is a merged agent's joins the agent it was merged into.
        merged_into = dict(Agent.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into_id"))

        def active(pk):
            seen = set()
            while pk in merged_into and pk not in seen:
                seen.add(pk)
                pk = merged_into[pk]
            return pk

        self.agent_by_key = {key: active(pk) for key, pk in Agent.objects.values_list("key", "pk")}
        self.new_employers = set()
        self.new_names = []  # (name id, key) of the employer names as filed created here

    @staticmethod
    def _insert_returning(model, columns_, rows, key_columns):
        """INSERT ``rows``; returns {tuple of key_columns: pk} for the new rows."""
        if not rows:
            return {}
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            before = cursor.fetchone()[0]
            insert_rows(table, columns_, rows)
            cursor.execute(f"SELECT id, {', '.join(key_columns)} FROM {table} WHERE id > %s", [before])
            return {tuple(r[1:]): r[0] for r in cursor.fetchall()}

    def prepare(self, employer_keys, agent_names):
        now = timezone.now()
        missing = [k for k in employer_keys if k not in self.employer_names]
        if missing:
            # One employer per new (normalised name, state); record linkage merges them later.
            new_keys = {}
            for name, city, state in missing:
                key = (normalise.name_key(name) or name.upper())[:300]
                if (key, state) not in self.employer_by_key and (key, state) not in new_keys:
                    new_keys[(key, state)] = (name[:300], key, state, city[:120], now, 0, 0)
            created = self._insert_returning(
                Employer, ["name", "key", "state", "city", "created_at", "positions_certified", "row_count"],
                list(new_keys.values()), ["key", "state"])
            self.employer_by_key.update(created)
            self.new_employers.update(created.values())
            rows = []
            for name, city, state in missing:
                key = (normalise.name_key(name) or name.upper())[:300]
                rows.append((name, city, state, key, self.employer_by_key[(key, state)], 1.0, LinkMethod.EXACT.value))
            created = self._insert_returning(
                EmployerName, ["name", "city", "state", "key", "employer_id", "certainty", "method"], rows,
                ["name", "city", "state"])
            for (name, city, state, key, employer_id, _c, _m) in rows:
                self.employer_names[(name, city, state)] = (created[(name, city, state)], employer_id)
                self.new_names.append((created[(name, city, state)], key))
        missing_agents = [n for n in agent_names if n and n not in self.agents]
        if missing_agents:
            new_agents = {}
            for name in missing_agents:
                key = (normalise.name_key(name) or name.upper())[:300]
                if key not in self.agent_by_key and key not in new_agents:
                    new_agents[key] = (name[:300], key)
            created = self._insert_returning(Agent, ["name", "key"], list(new_agents.values()), ["key"])
            self.agent_by_key.update({k[0]: pk for k, pk in created.items()})
            rows = []
            for name in missing_agents:
                key = (normalise.name_key(name) or name.upper())[:300]
                rows.append((name, key, self.agent_by_key[key], 1.0))
            self._insert_returning(AgentName, ["name", "key", "agent_id", "certainty"], rows, ["name"])
            for name, key, agent_id, _c in rows:
                self.agents[name] = agent_id


def _detect(path, mapping, sample, visa, fiscal_year):
    """Visa and fiscal year: command line, else the file's content, else its name."""
    name = Path(path).name
    problems = []
    if not visa and "visa" in mapping:
        get = _getter(mapping["visa"])
        votes = Counter(normalise.visa_value(normalise.clean_text(get(r))) for _, r in sample)
        votes.pop("", None)
        if votes:
            visa = votes.most_common(1)[0][0]
    if not visa:
        match = columns.FILENAME_VISA.search(name)
        if match:
            visa = f"H-2{match.group(1).upper()}"
    if not visa:
        problems.append(f"{path}: cannot tell the visa (H-2A or H-2B): no VISA_CLASS column and none in the "
                        f"file name; give it with --visa")
    if not fiscal_year and "decision_date" in mapping:
        get = _getter(mapping["decision_date"])
        votes = Counter()
        for _, r in sample:
            day = normalise.date(get(r))
            if day:
                votes[normalise.fiscal_year(day)] += 1
        if votes:
            year, n = votes.most_common(1)[0]
            if n * 2 >= sum(votes.values()):
                fiscal_year = year
    if not fiscal_year:
        match = columns.FILENAME_FY.search(name)
        if match:
            year = int(match.group(1))
            fiscal_year = year + 2000 if year < 100 else year
    if not fiscal_year:
        problems.append(f"{path}: cannot tell the fiscal year: no decision dates and no FYnnnn in the file name; "
                        f"give it with --fy")
    return visa, fiscal_year, problems


# --- reading into DuckDB ----------------------------------------------------------------------------

# Every character Python's str.isspace() accepts: the SQL ``clean`` macro does what clean_text()
# does (runs of spaces collapsed when there is a double space, tab or newline; ends stripped).
_SPACE_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_WS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _SPACE_CHARS) + "]+"
_ODD_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _SPACE_CHARS if c != " ") + "]"


def file_facts(path):
    """(sha256, has_blank_line) in one read of the file. DuckDB skips blank lines, which would shift
    the row numbers of every later row, so a CSV with one is read by the Python reader instead."""
    digest = hashlib.sha256()
    blank, tail = False, b"\n"
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            if not blank:
                window = tail + chunk
                blank = b"\n\n" in window or b"\n\r\n" in window
                tail = chunk[-2:]
    return digest.hexdigest(), blank


class _in_thread:
    """Run ``function(*args)`` in a thread; ``result()`` waits for it (and raises what it raised).
    For work that releases the GIL (hashing a file) beside work that does too (DuckDB)."""

    def __init__(self, function, *args):
        import threading

        self._result = self._error = None

        def run():
            try:
                self._result = function(*args)
            except BaseException as error:  # noqa: BLE001 (handed to the caller)
                self._error = error

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def wait(self):
        self._thread.join()

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result


def _connect():
    import duckdb

    con = duckdb.connect()
    # File order matters (row numbers, and which row of a case is its master).
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/puente-duckdb'")
    # Cheapest test first: most cells need only trim(), which strips spaces; trimming every kind of
    # space (trim with a set of characters) costs fifteen times more, so only where one occurs.
    con.execute(f"""
        CREATE MACRO clean(x) AS coalesce(CASE
            WHEN contains(x, '  ') OR contains(x, chr(10)) OR contains(x, chr(9))
                THEN trim(regexp_replace(x, '{_WS}', ' ', 'g'), $${_SPACE_CHARS}$$)
            WHEN regexp_matches(x, '{_ODD_SPACE}') THEN trim(x, $${_SPACE_CHARS}$$)
            ELSE trim(x) END, '')""")
    return con


def _needed(mapping):
    return sorted({i for specs in mapping.values() for spec in specs for i in (spec if isinstance(spec, tuple) else (spec,))})


def _load_csv_with_duckdb(con, path, ncols, needed, head_line):
    """Parse a UTF-8 CSV with DuckDB's own reader (strict: a row it cannot parse raises)."""
    declared = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols))
    select = ", ".join(f"c{i}" for i in needed)
    con.execute(
        f"CREATE TABLE raw0 AS SELECT {select} FROM read_csv(?, auto_detect = false, header = false, skip = ?, "
        f"delim = ',', quote = '\"', escape = '\"', all_varchar = true, strict_mode = false, "
        f"columns = {{{declared}}})",
        [str(path), head_line + 1],
    )
    # rowid is the record's position in the file: the header is row head_line + 1, counting from 1.
    con.execute(f"CREATE VIEW raw AS SELECT rowid + {head_line + 2} AS n, * FROM raw0")


def cell_text(value) -> str:
    """A spreadsheet cell as the text a CSV export would hold (dates as ISO with time)."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return normalise.clean_text(value)


def _load_rows_with_python(con, rows, needed):
    """Rows read in Python (spreadsheets, other encodings) -> the same ``raw`` view, via Arrow."""
    import pyarrow as pa

    numbers, cols = [], {i: [] for i in needed}
    for n, row in rows:
        width = len(row)
        cells = [cell_text(row[i]) if i < width and row[i] is not None else "" for i in needed]
        if not any(c.strip() for c in cells):
            continue  # a blank line
        numbers.append(n)
        for i, cell in zip(needed, cells):
            cols[i].append(cell)
    table = pa.table({"n": pa.array(numbers, pa.int64()), **{f"c{i}": pa.array(cols[i], pa.string()) for i in needed}})
    con.register("arrow_rows", table)
    con.execute("CREATE TABLE raw0 AS SELECT * FROM arrow_rows")
    con.unregister("arrow_rows")
    con.execute("CREATE VIEW raw AS SELECT * FROM raw0")


def _pick(specs):
    """SQL for a field's raw value: the first non-blank of its columns (as ``_getter``)."""
    parts = []
    for spec in specs:
        if isinstance(spec, tuple):
            parts.append("NULLIF(trim(concat_ws(' ', " + ", ".join(f"clean(c{i})" for i in spec) + ")), '')")
        else:
            parts.append(f"NULLIF(c{spec}, '')")
    return f"coalesce({', '.join(parts)}, '')"


# --- the import ----------------------------------------------------------------------------------

TEXT_FIELDS = {  # field -> max length of its column (longer values are cut, not refused)
    f: VisaCase._meta.get_field(column).max_length
    for f, column in [
        ("case_number", "case_number"), ("employer_name", "employer_name_filed"), ("employer_city", "employer_city"),
        ("employer_postal_code", "employer_postal_code"), ("agent_name", "agent_name_filed"),
        ("job_title", "job_title"), ("soc_code", "soc_code"), ("soc_title", "soc_title"),
        ("worksite_city", "worksite_city"),
    ]
}
STATUS_RAW_LENGTH = VisaCase._meta.get_field("status_raw").max_length


def _count_or_error(value):
    try:
        return normalise.count(value), False
    except (TypeError, ValueError):
        return None, True


# field -> (Python function of the raw value, DuckDB type of its result). Each distinct value of the
# field goes through the function once.
def _as_text(value):
    return None if value is None else str(value)


CONVERTERS = {
    "status": (lambda v: normalise.status(normalise.clean_text(v)), "VARCHAR"),
    "status_raw": (lambda v: normalise.clean_text(v)[:STATUS_RAW_LENGTH], "VARCHAR"),
    "employer_state": (lambda v: normalise.state_code(normalise.clean_text(v)), "VARCHAR"),
    "worksite_state": (lambda v: normalise.state_code(normalise.clean_text(v)), "VARCHAR"),
    "decision_date": (lambda v: _as_text(normalise.date(v)), "DATE"),
    "period_start": (lambda v: _as_text(normalise.date(v)), "DATE"),
    "period_end": (lambda v: _as_text(normalise.date(v)), "DATE"),
    "wage_offered": (lambda v: _as_text(normalise.wage(v)), "DECIMAL(12, 2)"),
    "wage_unit": (lambda v: normalise.wage_unit(normalise.clean_text(v)), "VARCHAR"),
    "org_flag": (lambda v: normalise.org_flag(normalise.clean_text(v)), "VARCHAR"),
    "primary_sub": (lambda v: _primary_or_sub(normalise.clean_text(v).upper()), "VARCHAR"),
}


def _primary_or_sub(text):
    """PRIMARY/SUB as "pri", "sub" or "" (not given: the organisation flag decides)."""
    return "sub" if text in columns.SUB_VALUES else "pri" if text in columns.PRIMARY_VALUES else ""
COUNT_FIELDS = ("workers_requested", "workers_certified")


def _map_table(con, name, values, convert, sql_type):
    """A DuckDB table ``name``(k, v) holding convert(k) for each distinct raw value k."""
    import pyarrow as pa

    keys = [v for v in values]
    results = [convert(k) for k in keys]
    con.register(f"{name}_src", pa.table({"k": pa.array(keys, pa.string()), "v": pa.array(results, pa.string())}))
    con.execute(f"CREATE TABLE {name} AS SELECT k, CAST(v AS {sql_type}) AS v FROM {name}_src")
    con.unregister(f"{name}_src")


def _count_table(con, name, values):
    import pyarrow as pa

    keys = list(values)
    converted = [_count_or_error(k) for k in keys]
    con.register(f"{name}_src", pa.table({
        "k": pa.array(keys, pa.string()),
        "v": pa.array([c[0] for c in converted], pa.int64()),
        "bad": pa.array([c[1] for c in converted], pa.bool_()),
    }))
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_src")
    con.unregister(f"{name}_src")


# Fields normalised into table ``t`` before anything is written: what the checks, the counting
# rule, the employer and agent links and the file's figures need. The others are normalised in the
# query that streams rows to the database, so that their work overlaps the database's own.
EARLY_FIELDS = {"case_number", "employer_name", "employer_city", "agent_name", "status", "status_raw",
                "employer_state", "org_flag", "primary_sub", *COUNT_FIELDS}


class Normalised:
    """The SQL that normalises a file's rows, once the tables of distinct values are built:
    ``table_t`` builds ``t`` (the early fields normalised, the others as filed), ``name_keys``
    lists the employer and agent names as ``t`` will hold them (so that they can be linked while
    ``t`` is built), ``later``/``later_joins`` normalise the other fields while rows are written."""

    def __init__(self, early, joins, raw_fields, later, later_joins, picked, raw_picks):
        self.early, self.joins, self.raw_fields, self.raw_picks = early, joins, raw_fields, raw_picks
        self.later, self.later_joins, self.picked = later, later_joins, picked

    @property
    def table_t(self):
        columns = ["p.n", *(f"{sql} AS {f}" for f, sql in self.early.items()), *(f"p.{f} AS {f}" for f in self.raw_fields)]
        return (f"CREATE TABLE t AS SELECT {', '.join(columns)} FROM ({self.picked}) AS p "
                f"{' '.join(self.joins.values())}")

    def name_keys(self, *fields):
        """The distinct values of ``fields`` (the first must be non-blank) as ``t`` will hold them,
        normalised over the distinct values as filed. Rows without a case number are included:
        a file with such a row is refused, and the names it created roll back with it."""
        if fields[0] not in self.raw_picks:
            return "SELECT NULL WHERE false"  # no such column in this file
        inner = f"SELECT DISTINCT {', '.join(f'p.{f}' for f in fields if f in self.raw_picks)} FROM ({self.picked}) AS p"
        joins = " ".join(self.joins[f] for f in fields if f in self.joins)
        return (f"SELECT DISTINCT {', '.join(self.early[f] for f in fields)} FROM ({inner}) AS p {joins} "
                f"WHERE {self.early[fields[0]]} <> ''")


def _normalise(con, mapping):
    """Build the tables of distinct values and return the ``Normalised`` SQL of the file's rows."""
    picks = {f: _pick(specs) for f, specs in mapping.items()}
    picks["status_raw"] = picks.get("status", "''")
    converted = [f for f in [*CONVERTERS, *COUNT_FIELDS] if f in picks]
    # Every field's distinct values in one scan of the file's rows.
    distinct = dict(zip(converted, con.execute(
        "SELECT " + ", ".join(f"list(DISTINCT {picks[f]})" for f in converted) + " FROM raw").fetchall()[0]))
    early, joins, raw_fields, later, later_joins = {}, {}, [], {}, []

    def place(f, expression, join=None):
        """Compute ``expression`` (over the pick ``p.f``) into t, or later over ``t.f``."""
        if f in EARLY_FIELDS:
            early[f] = expression.replace("{x}", f"p.{f}")
            if join:
                joins[f] = join.replace("{x}", f"p.{f}")
        else:
            raw_fields.append(f)
            later[f] = expression.replace("{x}", f"t.{f}")
            if join:
                later_joins.append(join.replace("{x}", f"t.{f}"))

    def absent(f, blank):
        if f in EARLY_FIELDS:
            early[f] = blank
        else:
            later[f] = blank

    for f, max_length in TEXT_FIELDS.items():
        if f in picks:
            place(f, f"left(clean({{x}}), {max_length})")
        else:
            absent(f, "''")
    # The three dates share one table: the same day is written the same way across columns.
    date_fields = [f for f in ("decision_date", "period_start", "period_end") if f in picks]
    if date_fields:
        values = set().union(*(distinct[f] for f in date_fields))
        _map_table(con, "map_date", values, CONVERTERS["decision_date"][0], "DATE")
    for f, (convert, sql_type) in CONVERTERS.items():
        if f not in picks:
            absent(f, "''" if sql_type == "VARCHAR" else f"NULL::{sql_type}")
            continue
        table = "map_date" if f in date_fields else f"map_{f}"
        if f not in date_fields:
            _map_table(con, table, distinct[f], convert, sql_type)
        place(f, f"{f}_m.v", f"LEFT JOIN {table} AS {f}_m ON {f}_m.k = {{x}}")
    for f in COUNT_FIELDS:
        if f not in picks:
            early.update({f: "NULL::BIGINT", f"{f}_bad": "false", f"{f}_raw": "''"})
            continue
        _count_table(con, f"map_{f}", distinct[f])
        joins[f] = f"LEFT JOIN map_{f} AS {f}_m ON {f}_m.k = p.{f}"
        early.update({f: f"{f}_m.v", f"{f}_bad": f"{f}_m.bad", f"{f}_raw": f"p.{f}"})
    picked = "SELECT n, " + ", ".join(f"{sql} AS {f}" for f, sql in picks.items()) + " FROM raw"
    return Normalised(early, joins, raw_fields, later, later_joins, picked, set(picks))


def _roles_sql(has_flags, certified_from_requested):
    """The counting rule of ``assign_roles`` as window functions over the rows of each case number.
    Ties and order follow the file: the master of an unflagged group is its first largest row."""
    certified_statuses = ", ".join(f"'{s}'" for s in CERTIFIED_STATUSES)
    value = (f"CASE WHEN status IN ({certified_statuses}) THEN coalesce(workers_requested, 0) ELSE 0 END"
             if certified_from_requested else "coalesce(workers_certified, 0)")
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
        SELECT n, CASE WHEN size = 1 THEN 'sole' WHEN {str(has_flags).lower()} THEN {flagged} ELSE {unflagged} END AS role
        FROM w
    """


def _problems(con, path, headers, mapping):
    """What makes the file unreadable, with row and column; [] when it can be imported."""
    header_of = {f: _header_name(headers, mapping[f]) for f in mapping}
    loaded = [f"c{i}" for i in _needed(mapping)]
    blank_row = " AND ".join(f"coalesce(trim({c}), '') = ''" for c in loaded)
    found = con.execute(f"""
        SELECT n, 0, '' FROM t WHERE case_number = '' AND n NOT IN (SELECT n FROM raw WHERE {blank_row})
        UNION ALL SELECT n, 1, workers_requested_raw FROM t WHERE case_number <> '' AND workers_requested_bad
        UNION ALL SELECT n, 2, workers_certified_raw FROM t WHERE case_number <> '' AND workers_certified_bad
        ORDER BY 1, 2 LIMIT {MAX_PROBLEMS}
    """).fetchall()
    problems = []
    for n, kind, value in found:
        if kind == 0:
            problems.append(f"{path.name}: row {n}, column {header_of['case_number']}: blank case number")
        else:
            f = COUNT_FIELDS[kind - 1]
            problems.append(f"{path.name}: row {n}, column {header_of[f]}: {value!r} is not a number of workers")
    return problems


def import_file(path, visa=None, fiscal_year=None, importer="", progress=None, stderr=None):
    """Import one file in one transaction. Returns a ``Summary``; raises ``FileRefused``."""
    path = Path(path)
    if not path.exists():
        raise FileRefused(path, [f"{path}: no such file"])
    if visa:
        visa = normalise.visa_value(visa) or None
        if not visa:
            raise FileRefused(path, [f"{path}: --visa must be H-2A or H-2B"])
    rows = None
    head = _csv_head(path) if path.suffix.lower() == ".csv" else (None, None)
    headers, head_line = head
    if headers is None:
        headers, rows = open_rows(path)
    mapping = map_headers(headers)
    problems = []
    for required in columns.REQUIRED_FIELDS:
        if required not in mapping:
            looked = ", ".join(a if isinstance(a, str) else "+".join(a) for a in columns.FIELDS[required])
            problems.append(f"{path}: row 1 (header): no {required.replace('_', ' ')} column (looked for {looked})")
    if problems:
        raise FileRefused(path, problems)
    # The file's checksum (which import it repeats) is computed while DuckDB reads the file.
    facts = _in_thread(file_facts, path)
    if progress is None:
        progress = (stderr or sys.stderr).isatty()
    from tqdm import tqdm

    bar = tqdm(total=None, unit=" rows", desc=path.name, disable=not progress, file=stderr or sys.stderr,
               mininterval=0.5)
    con = _connect()
    building = None
    try:
        needed = _needed(mapping)
        loaded = False
        if rows is None:
            import duckdb

            try:
                _load_csv_with_duckdb(con, path, len(headers), needed, head_line)
                loaded = not facts.result()[1]  # a blank line: DuckDB skipped it, row numbers shifted
            except duckdb.Error:
                pass  # ragged rows, a stray quote, not UTF-8: Python's csv module decides
            if not loaded:
                con.execute("DROP VIEW IF EXISTS raw")
                con.execute("DROP TABLE IF EXISTS raw0")
                headers, rows = open_rows(path)
                if map_headers(headers) != mapping:
                    raise FileRefused(path, [f"{path}: the header reads differently in its own encoding"])
        if not loaded:
            _load_rows_with_python(con, rows, needed)
            rows.close()
        sha = facts.result()[0]
        sample = [(n, _sample_row(len(headers), needed, cells)) for n, *cells in
                  con.execute(f"SELECT n, {', '.join(f'c{i}' for i in needed)} FROM raw ORDER BY n LIMIT {SAMPLE}").fetchall()]
        visa, fiscal_year, problems = _detect(path, mapping, sample, visa, fiscal_year)
        if problems:
            raise FileRefused(path, problems)
        normalised = _normalise(con, mapping)
        # DuckDB builds t in another thread while this one links the names in the database.
        building = _in_thread(con.cursor().execute, normalised.table_t)
        employer_keys = set(con.execute(normalised.name_keys("employer_name", "employer_city", "employer_state"))
                            .fetchall())
        agent_names = {r[0] for r in con.execute(normalised.name_keys("agent_name")).fetchall()}
        has_flags = "org_flag" in mapping or "primary_sub" in mapping
        certified_from_requested = "workers_certified" not in mapping
        summary = Summary(file=path.name, visa=visa, fiscal_year=fiscal_year)
        with transaction.atomic():
            previous = ImportedFile.objects.select_for_update().filter(
                Q(sha256=sha) | Q(visa=visa, fiscal_year=fiscal_year, name=path.name))
            changes = {}  # employer id -> [change of positions certified, change of rows]
            for old in previous:
                summary.replaced.append(old.pk)
                for employer_id, positions, n in _employer_totals_of_file(old):
                    change = changes.setdefault(employer_id, [0, 0])
                    change[0] -= positions or 0
                    change[1] -= n
                VisaCase.objects.filter(file=old)._raw_delete(VisaCase.objects.db)
                old.delete()
            imported = ImportedFile.objects.create(
                name=path.name, path=str(path), sha256=sha, visa=visa, fiscal_year=fiscal_year, importer=importer)
            names = _link_names(con, employer_keys, agent_names)
            building.result()
            # Checked before any row of the file is written; a refusal rolls back the names too.
            problems = _problems(con, path, headers, mapping)
            if problems:
                raise FileRefused(path, problems)
            con.execute(_roles_sql(has_flags, certified_from_requested))
            bar.total = con.execute("SELECT count(*) FROM t WHERE case_number <> ''").fetchall()[0][0]
            select = _final_select(imported, certified_from_requested, normalised.later, normalised.later_joins,
                                   as_text=connection.vendor == "sqlite")
            con.execute(f"CREATE VIEW final AS {select}")
            _count(con, summary, certified_from_requested)
            _write(con, bar, imported)
            summary.new_employers, summary.new_names = names.new_employers, names.new_names
            for employer_id, positions, n in summary.employer_totals:
                change = changes.setdefault(employer_id, [0, 0])
                change[0] += positions
                change[1] += n
            _summarise(imported, summary, changes)
    finally:
        if building is not None:
            building.wait()  # DuckDB's connection is closed only once its other thread is done
        bar.close()
        con.close()
    return summary


def _sample_row(width, needed, cells):
    row = [""] * width
    for i, cell in zip(needed, cells):
        row[i] = cell if cell is not None else ""
    return row


def _link_names(con, employer_keys, agent_names):
    """Employer names as filed (name, city, state) and agent names -> ids, creating what is new;
    the ids go to DuckDB tables ``employer_ids`` and ``agent_ids``."""
    import pyarrow as pa

    names = NameBook()
    names.prepare(employer_keys, agent_names)
    keys = list(employer_keys)
    ids = [names.employer_names[k] for k in keys]
    agents = list(agent_names)
    # Tables, not registered views of Arrow data: the rows are streamed from another cursor.
    for table, data in (
        ("employer_ids", {
            "name": pa.array([k[0] for k in keys], pa.string()), "city": pa.array([k[1] for k in keys], pa.string()),
            "state": pa.array([k[2] for k in keys], pa.string()), "name_id": pa.array([i[0] for i in ids], pa.int64()),
            "employer_id": pa.array([i[1] for i in ids], pa.int64())}),
        ("agent_ids", {
            "name": pa.array(agents, pa.string()),
            "agent_id": pa.array([names.agents[a] for a in agents], pa.int64())}),
    ):
        con.register(f"{table}_src", pa.table(data))
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM {table}_src")
        con.unregister(f"{table}_src")
    return names


CASE_COLUMNS = [
    "file_id", "row_number", "case_number", "visa", "fiscal_year", "status", "status_raw", "decision_date",
    "employer_name_filed", "employer_name_id", "employer_id", "employer_city", "employer_state",
    "employer_postal_code", "agent_name_filed", "agent_id", "job_title", "soc_code", "soc_title",
    "workers_requested", "workers_certified", "wage_offered", "wage_unit", "period_start", "period_end",
    "worksite_city", "worksite_state", "org_flag", "role", "counted",
]


def _final_select(imported, certified_from_requested, later, later_joins, as_text=False):
    """The rows to insert, in CASE_COLUMNS order. File id, visa and fiscal year are integers and
    normalised codes from Puente itself, not text from the file. ``later``/``later_joins``: the
    fields normalised in this query (see ``_normalise``). ``as_text``: dates and wages as the text
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
               {value("decision_date")} AS decision_date,
               t.employer_name AS employer_name_filed, e.name_id AS employer_name_id, e.employer_id,
               t.employer_city, t.employer_state, {value("employer_postal_code")} AS employer_postal_code,
               t.agent_name AS agent_name_filed, a.agent_id, {value("job_title")} AS job_title,
               {value("soc_code")} AS soc_code, {value("soc_title")} AS soc_title, t.workers_requested,
               {_certified_sql(certified_from_requested)} AS workers_certified,
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
        WHERE t.case_number <> ''
    """


def _certified_sql(certified_from_requested):
    """Workers certified. H-2B FY2005 has only the number asked for (Num_Aliens): a certified case
    is certified for that number (docs/visas.md)."""
    if not certified_from_requested:
        return "t.workers_certified"
    certified_statuses = ", ".join(f"'{s}'" for s in CERTIFIED_STATUSES)
    return (f"CASE WHEN t.status IN ({certified_statuses}) THEN t.workers_requested "
            f"WHEN t.workers_requested IS NOT NULL THEN 0 END")


def _count(con, summary, certified_from_requested):
    """The file's figures, and each employer's share of them, from the rows about to be written."""
    certified_statuses = ", ".join(f"'{s}'" for s in CERTIFIED_STATUSES)
    con.execute(f"""
        CREATE TABLE per_employer AS
        SELECT e.employer_id, t.case_number, t.status, coalesce(r.role, 'sole') <> 'member' AS counted,
               t.workers_requested, {_certified_sql(certified_from_requested)} AS workers_certified
        FROM t
        LEFT JOIN roles AS r ON r.n = t.n
        LEFT JOIN employer_ids AS e
               ON e.name = t.employer_name AND e.city = t.employer_city AND e.state = t.employer_state
        WHERE t.case_number <> ''
    """)
    rows, cases, certified_cases, requested, certified, employers = con.execute(f"""
        SELECT count(*), count(DISTINCT case_number),
               count(DISTINCT case_number) FILTER (WHERE status IN ({certified_statuses})),
               coalesce(sum(workers_requested) FILTER (WHERE counted), 0),
               coalesce(sum(workers_certified) FILTER (WHERE counted), 0),
               count(DISTINCT employer_id)
        FROM per_employer
    """).fetchall()[0]
    summary.rows, summary.cases, summary.certified_cases = rows, cases, certified_cases
    summary.positions_requested, summary.positions_certified = int(requested), int(certified)
    summary.employers = employers
    summary.employer_totals = con.execute("""
        SELECT employer_id, coalesce(sum(workers_certified) FILTER (WHERE counted), 0), count(*)
        FROM per_employer WHERE employer_id IS NOT NULL GROUP BY employer_id
    """).fetchall()
    summary.touched_employers = {e for e, _p, _n in summary.employer_totals}


def _prefetched(batches, depth=4):
    """Iterate over ``batches`` (an iterator) produced in another thread, ``depth`` ahead: DuckDB
    and the CSV encoder release the GIL, so the next batch is made while this one is written."""
    import queue
    import threading

    q = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce():
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        q.put(batch, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as error:  # noqa: BLE001 (raised again in the consumer)
            q.put(error)

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()  # the consumer failed or stopped: let the producer end
        thread.join()


def _secondary_indexes(cursor, table):
    """(name, statement that creates it) of the table's indexes that back no constraint."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique", [table])
    else:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                       "AND sql IS NOT NULL", [table])
    return cursor.fetchall()


class _IndexesBuiltAfter:
    """For a load that at least doubles a third of the table: drop its secondary indexes, load,
    and build them again, in the import's transaction. Building an index once over all the rows
    is cheaper than a million insertions into it (measured on PostgreSQL, 1M rows: COPY with the
    indexes 9.3 s, COPY then CREATE INDEX 7.7 s; on SQLite the gain is larger). Readers keep
    reading on SQLite (WAL: they see the old table until the commit); on PostgreSQL they wait
    until the commit, so a small import into a large table keeps its indexes instead."""

    def __init__(self, cursor, table, adding):
        self.cursor, self.table, self.indexes = cursor, table, []
        if adding >= REINDEX_ROWS:
            cursor.execute(f"SELECT count(*) FROM {table}")
            if adding * 2 >= cursor.fetchone()[0]:
                self.indexes = _secondary_indexes(cursor, table)

    def __enter__(self):
        q = connection.ops.quote_name
        for name, _sql in self.indexes:
            self.cursor.execute(f"DROP INDEX {q(name)}")
        return self

    def __exit__(self, kind, error, trace):
        if kind is None:
            for _name, sql in self.indexes:
                self.cursor.execute(sql)
        return False  # an error rolls the whole transaction back, indexes included


def _write(con, bar, imported):
    table = VisaCase._meta.db_table
    cols = ", ".join(CASE_COLUMNS)
    with connection.cursor() as cursor, _IndexesBuiltAfter(cursor, table, bar.total or 0):
        if connection.vendor == "postgresql":
            # DuckDB's rows become CSV in Arrow's C++ encoder and go to COPY: no Python per row,
            # and the next batch is made while PostgreSQL ingests this one. An empty text cell is
            # '' (FORCE_NOT_NULL), an empty number or date NULL.
            from pyarrow import csv as arrow_csv

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

            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL ({text}))") as copy:
                for n, data in _prefetched(encoded()):
                    copy.write(data)
                    bar.update(n)
            return
        # A larger page cache keeps the indexes in memory during a long import.
        cursor.execute("PRAGMA cache_size = -262144")
        # The file's id, visa and fiscal year are the same on every row: written once into the
        # statement (Puente's own integers and codes) instead of bound a million times each.
        visa = {"H-2A": "H-2A", "H-2B": "H-2B"}[imported.visa]
        constants = f"{int(imported.pk)}, '{visa}', {int(imported.fiscal_year)}"
        rest = [c for c in CASE_COLUMNS if c not in ("file_id", "visa", "fiscal_year")]
        marks = ", ".join(["%s"] * len(rest))
        result = con.cursor().execute(f"SELECT {', '.join(rest)} FROM final")
        insert = f"INSERT INTO {table} (file_id, visa, fiscal_year, {', '.join(rest)}) VALUES ({constants}, {marks})"
        for batch in _prefetched(iter(lambda: result.fetchmany(FETCH), [])):
            cursor.executemany(insert, batch)
            bar.update(len(batch))


def _header_name(headers, specs):
    return "/".join("+".join(headers[i] for i in s) if isinstance(s, tuple) else headers[s] for s in specs)


def _employer_totals_of_file(imported):
    """(employer id, positions certified, rows) of an imported file's rows, per employer."""
    from django.db.models import Count, Sum

    return (VisaCase.objects.filter(file=imported, employer__isnull=False).order_by().values("employer_id")
            .annotate(p=Sum("workers_certified", filter=Q(counted=True)), n=Count("pk"))
            .values_list("employer_id", "p", "n"))


def _summarise(imported, summary, changes):
    """Store the file's figures, move the employers' totals by what the file added and replaced,
    and index the words of the new names for search. Totals move by differences rather than being
    recounted: a file's own rows are a fraction of the table (the counting is tested against
    independent sums in tests/visas)."""
    imported.rows, imported.cases, imported.positions_certified = summary.rows, summary.cases, summary.positions_certified
    imported.save(update_fields=["rows", "cases", "positions_certified"])
    from .stats import add_to_employer_totals

    add_to_employer_totals({e: c for e, c in changes.items() if c != [0, 0]})
    from .search import index_names

    index_names(summary.new_names)
    if connection.vendor == "postgresql" and summary.rows >= ANALYZE_ROWS:
        # Fresh statistics for the planner right after a bulk load, not whenever autovacuum
        # comes: without them the employer search planned a 1.3 s join (docs/visas.md, search).
        tables = [m._meta.db_table for m in (VisaCase, Employer, EmployerName, EmployerToken, Agent, AgentName)]
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
