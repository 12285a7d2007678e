"""Normalising: which column is which (``columns.FIELDS``), the visa and fiscal year, and every
field's values as Puente stores them.

Statuses, states, dates, wages, units, flags and worker counts repeat a lot, so each distinct
value goes once through the Python function in ``normalise`` and is joined back as a small table;
free text (names, cities, job titles) is cleaned in SQL by the ``clean`` macro. Before anything is
written, ``problems`` lists what makes the file unreadable (blank case number, a count that is not
a number, a status never seen, a date that is not one), with row and column.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.db import models
from django.utils.translation import gettext as _

from .. import columns, normalise
from ..models import VisaCase

SAMPLE = 5_000  # rows looked at to find the visa and fiscal year in the content
MAX_PROBLEMS = 25

Spec = int | tuple[int, ...]
Mapping = dict[str, list[Spec]]


def _looked_for(field: str) -> str:
    return ", ".join(a if isinstance(a, str) else "+".join(a) for a in columns.FIELDS[field])


def map_headers(headers: list[str], path: Path | None = None) -> tuple[Mapping, list[str]]:
    """(field -> column specs (an index, or a tuple of indexes to join), problems). A problem is a
    column Puente maps that appears twice, or a measure whose column cannot be told with certainty
    (two spellings of it, or a header that looks like it but is no known spelling)."""
    name = path.name if path else _("file")
    positions: dict[str, list[int]] = {}
    for i, h in enumerate(headers):
        positions.setdefault(columns.header_key(h), []).append(i)
    mapping: Mapping = {}
    problems: list[str] = []
    used: set[int] = set()
    seen = "; ".join(str(h) for h in headers if str(h).strip())
    for fname, aliases in columns.FIELDS.items():
        specs: list[Spec] = []
        for alias in aliases:
            parts = alias if isinstance(alias, tuple) else (alias,)
            found = [positions.get(columns.header_key(a), []) for a in parts]
            for a, where in zip(parts, found, strict=True):
                if len(where) > 1:
                    problems.append(_("%(file)s: row 1 (header): column %(column)s appears %(n)d times "
                                      "(columns %(where)s); cannot tell which one to read") % {
                        "file": name, "column": a, "n": len(where), "where": ", ".join(str(w + 1) for w in where)})
            if all(found):
                spec: Spec = tuple(w[0] for w in found) if isinstance(alias, tuple) else found[0][0]
                if spec not in specs:
                    specs.append(spec)
        if specs:
            mapping[fname] = specs
            used.update(i for s in specs for i in (s if isinstance(s, tuple) else (s,)))
    for fname in columns.COUNTED_FIELDS:
        specs = mapping.get(fname, [])
        label = fname.replace("_", " ")
        if len(specs) > 1:
            problems.append(_("%(file)s: row 1 (header): %(columns)s are all columns of %(measure)s; cannot tell "
                              "which one to count (headers seen: %(seen)s)") % {
                "file": name, "columns": " and ".join(headers[s] for s in specs if isinstance(s, int)),
                "measure": label, "seen": seen})
        lookalikes = [headers[i] for i, h in enumerate(headers) if i not in used and any(
            all(word in columns.header_key(h) for word in words) for words in columns.MEASURE_LOOKALIKES[fname])]
        if lookalikes:
            problems.append(_("%(file)s: row 1 (header): %(columns)s looks like a column of %(measure)s but is no "
                              "spelling Puente knows (looked for %(looked)s; headers seen: %(seen)s)") % {
                "file": name, "columns": ", ".join(lookalikes), "measure": label,
                "looked": _looked_for(fname), "seen": seen})
    return mapping, problems


def getter(specs: list[Spec]) -> Callable[[list], Any]:
    """A function row -> first non-blank value among the columns in ``specs``."""
    def get(row: list) -> Any:
        for spec in specs:
            if isinstance(spec, tuple):
                value: Any = " ".join(normalise.clean_text(row[i]) for i in spec if i < len(row)).strip()
            else:
                value = row[spec] if spec < len(row) else None
            if value not in (None, ""):
                return value
        return None

    return get


def needed(mapping: Mapping) -> list[int]:
    """The indexes of the columns the mapping reads."""
    return sorted({i for specs in mapping.values() for spec in specs
                   for i in (spec if isinstance(spec, tuple) else (spec,))})


def header_name(headers: list[str], specs: list[Spec]) -> str:
    return "/".join("+".join(headers[i] for i in s) if isinstance(s, tuple) else headers[s] for s in specs)


def detect(path: Path, mapping: Mapping, sample: list[tuple[int, list]], visa: str | None,
           fiscal_year: int | None) -> tuple[str | None, int | None, list[str]]:
    """Visa and fiscal year: command line, else the file's content, else its name."""
    name = path.name
    problems = []
    if not visa and "visa" in mapping:
        get = getter(mapping["visa"])
        votes = Counter(normalise.visa_value(normalise.clean_text(get(r))) for _n, r in sample)
        votes.pop("", None)
        if votes:
            visa = votes.most_common(1)[0][0]
    if not visa:
        match = columns.FILENAME_VISA.search(name)
        if match:
            visa = f"H-2{match.group(1).upper()}"
    if not visa:
        problems.append(_("%(file)s: cannot tell the visa (H-2A or H-2B): no VISA_CLASS column and none in the "
                          "file name; give it with --visa") % {"file": name})
    if not fiscal_year and "decision_date" in mapping:
        get = getter(mapping["decision_date"])
        years: Counter = Counter()
        for _n, r in sample:
            day = normalise.date(get(r))
            if day:
                years[normalise.fiscal_year(day)] += 1
        if years:
            year, n = years.most_common(1)[0]
            if n * 2 >= sum(years.values()):
                fiscal_year = year
    if not fiscal_year:
        match = columns.FILENAME_FY.search(name)
        if match:
            year = int(match.group(1))
            fiscal_year = year + 2000 if year < 100 else year
    if not fiscal_year:
        problems.append(_("%(file)s: cannot tell the fiscal year: no decision dates and no FYnnnn in the file name; "
                          "give it with --fy") % {"file": name})
    return visa, fiscal_year, problems


