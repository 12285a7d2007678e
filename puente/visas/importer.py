"""Reading OFLC disclosure files (CSV, XLSX, XLS) into ``VisaCase`` rows.

The importer streams: rows are read, checked, grouped by case number (to tell master, member and
sole applications apart), and inserted in batches of ``BATCH`` inside ONE transaction, with COPY
on PostgreSQL and executemany on SQLite. Any problem (a missing case-number column, an unknown
visa, a count that is not a number) is collected with file, row and column, and the whole file is
refused: the transaction rolls back and nothing from it stays.

The counting rule (``assign_roles``) is documented in docs/visas.md.
"""

import csv
import datetime as dt
import hashlib
import io
import itertools
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

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
        chosen = None
        for sheet_name in book.sheet_names:
            sheet = book.get_sheet_by_name(sheet_name)
            data = sheet.to_python(skip_empty_area=False)
            head = _header_index(data[:10])
            if data and (chosen is None or head or any(columns.header_key(c) in {
                columns.header_key(a) for a in columns.FIELDS["case_number"]} for c in data[head])):
                chosen = (data, head)
                if any(columns.header_key(c) in {columns.header_key(a) for a in columns.FIELDS["case_number"]}
                       for c in data[head]):
                    break
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
            elif columns.header_key(alias) in index:
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
    """{row_number: (role, counted)} for the rows of case numbers filed on several rows; every
    other row is a sole application, counted."""
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
    for items in cases.values():
        if not isinstance(items, list):
            continue
        group = [{"n": n, "flag": flag, "sub": sub, "certified": certified} for n, flag, sub, certified in items]
        assign_roles(group, has_flags)
        for r in group:
            roles[r["n"]] = (r["role"], r["counted"])
    return roles


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
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(CASE_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)


