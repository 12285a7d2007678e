"""Reading OFLC disclosure files (CSV, XLSX, XLS) into ``VisaCase`` rows.

The importer streams: rows are read, checked, grouped by case number (to tell master, member and
sole applications apart), and inserted in batches of ``BATCH`` inside ONE transaction, with COPY
on PostgreSQL and executemany on SQLite. Any problem (a missing case-number column, an unknown
visa, a count that is not a number) is collected with file, row and column, and the whole file is
refused: the transaction rolls back and nothing from it stays.

The counting rule (``assign_roles``) is documented in docs/visas.md.
"""

import csv
import hashlib
import functools
import io
import itertools
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.db.models import Q

from . import columns, normalise
from .models import (
    CERTIFIED_STATUSES, Agent, AgentName, Employer, EmployerName, ImportedFile, LinkMethod, Role, VisaCase,
)

BATCH = 10_000
SAMPLE = 5_000  # rows read ahead to find the visa and fiscal year in the content
MAX_PROBLEMS = 25


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


def open_rows(path):
    """(headers, iterator of (row_number, cells)) for a CSV, XLSX or XLS file. Row numbers are the
    file's own (the header is row 1 when it is the first line)."""
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
            return [], iter(())
        data, head = chosen
        headers = [normalise.clean_text(c) for c in data[head]]
        return headers, ((head + 2 + i, row) for i, row in enumerate(data[head + 1:]))
    encoding = detect_encoding(path)
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


def _csv_header_line(path):
    """Index (0-based) of the header record in a CSV file, as ``open_rows`` finds it."""
    with open(path, encoding=detect_encoding(path), newline="") as fh:
        head_rows = list(itertools.islice(csv.reader(fh), 10))
    return _header_index(head_rows)


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


SOLE = (Role.SOLE, True)


def _lenient_count(value):
    try:
        return normalise.count(value) or 0
    except (TypeError, ValueError):
        return 0  # the second pass refuses the file and names the cell


def compute_roles(rows, mapping, has_flags):
    """{case number: [(role, counted) for each of its rows, in file order]} for the case numbers
    filed on several rows; every other row is a sole application, counted."""
    none = lambda row: None  # noqa: E731
    g = {f: _getter(specs) for f, specs in mapping.items()}
    get_case, get_flag, get_sub = g["case_number"], g.get("org_flag", none), g.get("primary_sub", none)
    get_cert, get_req, get_status = g.get("workers_certified", none), g.get("workers_requested", none), g.get("status", none)
    certified_from_requested = "workers_certified" not in mapping
    clean = normalise.clean_text
    cases = {}
    status_of = {}
    for n, row in rows:
        case = clean(get_case(row))
        if not case:
            continue
        # Keep only what the rule needs, small, for every row: (row, flag, sub, certified).
        if certified_from_requested:
            status_raw = clean(get_status(row))
            if status_raw not in status_of:
                status_of[status_raw] = normalise.status(status_raw) in CERTIFIED_STATUSES
            certified = _lenient_count(get_req(row)) if status_of[status_raw] else 0
        else:
            certified = _lenient_count(get_cert(row))
        sub_raw = clean(get_sub(row)).upper()
        entry = (n, normalise.org_flag(clean(get_flag(row))),
                 True if sub_raw in columns.SUB_VALUES else False if sub_raw in columns.PRIMARY_VALUES else None,
                 certified)
        found = cases.get(case)
        if found is None:
            cases[case] = entry
        elif isinstance(found, list):
            found.append(entry)
        else:
            cases[case] = [found, entry]
    roles = {}
    for case, items in cases.items():
        if not isinstance(items, list):
            continue
        group = [{"n": n, "flag": flag, "sub": sub, "certified": certified} for n, flag, sub, certified in items]
        assign_roles(group, has_flags)
        roles[case] = [(r["role"], r["counted"]) for r in group]
    return roles