def _max_length(column: str) -> int:
    field = VisaCase._meta.get_field(column)
    if not isinstance(field, models.CharField) or field.max_length is None:
        raise TypeError(f"VisaCase.{column} is not a text column")
    return field.max_length


TEXT_FIELDS = {  # field -> max length of its column (longer values are cut, not refused)
    f: _max_length(column)
    for f, column in [
        ("case_number", "case_number"), ("employer_name", "employer_name_filed"), ("employer_city", "employer_city"),
        ("employer_postal_code", "employer_postal_code"), ("agent_name", "agent_name_filed"),
        ("job_title", "job_title"), ("soc_code", "soc_code"), ("soc_title", "soc_title"),
        ("worksite_city", "worksite_city"),
    ]
}
STATUS_RAW_LENGTH = _max_length("status_raw")
DATE_FIELDS = ("decision_date", "period_start", "period_end")
COUNT_FIELDS = columns.COUNTED_FIELDS
# Fields whose aliases may hold a declared "none" ("N/A"): that alias counts as blank, so the next
# one (the attorney's name after the firm's) gives the value.
NONE_VALUED_FIELDS = ("agent_name",)


def _as_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _date_text(value: Any) -> str | None:
    return _as_text(normalise.date(value))


def _primary_or_sub(text: str) -> str:
    """PRIMARY/SUB as "pri", "sub" or "" (not given: the organisation flag decides)."""
    return "sub" if text in columns.SUB_VALUES else "pri" if text in columns.PRIMARY_VALUES else ""


# field -> (Python function of the raw value, DuckDB type of its result). Each distinct value of the
# field goes through the function once.
CONVERTERS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "status": (lambda v: normalise.status(normalise.clean_text(v)), "VARCHAR"),
    "status_raw": (lambda v: normalise.clean_text(v)[:STATUS_RAW_LENGTH], "VARCHAR"),
    "employer_state": (lambda v: normalise.state_code(normalise.clean_text(v)), "VARCHAR"),
    "worksite_state": (lambda v: normalise.state_code(normalise.clean_text(v)), "VARCHAR"),
    "decision_date": (_date_text, "DATE"),
    "period_start": (_date_text, "DATE"),
    "period_end": (_date_text, "DATE"),
    "wage_offered": (lambda v: _as_text(normalise.wage(v)), "DECIMAL(12, 2)"),
    "wage_unit": (lambda v: normalise.wage_unit(normalise.clean_text(v)), "VARCHAR"),
    "org_flag": (lambda v: normalise.org_flag(normalise.clean_text(v)), "VARCHAR"),
    "primary_sub": (lambda v: _primary_or_sub(normalise.clean_text(v).upper()), "VARCHAR"),
}


def _count_or_error(value: Any) -> tuple[int | None, bool]:
    try:
        return normalise.count(value), False
    except (TypeError, ValueError):
        return None, True