class NameBook:
    """Employer and agent names as filed -> ids, creating the new ones a batch at a time."""

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

    def prepare(self, employer_keys, agent_names):
        missing = [k for k in employer_keys if k not in self.employer_names]
        if missing:
            # One employer per new (normalised name, state); record linkage merges them later.
            new_keys = {}
            for name, city, state in missing:
                key = normalise.name_key(name) or name.upper()
                if (key, state) not in self.employer_by_key and (key, state) not in new_keys:
                    new_keys[(key, state)] = Employer(name=name[:300], key=key[:300], state=state, city=city[:120])
            created = Employer.objects.bulk_create(list(new_keys.values()), batch_size=2000)
            for (key, state), employer in zip(new_keys.keys(), created):
                self.employer_by_key[(key, state)] = employer.pk
                self.new_employers.add(employer.pk)
            objs = []
            for name, city, state in missing:
                key = normalise.name_key(name) or name.upper()
                objs.append(EmployerName(
                    name=name, city=city, state=state, key=key[:300],
                    employer_id=self.employer_by_key[(key, state)], certainty=1.0, method=LinkMethod.EXACT,
                ))
            for obj in EmployerName.objects.bulk_create(objs, batch_size=2000):
                self.employer_names[(obj.name, obj.city, obj.state)] = (obj.pk, obj.employer_id)
        missing_agents = [n for n in agent_names if n and n not in self.agents]
        if missing_agents:
            new_agents = {}
            for name in missing_agents:
                key = normalise.name_key(name) or name.upper()
                if key not in self.agent_by_key and key not in new_agents:
                    new_agents[key] = Agent(name=name[:300], key=key[:300])
            for agent in Agent.objects.bulk_create(list(new_agents.values()), batch_size=2000):
                self.agent_by_key[agent.key] = agent.pk
            objs = [AgentName(name=n, key=(normalise.name_key(n) or n.upper())[:300],
                              agent_id=self.agent_by_key[(normalise.name_key(n) or n.upper())[:300]])
                    for n in missing_agents]
            for obj in AgentName.objects.bulk_create(objs, batch_size=2000):
                self.agents[obj.name] = obj.agent_id


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
    roles = compute_roles(itertools.chain(sample, rows), mapping, has_flags)
    del sample
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
            for old in previous:
                summary.replaced.append(old.pk)
                VisaCase.objects.filter(file=old)._raw_delete(VisaCase.objects.db)
                old.delete()
            imported = ImportedFile.objects.create(
                name=path.name, path=str(path), sha256=sha, visa=visa, fiscal_year=fiscal_year, importer=importer)
            _stream(imported, headers, mapping, rows, roles, summary, bar, path)
            _summarise(imported, summary)
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
    visa, fy, file_id = imported.visa, imported.fiscal_year, imported.pk
    status_map, state_map, date_map = {}, {}, {}
    problems = []
    names = NameBook()
    batch = []
    cut = _CUT

    def to_date(value):
        if value is None or value == "":
            return None
        try:
            return date_map[value]
        except KeyError:
            day = normalise.date(value)
            date_map[value] = day
            return day
        except TypeError:
            return normalise.date(value)

    def st(value):
        value = clean(value)
        try:
            return state_map[value]
        except KeyError:
            state_map[value] = code = normalise.state_code(value)
            return code

    def flush_batch():
        if not batch:
            return
        names.prepare({r["emp_key"] for r in batch if r["emp_key"][0]}, {r["agent"] for r in batch})
        out = []
        for r in batch:
            name_id, employer_id = names.employer_names[r["emp_key"]] if r["emp_key"][0] else (None, None)
            flag = r["flag"]
            out.append((
                file_id, r["n"], r["case"], visa, fy, r["status"], r["status_raw"], r["decision"],
                r["emp_key"][0], name_id, employer_id, r["emp_key"][1], r["emp_key"][2], r["postal"],
                r["agent"], names.agents.get(r["agent"]) if r["agent"] else None, r["job"], r["soc"],
                r["soc_title"], r["requested"], r["certified"], r["wage"], r["unit"], r["start"], r["end"],
                r["wcity"], r["wstate"], flag, r["role"], r["counted"],
            ))
        _insert(out)
        bar.update(len(out))
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
            requested = normalise.count(get_req(row))
        except (TypeError, ValueError):
            requested = None
            if len(problems) < MAX_PROBLEMS:
                problems.append(f"{path.name}: row {n}, column {header_of['workers_requested']}: "
                                f"{get_req(row)!r} is not a number of workers")
        try:
            certified = normalise.count(get_cert(row))
        except (TypeError, ValueError):
            certified = None
            if len(problems) < MAX_PROBLEMS:
                problems.append(f"{path.name}: row {n}, column {header_of['workers_certified']}: "
                                f"{get_cert(row)!r} is not a number of workers")
        if problems:
            continue  # keep reading to report more problems, write nothing
        status_raw = clean(get_status(row))
        try:
            status = status_map[status_raw]
        except KeyError:
            status_map[status_raw] = status = normalise.status(status_raw)
        if certified_from_requested:
            certified = requested if status in CERTIFIED_STATUSES else (0 if requested is not None else None)
        emp_name = clean(get_emp(row))[: cut["employer_name_filed"]]
        flag_raw = clean(get_flag(row))
        record = {
            "n": n, "case": case[:40], "status": status, "status_raw": status_raw[:120],
            "decision": to_date(get_decision(row)),
            "emp_key": (emp_name, clean(get_city(row))[:120], st(get_state(row))),
            "postal": clean(get_postal(row))[:20], "agent": clean(get_agent(row))[:300],
            "job": clean(get_job(row))[:300], "soc": clean(get_soc(row))[:20],
            "soc_title": clean(get_soc_title(row))[:200], "requested": requested, "certified": certified,
            "wage": normalise.wage(get_wage(row)), "unit": normalise.wage_unit(clean(get_unit(row))),
            "start": to_date(get_start(row)), "end": to_date(get_end(row)),
            "wcity": clean(get_wcity(row))[:120], "wstate": st(get_wstate(row)),
            "flag": normalise.org_flag(flag_raw),
        }
        record["role"], record["counted"] = roles.get(n, SOLE)
        batch.append(record)
        if len(batch) >= BATCH:
            flush_batch()
    if problems:
        raise FileRefused(path, problems)
    flush_batch()
    summary.new_employers = names.new_employers


def _header_name(headers, specs):
    return "/".join("+".join(headers[i] for i in s) if isinstance(s, tuple) else headers[s] for s in specs)


def _summarise(imported, summary):
    qs = VisaCase.objects.filter(file=imported)
    totals = qs.aggregate(
        rows=Count("pk"), cases=Count("case_number", distinct=True),
        certified_cases=Count("case_number", distinct=True, filter=Q(status__in=CERTIFIED_STATUSES)),
        positions_requested=Sum("workers_requested", filter=Q(counted=True)),
        positions_certified=Sum("workers_certified", filter=Q(counted=True)),
        employers=Count("employer", distinct=True),
    )
    for key, value in totals.items():
        setattr(summary, key, value or 0)
    imported.rows, imported.cases, imported.positions_certified = summary.rows, summary.cases, summary.positions_certified
    imported.save(update_fields=["rows", "cases", "positions_certified"])
