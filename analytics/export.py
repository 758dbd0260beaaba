"""The owner's data export: tables of rows as CSV files, and what the workbook shares.

Cells carry customer text, so both formats defend against spreadsheet formula injection: a text
cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'` in CSV and in
XLSX alike (the same text in both files, and never evaluated by Excel, LibreOffice or Sheets).
XLSX text also loses the control characters XML 1.0 forbids, and its line ends become LF.
Numbers stay numbers, negative ones included. Aware datetimes are written in UTC without an
offset; saying "UTC" in the header is the caller's job.

Rows stream from a table to a file (`write_csv`, analytics.owner_workbook), so an export of
any size holds a thousand rows at a time, not the whole table.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import IO, Final

CSV_DELIMITER = ";"
MAX_SHEET_NAME = 31  # Excel's limit; names also become CSV file names
_SHEET_NAME_FORBIDDEN: Final = re.compile(r"[\[\]:*?/\\]")
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 forbids.
_XML_ILLEGAL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DATETIME_TEXT: Final = "%Y-%m-%d %H:%M:%S"
_DATETIME_WIDTH: Final = len("YYYY-MM-DD HH:MM:SS")
_WIDTH_SAMPLE_ROWS: Final = 1000
_MIN_WIDTH: Final = 6
_MAX_WIDTH: Final = 60


@dataclass(frozen=True, slots=True)
class Table:
    """One sheet of the export; `name` is the sheet name and the CSV file's stem."""

    name: str  # "surveys", "purchases", "referrals"
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]  # str, int, float, None, aware datetime or date
    """May be a one-pass iterator (rows read from the database as they are written)."""

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > MAX_SHEET_NAME:
            raise ValueError(f"a table name is 1 to {MAX_SHEET_NAME} characters: {self.name!r}")
        if _SHEET_NAME_FORBIDDEN.search(self.name) or self.name.startswith("'"):
            raise ValueError(f"a table name cannot hold []:*?/\\ or start with ': {self.name!r}")


LOCAL_SUFFIX = "_local"


def with_local_times(table: Table, tz: tzinfo) -> Table:
    """`table` with a `<name>_local` column after each `<name>_utc`: the same moment on the
    owner's clock, as text (a script reads UTC, a person the local time)."""
    moments = [i for i, header in enumerate(table.headers) if header.endswith("_utc")]
    if not moments:
        return table
    headers: list[str] = []
    for index, header in enumerate(table.headers):
        headers.append(header)
        if index in moments:
            headers.append(header.removesuffix("_utc") + LOCAL_SUFFIX)

    def rows() -> Iterator[list[object]]:
        for row in checked_rows(table):
            cells: list[object] = []
            for index, value in enumerate(row):
                cells.append(value)
                if index in moments:
                    cells.append(_local_text(value, tz))
            yield cells

    return Table(table.name, headers, rows())


def _local_text(value: object, tz: tzinfo) -> str | None:
    if not isinstance(value, datetime):
        return None
    _utc_naive(value)  # refuses a naive one as the UTC column does
    return value.astimezone(tz).strftime(_DATETIME_TEXT)


def to_csv(table: Table) -> bytes:
    buffer = io.BytesIO()
    write_csv(table, buffer)
    return buffer.getvalue()


def write_csv(table: Table, target: IO[bytes]) -> int:
    """UTF-8 with a BOM, `;` between fields and CRLF line ends; returns the rows written.

    The BOM makes Excel read the text as UTF-8 (Russian intact); the semicolon is the list
    separator Excel expects in Russian (and most European) locales, where a comma would
    put each whole row into one column.
    """
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text, dialect="excel", delimiter=CSV_DELIMITER)
        writer.writerow([_guard_formula(header) for header in table.headers])
        count = 0
        for row in checked_rows(table):
            writer.writerow([_csv_value(value) for value in row])
            count += 1
        text.flush()
    finally:
        text.detach()  # the target stays open for the caller
    return count


def checked_rows(table: Table) -> Iterator[Sequence[object]]:
    width = len(table.headers)
    for number, row in enumerate(table.rows, start=1):
        if len(row) != width:
            raise ValueError(f"table {table.name!r} row {number} has {len(row)} cells, not {width}")
        yield row


def _guard_formula(text: str) -> str:
    """A leading `'` makes spreadsheet apps show the text instead of evaluating it."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _utc_naive(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"export datetimes must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        return _guard_formula(value)
    if isinstance(value, datetime):
        return _utc_naive(value).strftime(_DATETIME_TEXT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return value
    raise TypeError(f"cannot export a {type(value).__name__} cell")


def xlsx_text(value: str) -> str:
    """A text cell: no control characters XML 1.0 forbids, LF line ends (XML reads a bare
    CR back as LF), and no formula."""
    if value.isprintable() and not value.startswith(_FORMULA_STARTS):
        return value  # most cells: nothing to do, found without a regex
    guarded = _guard_formula(_XML_ILLEGAL.sub("", value))
    return guarded.replace("\r\n", "\n").replace("\r", "\n")


def column_widths(headers: Sequence[str], sample: Sequence[Sequence[object]]) -> list[float]:
    """Widths in characters from the header and a sample of rows, capped so text wraps sanely."""
    widths = [_text_width(header) for header in headers]
    for row in sample:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], _text_width(value))
    return [min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH) for width in widths]


def _text_width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return _DATETIME_WIDTH
    text = value.isoformat() if isinstance(value, date) else str(value)
    return max((len(line) for line in text.splitlines()), default=0)