def _map_table(con, name: str, values, convert, sql_type: str) -> None:
    """A DuckDB table ``name``(k, v) holding convert(k) for each distinct raw value k."""
    keys = list(values)
    results = [convert(k) for k in keys]
    con.register(f"{name}_src", pa.table({"k": pa.array(keys, pa.string()), "v": pa.array(results, pa.string())}))
    con.execute(f"CREATE TABLE {name} AS SELECT k, CAST(v AS {sql_type}) AS v FROM {name}_src")  # noqa: S608 (names and a type from the code)
    con.unregister(f"{name}_src")


def _count_table(con, name: str, values) -> None:
    keys = list(values)
    converted = [_count_or_error(k) for k in keys]
    con.register(f"{name}_src", pa.table({
        "k": pa.array(keys, pa.string()),
        "v": pa.array([c[0] for c in converted], pa.int64()),
        "bad": pa.array([c[1] for c in converted], pa.bool_()),
    }))
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_src")  # noqa: S608 (a name from the code)
    con.unregister(f"{name}_src")


def _none_sql(x: str) -> str:
    """SQL: ``x`` unless it is a declared "none" value (``columns.NONE_VALUES``)."""
    keys = ", ".join(f"'{k}'" for k in sorted(columns.NONE_VALUES))
    return f"CASE WHEN regexp_replace(upper({x}), '[^0-9A-Z]', '', 'g') IN ({keys}) THEN NULL ELSE {x} END"


def _pick(fname: str, specs: list[Spec]) -> str:
    """SQL for a field's raw value: the first non-blank of its columns (as ``getter``)."""
    parts = []
    for spec in specs:
        if isinstance(spec, tuple):
            part = "NULLIF(trim(concat_ws(' ', " + ", ".join(f"clean(c{i})" for i in spec) + ")), '')"
        else:
            part = f"NULLIF(c{spec}, '')"
        parts.append(_none_sql(part) if fname in NONE_VALUED_FIELDS else part)
    return f"coalesce({', '.join(parts)}, '')"


# Fields normalised into table ``t`` before anything is written: what the checks, the counting
# rule, the employer and agent links and the file's figures need. The others are normalised in the
# query that streams rows to the database, so that their work overlaps the database's own.
EARLY_FIELDS = {"case_number", "employer_name", "employer_city", "agent_name", "status", "status_raw",
                "employer_state", "org_flag", "primary_sub", "decision_date", *COUNT_FIELDS}


class Normalised:
    """The SQL that normalises a file's rows, once the tables of distinct values are built:
    ``table_t`` builds ``t`` (the early fields normalised, the others as filed), ``name_keys``
    lists the employer and agent names as ``t`` will hold them (so that they can be linked while
    ``t`` is built), ``later``/``later_joins`` normalise the other fields while rows are written."""

    def __init__(self, early, joins, raw_fields, later, later_joins, picked, raw_picks, picks):
        self.early, self.joins, self.raw_fields, self.raw_picks = early, joins, raw_fields, raw_picks
        self.later, self.later_joins, self.picked, self.picks = later, later_joins, picked, picks

    @property
    def table_t(self) -> str:
        cols = ["p.n", *(f"{sql} AS {f}" for f, sql in self.early.items()), *(f"p.{f} AS {f}" for f in self.raw_fields)]
        return (f"CREATE TABLE t AS SELECT {', '.join(cols)} FROM ({self.picked}) AS p "  # noqa: S608 (generated names)
                f"{' '.join(self.joins.values())}")

    def name_keys(self, *fields: str) -> str:
        """The distinct values of ``fields`` (the first must be non-blank) as ``t`` will hold them,
        normalised over the distinct values as filed. Rows without a case number are included:
        a file with such a row is refused, and the names it created roll back with it."""
        if fields[0] not in self.raw_picks:
            return "SELECT NULL WHERE false"  # no such column in this file
        picked = ", ".join(f"p.{f}" for f in fields if f in self.raw_picks)
        inner = f"SELECT DISTINCT {picked} FROM ({self.picked}) AS p"  # noqa: S608 (generated names)
        joins = " ".join(self.joins[f] for f in fields if f in self.joins)
        return (f"SELECT DISTINCT {', '.join(self.early[f] for f in fields)} FROM ({inner}) AS p {joins} "  # noqa: S608 (generated names)
                f"WHERE {self.early[fields[0]]} <> ''")


