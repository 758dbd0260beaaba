"""Staff send a .csv of purchases; every good row is stored in one transaction.

Parsing and validation live in intake.csv_import; here the rows meet the database
(customers are looked up, purchases recorded, surveys scheduled) and the report goes
back to the chat, every problem worded in the staff member's language. A file that fails as
a whole imports nothing.
"""

from __future__ import annotations

import html
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime

import aiosqlite
from aiogram import Bot, F, Router
from aiogram.types import Message

from bot.formats import format_count, number
from bot.texts import t, t_html
from core.clock import Clock
from core.settings import Settings
from intake.csv_import import (
    MAX_CSV_BYTES,
    MIB,
    CsvFileError,
    CsvProblem,
    CsvPurchase,
    CsvRejection,
    CsvValue,
    parse_purchases_csv,
)
from storage import customers
from storage.database import Database
from storage.intake import DispatchSoon, IntakeStatus, record_purchase_in
from storage.live_settings import LiveSettings
from storage.models import Customer
from storage.purchases import NewPurchase

log = logging.getLogger(__name__)

REPORTED_REJECTIONS = 20
REPORTED_LINES = 30
"""Line numbers listed for repeated and conflicting order ids; the rest are counted."""


@dataclass
class ImportReport:
    imported: int = 0
    surveys: int = 0
    too_old: int = 0  # imported as history: older than SURVEY_MAX_AGE, so not surveyed
    due_now: bool = False  # a survey is due at once (no SURVEY_DELAY)
    repeated: list[int] = field(default_factory=list)  # lines of an order id already seen
    conflicts: list[int] = field(default_factory=list)  # order ids stored with other data
    rejected: list[CsvRejection] = field(default_factory=list)


async def import_csv(
    message: Message,
    bot: Bot,
    db: Database,
    live_settings: LiveSettings,
    clock: Clock,
    dispatch_soon: DispatchSoon,
    language: str,
) -> None:
    settings = live_settings.current
    assert message.from_user is not None and message.document is not None
    document = message.document
    filename = document.file_name or "file.csv"
    if not filename.lower().endswith(".csv"):
        await message.answer(t(language, "csv_not_csv"))
        return
    if document.file_size is not None and document.file_size > MAX_CSV_BYTES:
        too_big = CsvProblem("csv_err_over_limit", {"limit": MAX_CSV_BYTES // MIB})
        await message.answer(_file_error_text(language, filename, too_big))
        return
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    try:
        parsed = parse_purchases_csv(
            buffer.getvalue(), default_currency=settings.currency, timezone=settings.tz
        )
    except CsvFileError as error:
        await message.answer(_file_error_text(language, filename, error.problem))
        return
    report = ImportReport(repeated=list(parsed.duplicates_in_file), rejected=list(parsed.rejected))
    async with db.transaction() as conn:
        for row in parsed.rows:
            await _import_row(conn, row, settings, clock, report)
    if report.due_now:
        dispatch_soon()
    log.info(
        "CSV import by staff %s: %s imported, %s repeated, %s conflicts, %s rejected",
        message.from_user.id,
        report.imported,
        len(report.repeated),
        len(report.conflicts),
        len(report.rejected),
    )
    await message.answer(_report_text(language, filename, report))


async def _import_row(
    conn: aiosqlite.Connection,
    row: CsvPurchase,
    settings: Settings,
    clock: Clock,
    report: ImportReport,
) -> None:
    now = clock()
    customer = await _customer_for(conn, row, now)
    if customer is None:
        report.rejected.append(CsvRejection(row.line, CsvProblem("csv_err_unknown_customer")))
        return
    result = await record_purchase_in(
        conn,
        NewPurchase(
            customer_id=customer.id,
            amount_minor=row.amount_minor,
            currency=row.currency,
            purchased_at=row.purchased_at or now,
            source="csv",
            order_id=row.order_id,
            store=row.store,
        ),
        settings.survey_rules,
        now=now,
    )
    if result.status is IntakeStatus.CREATED:
        report.imported += 1
        report.surveys += result.survey is not None
        report.too_old += result.too_old
        report.due_now = report.due_now or result.survey_due(now)
    elif result.status is IntakeStatus.REPLAYED:  # imported before, with the same data
        report.repeated.append(row.line)
    else:
        report.conflicts.append(row.line)


async def _customer_for(
    conn: aiosqlite.Connection, row: CsvPurchase, now: datetime
) -> Customer | None:
    if row.telegram_user_id is not None:
        return await customers.get_by_telegram_id(conn, row.telegram_user_id)
    if row.customer_id is not None:
        return await customers.get(conn, row.customer_id)
    assert row.phone is not None
    return await customers.get_or_create_by_phone(conn, row.phone, now)


def problem_text(language: str, problem: CsvProblem) -> str:
    """`problem` worded in `language`, as HTML (values escaped, quantities in local format)."""
    values = {
        name: value if name == "count" else _shown(value, language)
        for name, value in problem.values.items()
    }
    return t(language, problem.key, **values)


def _shown(value: CsvValue, language: str) -> str:
    """A quantity as the reader writes it (Babel): 10,000 and 6.1, or 10 000 and 6,1."""
    if isinstance(value, float):
        return number(value, language)
    if isinstance(value, int):
        return format_count(value, language)
    return value


def _file_error_text(language: str, filename: str, problem: CsvProblem) -> str:
    return t_html(
        language,
        "csv_file_error",
        filename=html.escape(filename),
        reason=problem_text(language, problem),
    )


def _line_numbers(numbers: list[int]) -> str:
    """`3, 7, 12` and, past REPORTED_LINES, how many more."""
    shown = ", ".join(str(number) for number in sorted(numbers)[:REPORTED_LINES])
    return shown + (f" (+{len(numbers) - REPORTED_LINES})" if len(numbers) > REPORTED_LINES else "")


def _report_text(language: str, filename: str, report: ImportReport) -> str:
    rejected = sorted(report.rejected, key=lambda rejection: rejection.line)
    lines = [
        t(
            language,
            "csv_report",
            filename=filename,
            imported=report.imported,
            duplicates=len(report.repeated),
            rejected=len(rejected),
            surveys=report.surveys,
        )
    ]
    if report.too_old:
        lines.append(t(language, "csv_too_old", count=report.too_old))
    if report.repeated:
        lines.append(t(language, "csv_repeated_lines", lines=_line_numbers(report.repeated)))
    if report.conflicts:
        lines.append(t(language, "csv_conflict_lines", lines=_line_numbers(report.conflicts)))
    for rejection in rejected[:REPORTED_REJECTIONS]:
        reason = problem_text(language, rejection.problem)
        lines.append(t_html(language, "csv_rejected_line", line=str(rejection.line), reason=reason))
    if len(rejected) > REPORTED_REJECTIONS:
        lines.append(t(language, "csv_more_rejected", count=len(rejected) - REPORTED_REJECTIONS))
    return "\n".join(lines)


def build_router() -> Router:
    """Under the staff router, which admits owners and admins only (bot/routing.py)."""
    router = Router(name="csv upload")
    router.message.register(import_csv, F.document)
    return router