def _first_pass_rows(path, headers, mapping, head_line):
    """For a large UTF-8 CSV, the few columns the counting rule needs, read by DuckDB (much faster
    than parsing every column in Python twice). Returns (rows, mini_mapping) or None to fall back."""
    fields = ("case_number", "org_flag", "primary_sub", "workers_certified", "workers_requested", "status")
    needed = sorted({i for f in fields for spec in mapping.get(f, []) for i in (spec if isinstance(spec, tuple) else (spec,))})
    position = {i: k for k, i in enumerate(needed)}
    mini = {f: [tuple(position[i] for i in spec) if isinstance(spec, tuple) else position[spec] for spec in mapping[f]]
            for f in fields if f in mapping}
    try:
        import duckdb

        con = duckdb.connect()
        con.execute("SET preserve_insertion_order = true")
        select = ", ".join(f"column{i:0{len(str(len(headers) - 1))}d}" for i in needed)
        relation = con.execute(
            f"SELECT {select} FROM read_csv(?, header = false, skip = ?, all_varchar = true, "
            f"columns = {{{', '.join(f'{chr(39)}column{i:0{len(str(len(headers) - 1))}d}{chr(39)}: {chr(39)}VARCHAR{chr(39)}' for i in range(len(headers)))}}}, "
            f"quote = '\"', escape = '\"', null_padding = true)",
            [str(path), head_line + 1])
        rows = relation.fetchall()
        con.close()
    except Exception:  # noqa: BLE001  (any doubt: the Python reader decides)
        return None
    return ((k, row) for k, row in enumerate(rows)), mini


# --- writing -----------------------------------------------------------------------------------

CASE_COLUMNS = [
    "file_id", "row_number", "case_number", "visa", "fiscal_year", "status", "status_raw", "decision_date",
    "employer_name_filed", "employer_name_id", "employer_id", "employer_city", "employer_state",
    "employer_postal_code", "agent_name_filed", "agent_id", "job_title", "soc_code", "soc_title",
    "workers_requested", "workers_certified", "wage_offered", "wage_unit", "period_start", "period_end",
    "worksite_city", "worksite_state", "org_flag", "role", "counted",
]
_CUT = {  # max_length of each text column: longer values are cut, not refused
    f.attname: f.max_length for f in VisaCase._meta.concrete_fields if getattr(f, "max_length", None)
}


def _insert(rows):
    if not rows:
        return
    table = VisaCase._meta.db_table
    cols = ", ".join(CASE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # A larger page cache keeps the indexes in memory during a long import.
            cursor.execute("PRAGMA cache_size = -262144")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(CASE_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)


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
        self.agent_by_key = dict(Agent.objects.values_list("key", "pk"))
        self.new_employers = set()

    @staticmethod
    def _insert_returning(model, columns_, rows, key_columns):
        """INSERT ``rows``; returns {tuple of key_columns: pk} for the new rows."""
        if not rows:
            return {}
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            before = cursor.fetchone()[0]
            marks = ", ".join(["%s"] * len(columns_))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns_)}) VALUES ({marks})", rows)
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


# --- the import ----------------------------------------------------------------------------------

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