def normalise_rows(con, mapping: Mapping) -> Normalised:
    """Build the tables of distinct values and return the ``Normalised`` SQL of the file's rows."""
    picks = {f: _pick(f, specs) for f, specs in mapping.items()}
    picks["status_raw"] = picks.get("status", "''")
    converted = [f for f in [*CONVERTERS, *COUNT_FIELDS] if f in picks]
    # Every field's distinct values in one scan of the file's rows.
    lists = "SELECT " + ", ".join(f"list(DISTINCT {picks[f]})" for f in converted) + " FROM raw"  # noqa: S608 (generated names)
    distinct = dict(zip(converted, con.execute(lists).fetchall()[0], strict=True))
    distinct = {f: v or [] for f, v in distinct.items()}
    early: dict[str, str] = {}
    joins: dict[str, str] = {}
    raw_fields: list[str] = []
    later: dict[str, str] = {}
    later_joins: list[str] = []

    def place(f: str, expression: str, join: str | None = None) -> None:
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

    def absent(f: str, blank: str) -> None:
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
    date_fields = [f for f in DATE_FIELDS if f in picks]
    if date_fields:
        values = set().union(*(distinct[f] for f in date_fields))
        _map_table(con, "map_date", values, CONVERTERS["decision_date"][0], "DATE")
    for f, (convert, sql_type) in CONVERTERS.items():
        if f not in picks:
            absent(f, "NULL" if f == "status" else "''" if sql_type == "VARCHAR" else f"NULL::{sql_type}")
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
    picked = "SELECT n, " + ", ".join(f"{sql} AS {f}" for f, sql in picks.items()) + " FROM raw"  # noqa: S608 (generated names)
    return Normalised(early, joins, raw_fields, later, later_joins, picked, set(picks), picks)


def problems(con, path: Path, headers: list[str], mapping: Mapping, normalised: Normalised) -> list[str]:
    """What makes the file unreadable, with row and column; [] when it can be imported: a blank
    case number, a worker count that is not a number, a status never seen, a date that is not one."""
    header_of = {f: header_name(headers, mapping[f]) for f in mapping}
    loaded = [f"c{i}" for i in needed(mapping)]
    blank_row = " AND ".join(f"coalesce(trim({c}), '') = ''" for c in loaded)
    parts = [f"SELECT n, 0 AS kind, '' AS value FROM t WHERE case_number = '' "  # noqa: S608 (generated column names)
             f"AND n NOT IN (SELECT n FROM raw WHERE {blank_row})",
             "SELECT n, 1, workers_requested_raw FROM t WHERE case_number <> '' AND workers_requested_bad",
             "SELECT n, 2, workers_certified_raw FROM t WHERE case_number <> '' AND workers_certified_bad"]
    if "status" in mapping:
        parts.append("SELECT n, 3, status_raw FROM t WHERE case_number <> '' AND status IS NULL")
    for k, f in enumerate(DATE_FIELDS):
        if f in mapping:
            # A date that is neither blank, a declared none value nor a date (the distinct values first).
            parts.append(f"SELECT p.n, {4 + k}, p.{f} FROM ({normalised.picked}) AS p JOIN map_date AS d "  # noqa: S608 (generated names; raw values are never in the SQL)
                         f"ON d.k = p.{f} WHERE d.v IS NULL AND {_none_sql('trim(p.' + f + ')')} IS NOT NULL")
    found = con.execute(" UNION ALL ".join(parts) + f" ORDER BY 1, 2 LIMIT {MAX_PROBLEMS}").fetchall()  # noqa: S608 (the parts above, a constant)
    out = []
    name = path.name
    for n, kind, value in found:
        if kind == 0:
            out.append(_("%(file)s: row %(row)d, column %(column)s: blank case number") % {
                "file": name, "row": n, "column": header_of["case_number"]})
        elif kind in (1, 2):
            f = COUNT_FIELDS[kind - 1]
            out.append(_("%(file)s: row %(row)d, column %(column)s: %(value)r is not a number of workers") % {
                "file": name, "row": n, "column": header_of[f], "value": value})
        elif kind == 3:
            out.append(_("%(file)s: row %(row)d, column %(column)s: status %(value)r is not one Puente knows; "
                         "declare it in visas/columns.py STATUSES") % {
                "file": name, "row": n, "column": header_of["status"], "value": value})
        else:
            f = DATE_FIELDS[kind - 4]
            out.append(_("%(file)s: row %(row)d, column %(column)s: %(value)r is not a date") % {
                "file": name, "row": n, "column": header_of[f], "value": value})
    return out
