"""Purchases from a CSV export (till or spreadsheet): bytes in, validated rows and rejections out.

Pure parsing and validation; the caller stores the valid rows in one transaction. A problem with
the file as a whole raises `CsvFileError`; a problem with one row becomes a `CsvRejection` and the
other rows still count. For any input bytes nothing but `CsvFileError` is raised.

Problems are data, a `CsvProblem` (a message key and its values), not sentences: the bot words
them in the reader's language from its catalogues, and this package knows nothing of the bot.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from core.phones import normalize_phone
from intake.dates import parse_purchase_time
from intake.fields import (
    AMOUNT,
    CURRENCY,
    CURRENCY_PATTERN,
    CUSTOMER_ID,
    IDENTITY_FIELDS,
    ORDER_ID,
    ORDER_ID_PATTERN,
    PHONE,
    PURCHASED_AT,
    STORE,
    TELEGRAM_USER_ID,
)
from intake.money import AmountError, parse_amount

MIB = 1024 * 1024
MAX_CSV_BYTES = 5 * MIB
MAX_CSV_ROWS = 10_000
MAX_STORE_CHARS = 64
FUTURE_TOLERANCE = timedelta(days=1)  # tills with a wrong clock or another time zone
QUOTE_CHARS = 40  # how much of a bad value a problem repeats

# Canonical column names, in the order they are listed to the owner.
COLUMNS = (ORDER_ID, AMOUNT, CURRENCY, PURCHASED_AT, STORE, TELEGRAM_USER_ID, PHONE, CUSTOMER_ID)
REQUIRED = (ORDER_ID, AMOUNT)
IDENTITY = IDENTITY_FIELDS
ALIASES: Mapping[str, str] = {
    "номер_заказа": ORDER_ID,
    "сумма": AMOUNT,
    "валюта": CURRENCY,
    "дата": PURCHASED_AT,
    "магазин": STORE,
    "телефон": PHONE,
}
_HEADER_NAMES: Mapping[str, str] = {**{name: name for name in COLUMNS}, **ALIASES}

_ORDER_ID = ORDER_ID_PATTERN
_CURRENCY = CURRENCY_PATTERN
_POSITIVE_INT = re.compile(r"[0-9]{1,19}")
_MAX_INT = 2**63 - 1  # SQLite INTEGER

CsvValue = str | int | float
"""A `CsvProblem` value. Text (column labels as the file spells them, quoted cells, line numbers)
is shown as it is; an int or a float is a quantity, shown in the reader's number format."""


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """What is wrong, as a message key of the bot's catalogues and the values it names.

    e.g. `CsvProblem("csv_err_not_positive", {"column": "amount", "value": "0"})`, which the
    English catalogue words as `amount: '0' is not a positive amount`. Every key starts `csv_err_`.
    """

    key: str
    values: Mapping[str, CsvValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CsvPurchase:
    """One valid row, ready to store."""

    line: int  # 1-based line number in the file where the row starts (the header is line 1)
    order_id: str
    amount_minor: int
    currency: str  # ISO 4217, upper case
    purchased_at: datetime | None  # aware, UTC
    store: str | None
    telegram_user_id: int | None
    phone: str | None  # E.164
    customer_id: int | None  # our internal customer id


@dataclass(frozen=True, slots=True)
class CsvRejection:
    """A row that was not imported, and why (naming the column as the file spells it)."""

    line: int
    problem: CsvProblem


@dataclass(frozen=True, slots=True)
class CsvImport:
    """Every non-blank data row ends up in exactly one of the three lists."""

    rows: list[CsvPurchase]
    rejected: list[CsvRejection]
    duplicates_in_file: list[int]  # lines whose order_id appeared earlier in the file (skipped)


class CsvFileError(ValueError):
    """The file as a whole cannot be imported, because of `problem` (`str(error)` is its key)."""

    def __init__(self, key: str, **values: CsvValue) -> None:
        super().__init__(key)
        self.problem = CsvProblem(key, values)


class _RowError(Exception):
    """One row is refused, because of `problem`."""

    def __init__(self, key: str, **values: CsvValue) -> None:
        super().__init__(key)
        self.problem = CsvProblem(key, values)


@dataclass(frozen=True, slots=True)
class _Record:
    line: int  # where the record starts
    last_line: int  # where it ends (later than `line` when a quoted value holds line breaks)
    fields: list[str]


def parse_purchases_csv(
    data: bytes, *, default_currency: str, timezone: tzinfo, now: datetime | None = None
) -> CsvImport:
    """Parse and validate a purchases CSV; naive times are read in `timezone`.

    `now` (aware; defaults to the current time) only decides which dates are in the future.
    """
    if not _CURRENCY.fullmatch(default_currency):
        raise ValueError(f"default_currency must be a 3-letter code, not {default_currency!r}")
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")

    text = _decode(data)
    delimiter = _detect_delimiter(text)
    records = _read_records(text, delimiter)
    header = next(records, None)
    if header is None:  # a lone quote or similar that parses to nothing
        raise CsvFileError("csv_err_empty_file")
    columns, labels = _map_header(header.fields)

    body: list[_Record] = []
    for record in records:
        if len(body) == MAX_CSV_ROWS:
            raise CsvFileError("csv_err_too_many_rows", count=MAX_CSV_ROWS)
        body.append(record)
    if not body:
        raise CsvFileError("csv_err_header_only")

    validator = _RowValidator(
        columns=columns,
        labels=labels,
        width=len(header.fields),
        delimiter=delimiter,
        default_currency=default_currency.upper(),
        timezone=timezone,
        latest=now + FUTURE_TOLERANCE,
    )
    rows: list[CsvPurchase] = []
    rejected: list[CsvRejection] = []
    duplicates: list[int] = []
    seen: set[str] = set()
    for record in body:
        try:
            order_id = validator.order_id(record)
            if order_id in seen:
                duplicates.append(record.line)
                continue
            seen.add(order_id)
            rows.append(validator.purchase(record, order_id))
        except _RowError as error:
            rejected.append(CsvRejection(record.line, error.problem))
    return CsvImport(rows=rows, rejected=rejected, duplicates_in_file=duplicates)


def _decode(data: bytes) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise CsvFileError("csv_err_too_big", size=len(data) / MIB, limit=MAX_CSV_BYTES // MIB)
    # Excel's "Unicode text" is UTF-16, full of NUL bytes: name the real problem instead.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvFileError("csv_err_utf16")
    if b"\x00" in data:
        raise CsvFileError("csv_err_nul")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise CsvFileError("csv_err_not_utf8", line=str(line)) from None
    if not text.strip():
        raise CsvFileError("csv_err_empty_file")
    return text


def _canonical(name: str) -> str | None:
    return _HEADER_NAMES.get(name.strip().casefold())


def _detect_delimiter(text: str) -> str:
    """`,` or `;`: whichever splits the header line into more known columns, then more fields.

    A score on known names is sturdier than `csv.Sniffer` on a single line, which guesses from
    character frequencies and cannot tell a one-column header from a broken one.
    """
    header_line = next(
        (line for line in io.StringIO(text, newline="") if not _is_blank_line(line)), None
    )
    if header_line is None:  # nothing but spaces, quotes and delimiters
        raise CsvFileError("csv_err_empty_file")

    def score(delimiter: str) -> tuple[int, int]:
        try:
            fields = next(csv.reader([header_line], delimiter=delimiter), [])
        except csv.Error:
            return (0, 0)
        known = {_canonical(field) for field in fields} - {None}
        return (len(known), len(fields))

    return ";" if score(";") > score(",") else ","


def _is_blank_line(line: str) -> bool:
    return all(ch.isspace() or ch in ',;"' for ch in line)


def _read_records(text: str, delimiter: str) -> Iterator[_Record]:
    """Non-blank records with the physical line each starts and ends on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    previous_end = 0
    while True:
        start = previous_end + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise CsvFileError("csv_err_unreadable", line=str(start), error=str(error)) from None
        previous_end = reader.line_num
        if any(field.strip() for field in fields):
            yield _Record(line=start, last_line=reader.line_num, fields=fields)


def _map_header(fields: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Canonical column name → field index, and → the name as the file spells it.

    Problems use the file's spelling, so an owner with `Сумма` in the header reads `Сумма: …`.
    Unknown columns are left out.
    """
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, spelling in enumerate(fields):
        name = _canonical(spelling)
        if name is None:
            continue
        if name in columns:
            raise CsvFileError("csv_err_column_twice", column=name)
        columns[name] = index
        labels[name] = spelling.strip()
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        tabs = len(fields) == 1 and "\t" in fields[0]
        key = {
            (False, False): "csv_err_missing_column",
            (True, False): "csv_err_missing_columns",
            (False, True): "csv_err_missing_column_tabs",
            (True, True): "csv_err_missing_columns_tabs",
        }[len(missing) > 1, tabs]
        raise CsvFileError(
            key,
            columns=", ".join(missing),
            accepted=", ".join(COLUMNS),
            aliases=", ".join(f"{alias} ({name})" for alias, name in ALIASES.items()),
        )
    if not any(name in columns for name in IDENTITY):
        raise CsvFileError("csv_err_no_identity_column", columns=", ".join(IDENTITY))
    return columns, labels


def _excerpt(value: str) -> str:
    """At most the first 40 characters, on one line (the catalogue puts the quotes around it)."""
    shown = value if len(value) <= QUOTE_CHARS else value[:QUOTE_CHARS] + "…"
    return "".join(ch if ch.isprintable() else " " for ch in shown)


class _RowValidator:
    """Turns one record into a `CsvPurchase` or raises `_RowError` with its first problem."""

    def __init__(
        self,
        *,
        columns: dict[str, int],
        labels: dict[str, str],
        width: int,
        delimiter: str,
        default_currency: str,
        timezone: tzinfo,
        latest: datetime,
    ) -> None:
        self._columns = columns
        self._labels = labels
        self._width = width
        self._delimiter = delimiter
        self._default_currency = default_currency
        self._timezone = timezone
        self._latest = latest

    def order_id(self, record: _Record) -> str:
        """Checked on its own first: a duplicate is skipped without validating the rest."""
        self._check_width(record)
        value = self._value(record, ORDER_ID)
        if not _ORDER_ID.fullmatch(value):
            raise self._bad(ORDER_ID, value, "csv_err_order_id")
        return value

    def purchase(self, record: _Record, order_id: str) -> CsvPurchase:
        currency = self._currency(record)
        amount_minor = self._amount(record, currency)
        purchased_at = self._purchased_at(record)
        store = self._store(record)
        telegram_user_id = self._positive_int(record, TELEGRAM_USER_ID)
        phone = self._phone(record)
        customer_id = self._positive_int(record, CUSTOMER_ID)
        if telegram_user_id is None and phone is None and customer_id is None:
            present = ", ".join(self._labels[name] for name in IDENTITY if name in self._labels)
            raise _RowError("csv_err_no_identity", columns=present)
        return CsvPurchase(
            line=record.line,
            order_id=order_id,
            amount_minor=amount_minor,
            currency=currency,
            purchased_at=purchased_at,
            store=store,
            telegram_user_id=telegram_user_id,
            phone=phone,
            customer_id=customer_id,
        )

    def _bad(self, column: str, value: str, key: str, **values: CsvValue) -> _RowError:
        """`key` words what is wrong with `value`; an empty value is refused as empty."""
        label = self._labels[column]
        if not value:
            return _RowError("csv_err_empty", column=label)
        return _RowError(key, column=label, value=_excerpt(value), **values)

    def _check_width(self, record: _Record) -> None:
        found = len(record.fields)
        if found == self._width:
            return
        if record.last_line > record.line:
            raise _RowError(
                "csv_err_width_open_quote",
                expected=self._width,
                found=found,
                first=str(record.line),
                last=str(record.last_line),
            )
        if found > self._width:
            raise _RowError(
                "csv_err_width_delimiter",
                expected=self._width,
                found=found,
                delimiter=self._delimiter,
            )
        raise _RowError("csv_err_width", expected=self._width, found=found)

    def _value(self, record: _Record, column: str) -> str:
        index = self._columns.get(column)
        return "" if index is None else record.fields[index].strip()

    def _currency(self, record: _Record) -> str:
        value = self._value(record, CURRENCY)
        if not value:
            return self._default_currency
        if not _CURRENCY.fullmatch(value):
            raise self._bad(CURRENCY, value, "csv_err_currency")
        return value.upper()

    def _amount(self, record: _Record, currency: str) -> int:
        value = self._value(record, AMOUNT)
        try:
            return parse_amount(value, currency)
        except AmountError:
            raise self._bad(AMOUNT, value, "csv_err_not_positive") from None

    def _purchased_at(self, record: _Record) -> datetime | None:
        value = self._value(record, PURCHASED_AT)
        if not value:
            return None
        moment = parse_purchase_time(value, self._timezone)
        if moment is None:
            raise self._bad(PURCHASED_AT, value, "csv_err_date")
        if moment > self._latest:
            raise self._bad(PURCHASED_AT, value, "csv_err_future")
        return moment

    def _store(self, record: _Record) -> str | None:
        # Line breaks and runs of spaces inside a quoted name fold into single spaces.
        value = " ".join(self._value(record, STORE).split())
        if len(value) > MAX_STORE_CHARS:
            raise self._bad(STORE, value, "csv_err_too_long", count=MAX_STORE_CHARS)
        return value or None

    def _positive_int(self, record: _Record, column: str) -> int | None:
        value = self._value(record, column)
        if not value:
            return None
        if not _POSITIVE_INT.fullmatch(value) or not 0 < int(value) <= _MAX_INT:
            raise self._bad(column, value, "csv_err_whole_number")
        return int(value)

    def _phone(self, record: _Record) -> str | None:
        value = self._value(record, PHONE)
        if not value:
            return None
        phone = normalize_phone(value)
        if phone is None:
            raise self._bad(PHONE, value, "csv_err_phone")
        return phone
