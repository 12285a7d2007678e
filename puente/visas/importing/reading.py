"""Reading: a disclosure file (CSV, XLSX, XLS) into DuckDB's table ``raw`` (row number ``n`` and
one text column ``c<i>`` per column the mapping needs).

A UTF-8 CSV is parsed by DuckDB itself; anything else (XLSX and XLS through calamine, CSV in
cp1252 or latin-1, or a CSV DuckDB cannot parse strictly, or one with blank lines, which DuckDB
skips and so shifts every later row number) is read in Python and handed to DuckDB as Arrow text
columns. A file that cannot be read at all (empty, truncated, not the spreadsheet its name says)
is refused with one line naming it and the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import itertools
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from .. import columns, normalise
from .errors import FileRefused

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
HEAD_ROWS = 10  # the header is the first of these rows that names a case-number column

# Every character Python's str.isspace() accepts: the SQL ``clean`` macro does what clean_text()
# does (runs of spaces collapsed when there is a double space, tab or newline; ends stripped).
_SPACE_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_WS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _SPACE_CHARS) + "]+"
_ODD_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _SPACE_CHARS if c != " ") + "]"

Rows = Iterator[tuple[int, list]]


def detect_encoding(path) -> str:
    """utf-8 when every byte decodes as utf-8, else cp1252 (Windows exports), else latin-1."""
    stat = os.stat(path)
    return _detect_encoding(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _detect_encoding(path: str, size: int, mtime: int) -> str:  # size and mtime: a changed file is read again
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


def _header_index(rows_head) -> int:
    """Index of the header row: the first of the first rows that names a case-number column."""
    aliases = {columns.header_key(a) for a in columns.FIELDS["case_number"]}
    for i, row in enumerate(rows_head):
        if any(columns.header_key(c) in aliases for c in row):
            return i
    return 0


def _unreadable(path: Path, error: Exception) -> FileRefused:
    kind = _("spreadsheet") if path.suffix.lower() in SPREADSHEET_SUFFIXES else _("CSV file")
    return FileRefused(path, [_("%(file)s: not a readable %(kind)s (%(error)s)") % {
        "file": path.name, "kind": kind,
        "error": str(error).splitlines()[0][:200] if str(error) else type(error).__name__}])


def _open_spreadsheet(path: Path) -> tuple[list[str], Rows]:
    # python-calamine reads XLSX and old XLS alike, and is much faster than openpyxl/xlrd.
    try:
        book = CalamineWorkbook.from_path(str(path))
        aliases = {columns.header_key(a) for a in columns.FIELDS["case_number"]}
        chosen = None
        # The first sheet whose header (within its first rows) names a case number; else the first.
        for sheet_name in book.sheet_names:
            data = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
            if not data:
                continue
            head = _header_index(data[:HEAD_ROWS])
            if any(columns.header_key(c) in aliases for c in data[head]):
                chosen = (data, head)
                break
            chosen = chosen or (data, head)
    except (CalamineError, zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError) as error:
        raise _unreadable(path, error) from error
    if chosen is None:
        return [], iter(())
    data, head = chosen
    headers = [normalise.clean_text(c) for c in data[head]]
    return headers, ((head + 2 + i, row) for i, row in enumerate(data[head + 1:]))


def open_rows(path, encoding: str | None = None) -> tuple[list[str], Rows]:
    """(headers, iterator of (row_number, cells)) for a CSV, XLSX or XLS file. Row numbers are the
    file's own (the header is row 1 when it is the first line). ``encoding`` of a CSV: detected
    from the whole file when not given."""
    path = Path(path)
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        return _open_spreadsheet(path)
    encoding = encoding or detect_encoding(path)
    fh = open(path, encoding=encoding, newline="")
    reader = csv.reader(fh)
    try:
        head_rows = list(itertools.islice(reader, HEAD_ROWS))
    except csv.Error as error:
        fh.close()
        raise _unreadable(path, error) from error
    head = _header_index(head_rows)
    headers = [h.strip() for h in head_rows[head]] if head_rows else []

    def iterate() -> Rows:
        try:
            n = head + 1
            for row in head_rows[head + 1:]:
                n += 1
                yield n, row
            for row in reader:
                n += 1
                yield n, row
        except csv.Error as error:
            raise _unreadable(path, error) from error
        finally:
            fh.close()

    return headers, iterate()


def csv_head(path) -> tuple[list[str] | None, int | None]:
    """(headers, index of the header record) of a CSV, from its first lines only: enough for
    DuckDB to be tried on it. The encoding is guessed from the first megabyte; a file that is not
    UTF-8 further on makes DuckDB fail, and the Python reader then detects it from the whole file."""
    with open(path, "rb") as fh:
        start = fh.read(1 << 20)
    encoding: str | None
    try:
        start.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the megabyte's end is still UTF-8.
        encoding = "utf-8-sig" if error.start >= len(start) - 3 else None
    if encoding is None or b"\0" in start:
        return None, None
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        try:
            head_rows = list(itertools.islice(csv.reader(fh), HEAD_ROWS))
        except csv.Error:
            return None, None
    head = _header_index(head_rows)
    return ([h.strip() for h in head_rows[head]] if head_rows else []), head


def file_facts(path) -> tuple[str, bool]:
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


def connect() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB database with the ``clean`` macro (``normalise.clean_text`` in SQL)."""
    con = duckdb.connect()
    # File order matters (row numbers, and which row of a case is its master).
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET temp_directory = ?", [f"{tempfile.gettempdir()}/puente-duckdb"])
    # Cheapest test first: most cells need only trim(), which strips spaces; trimming every kind of
    # space (trim with a set of characters) costs fifteen times more, so only where one occurs.
    con.execute(f"""
        CREATE MACRO clean(x) AS coalesce(CASE
            WHEN contains(x, '  ') OR contains(x, chr(10)) OR contains(x, chr(9))
                THEN trim(regexp_replace(x, '{_WS}', ' ', 'g'), $${_SPACE_CHARS}$$)
            WHEN regexp_matches(x, '{_ODD_SPACE}') THEN trim(x, $${_SPACE_CHARS}$$)
            ELSE trim(x) END, '')""")  # noqa: S608 (constant character classes built above, no input)
    return con