def import_file(path, visa=None, fiscal_year=None, importer="", progress=None, stderr=None):
    """Import one file in one transaction. Returns a ``Summary``; raises ``FileRefused``."""
    path = Path(path)
    if not path.exists():
        raise FileRefused(path, [f"{path}: no such file"])
    if visa:
        visa = normalise.visa_value(visa) or None
        if not visa:
            raise FileRefused(path, [f"{path}: --visa must be H-2A or H-2B"])
    headers, rows = open_rows(path)
    mapping = map_headers(headers)
    problems = []
    for required in columns.REQUIRED_FIELDS:
        if required not in mapping:
            looked = ", ".join(a if isinstance(a, str) else "+".join(a) for a in columns.FIELDS[required])
            problems.append(f"{path}: row 1 (header): no {required.replace('_', ' ')} column (looked for {looked})")
    if problems:
        raise FileRefused(path, problems)

    sample = []
    for item in rows:
        sample.append(item)
        if len(sample) >= SAMPLE:
            break
    visa, fiscal_year, problems = _detect(path, mapping, sample, visa, fiscal_year)
    if problems:
        raise FileRefused(path, problems)
    has_flags = "org_flag" in mapping or "primary_sub" in mapping
    # First pass: the rows of a case number are not always next to each other (FY2006-2007), so
    # roles are decided over the whole file before any row is written.
    fast = None
    if path.suffix.lower() == ".csv" and len(sample) >= SAMPLE and detect_encoding(path) == "utf-8-sig":
        fast = _first_pass_rows(path, headers, mapping, _csv_header_line(path))
    if fast:
        roles = compute_roles(fast[0], fast[1], has_flags)
    else:
        roles = compute_roles(itertools.chain(sample, rows), mapping, has_flags)
    del sample, fast
    headers, rows = open_rows(path)

    sha = sha256_of(path)
    summary = Summary(file=path.name, visa=visa, fiscal_year=fiscal_year)
    if progress is None:
        progress = (stderr or sys.stderr).isatty()

    from tqdm import tqdm

    bar = tqdm(total=None, unit=" rows", desc=path.name, disable=not progress, file=stderr or sys.stderr,
               mininterval=0.5)
    try:
        with transaction.atomic():
            previous = ImportedFile.objects.select_for_update().filter(
                Q(sha256=sha) | Q(visa=visa, fiscal_year=fiscal_year, name=path.name))
            replaced_employers = set()
            for old in previous:
                summary.replaced.append(old.pk)
                replaced_employers |= set(VisaCase.objects.filter(file=old).exclude(employer=None)
                                          .values_list("employer_id", flat=True).distinct())
                VisaCase.objects.filter(file=old)._raw_delete(VisaCase.objects.db)
                old.delete()
            imported = ImportedFile.objects.create(
                name=path.name, path=str(path), sha256=sha, visa=visa, fiscal_year=fiscal_year, importer=importer)
            _stream(imported, headers, mapping, rows, roles, summary, bar, path)
            _summarise(imported, summary, replaced_employers)
    finally:
        bar.close()
    return summary


def _stream(imported, headers, mapping, rows, roles, summary, bar, path):
    g = {f: _getter(specs) for f, specs in mapping.items()}
    none = lambda row: None  # noqa: E731
    get_case = g["case_number"]
    get_status, get_decision = g.get("status", none), g.get("decision_date", none)
    get_emp, get_city, get_state = g["employer_name"], g.get("employer_city", none), g.get("employer_state", none)
    get_postal, get_agent = g.get("employer_postal_code", none), g.get("agent_name", none)
    get_job, get_soc, get_soc_title = g.get("job_title", none), g.get("soc_code", none), g.get("soc_title", none)
    get_req, get_cert = g.get("workers_requested", none), g.get("workers_certified", none)
    get_wage, get_unit = g.get("wage_offered", none), g.get("wage_unit", none)
    get_start, get_end = g.get("period_start", none), g.get("period_end", none)
    get_wcity, get_wstate = g.get("worksite_city", none), g.get("worksite_state", none)
    get_flag = g.get("org_flag", none)
    # H-2B FY2005 has only the number of workers asked for (Num_Aliens): a certified case is
    # certified for that number. Documented in docs/visas.md.
    certified_from_requested = "workers_certified" not in mapping
    header_of = {f: _header_name(headers, mapping[f]) for f in mapping}
    clean = normalise.clean_text
    count = normalise.count
    visa, fy, file_id = imported.visa, imported.fiscal_year, imported.pk
    # Few distinct values repeat over millions of cells: convert each once.
    status_map, state_map, date_map, wage_map, unit_map, flag_map, count_map = {}, {}, {}, {}, {}, {}, {}
    problems = []
    names = NameBook()
    batch = []
    cut_name = _CUT["employer_name_filed"]
    sole = SOLE
    occurrences = {}

    def memo(table, convert, value):
        try:
            return table[value]
        except KeyError:
            table[value] = result = convert(value)
            return result
        except TypeError:  # unhashable: never in practice
            return convert(value)

    cases, certified_cases, employers = set(), set(), set()
    totals = {"rows": 0, "requested": 0, "certified": 0}

    def flush_batch():
        if not batch:
            return
        names.prepare({(r[8], r[11], r[12]) for r in batch if r[8]}, {r[14] for r in batch})
        employer_names, agents = names.employer_names, names.agents
        requested = certified = 0
        for r in batch:
            if r[8]:
                r[9], r[10] = employer_names[(r[8], r[11], r[12])]
                employers.add(r[10])
            if r[14]:
                r[15] = agents.get(r[14])
            cases.add(r[2])
            if r[5] in CERTIFIED_STATUSES:
                certified_cases.add(r[2])
            if r[29]:  # counted
                requested += r[19] or 0
                certified += r[20] or 0
        totals["rows"] += len(batch)
        totals["requested"] += requested
        totals["certified"] += certified
        _insert(batch)
        bar.update(len(batch))
        batch.clear()

    for n, row in rows:
        case = clean(get_case(row))
        if not case:
            if not any(clean(c) for c in row):
                continue  # a blank line
            if len(problems) < MAX_PROBLEMS:
                problems.append(f"{path.name}: row {n}, column {header_of['case_number']}: blank case number")
            continue
        try:
            requested = memo(count_map, count, get_req(row))
        except (TypeError, ValueError):
            requested = None
            if len(problems) < MAX_PROBLEMS:
                problems.append(f"{path.name}: row {n}, column {header_of['workers_requested']}: "
                                f"{get_req(row)!r} is not a number of workers")
        try:
            certified = memo(count_map, count, get_cert(row))
        except (TypeError, ValueError):
            certified = None
            if len(problems) < MAX_PROBLEMS:
                problems.append(f"{path.name}: row {n}, column {header_of['workers_certified']}: "
                                f"{get_cert(row)!r} is not a number of workers")
        if problems:
            continue  # keep reading to report more problems, write nothing
        status_raw = clean(get_status(row))
        status = memo(status_map, normalise.status, status_raw)
        if certified_from_requested:
            certified = requested if status in CERTIFIED_STATUSES else (0 if requested is not None else None)
        group_roles = roles.get(case)
        if group_roles is None:
            role, counted = sole
        else:
            seen = occurrences.get(case, 0)
            occurrences[case] = seen + 1
            role, counted = group_roles[seen] if seen < len(group_roles) else sole
        batch.append([
            file_id, n, case[:40], visa, fy, status, status_raw[:120], memo(date_map, normalise.date, get_decision(row)),
            clean(get_emp(row))[:cut_name], None, None, clean(get_city(row))[:120],
            memo(state_map, normalise.state_code, clean(get_state(row))), clean(get_postal(row))[:20],
            clean(get_agent(row))[:300], None, clean(get_job(row))[:300], clean(get_soc(row))[:20],
            clean(get_soc_title(row))[:200], requested, certified, memo(wage_map, normalise.wage, get_wage(row)),
            memo(unit_map, normalise.wage_unit, clean(get_unit(row))),
            memo(date_map, normalise.date, get_start(row)), memo(date_map, normalise.date, get_end(row)),
            clean(get_wcity(row))[:120], memo(state_map, normalise.state_code, clean(get_wstate(row))),
            memo(flag_map, normalise.org_flag, clean(get_flag(row))), role, counted,
        ])
        if len(batch) >= BATCH:
            flush_batch()
    if problems:
        raise FileRefused(path, problems)
    flush_batch()
    summary.new_employers = names.new_employers
    summary.rows, summary.cases, summary.certified_cases = totals["rows"], len(cases), len(certified_cases)
    summary.positions_requested, summary.positions_certified = totals["requested"], totals["certified"]
    employers.discard(None)
    summary.employers = len(employers)
    summary.touched_employers = employers


def _header_name(headers, specs):
    return "/".join("+".join(headers[i] for i in s) if isinstance(s, tuple) else headers[s] for s in specs)


def _summarise(imported, summary, replaced_employers):
    """Store the file's figures (counted while streaming) and refresh the totals of the employers
    whose rows changed."""
    imported.rows, imported.cases, imported.positions_certified = summary.rows, summary.cases, summary.positions_certified
    imported.save(update_fields=["rows", "cases", "positions_certified"])
    from .stats import refresh_employer_totals

    refresh_employer_totals(set(summary.touched_employers) | set(replaced_employers))
    from .search import index_names

    index_names()