def load_csv_with_duckdb(con, path, ncols: int, needed: list[int], head_line: int) -> None:
    """Parse a UTF-8 CSV with DuckDB's own reader (strict: a row it cannot parse raises)."""
    declared = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols))
    select = ", ".join(f"c{i}" for i in needed)
    con.execute(
        f"CREATE TABLE raw0 AS SELECT {select} FROM read_csv(?, auto_detect = false, header = false, skip = ?, "  # noqa: S608 (generated column names; path and skip are parameters)
        f"delim = ',', quote = '\"', escape = '\"', all_varchar = true, strict_mode = false, "
        f"columns = {{{declared}}})",
        [str(path), head_line + 1],
    )
    # rowid is the record's position in the file: the header is row head_line + 1, counting from 1.
    con.execute(f"CREATE VIEW raw AS SELECT rowid + {int(head_line) + 2} AS n, * FROM raw0")  # noqa: S608 (an integer)


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV export would hold (dates as ISO with time). A cell that
    holds only the time 00:00:00 is Excel's day zero, a date cell left empty (H-2B FY2016 has one)."""
    if isinstance(value, dt.time) and value == dt.time(0, 0):
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return normalise.clean_text(value)


def load_rows_with_python(con, rows: Rows, needed: list[int]) -> None:
    """Rows read in Python (spreadsheets, other encodings) -> the same ``raw`` view, via Arrow."""
    numbers: list[int] = []
    cols: dict[int, list[str]] = {i: [] for i in needed}
    for n, row in rows:
        width = len(row)
        cells = [cell_text(row[i]) if i < width and row[i] is not None else "" for i in needed]
        if not any(c.strip() for c in cells):
            continue  # a blank line
        numbers.append(n)
        for i, cell in zip(needed, cells, strict=True):
            cols[i].append(cell)
    table = pa.table({"n": pa.array(numbers, pa.int64()), **{f"c{i}": pa.array(cols[i], pa.string()) for i in needed}})
    con.register("arrow_rows", table)
    con.execute("CREATE TABLE raw0 AS SELECT * FROM arrow_rows")
    con.unregister("arrow_rows")
    con.execute("CREATE VIEW raw AS SELECT * FROM raw0")


def read_into(con, path: Path, headers: list[str], head_line: int | None, rows: Rows | None,
              needed: list[int], blank_lines: Any) -> list[str]:
    """Fill ``raw`` from the file; returns the headers as the reader that was used saw them.
    ``blank_lines()``: whether the file has a blank line (known once its checksum is done)."""
    if rows is None and head_line is not None:
        try:
            load_csv_with_duckdb(con, path, len(headers), needed, head_line)
            if not blank_lines():  # a blank line: DuckDB skipped it, row numbers shifted
                return headers
        except duckdb.Error:
            pass  # ragged rows, a stray quote, not UTF-8: Python's csv module decides
        con.execute("DROP VIEW IF EXISTS raw")
        con.execute("DROP TABLE IF EXISTS raw0")
        headers, rows = open_rows(path)
    assert rows is not None  # noqa: S101 (either given or opened just above)
    try:
        load_rows_with_python(con, rows, needed)
    finally:
        close = getattr(rows, "close", None)
        if close:
            close()
    return headers
