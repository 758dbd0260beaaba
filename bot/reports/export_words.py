"""The workbook's words in the owner's language (analytics.owner_workbook reads them)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from analytics.owner_workbook import ENUMERATED, Presentation
from bot.texts import catalogue, local_time, t
from intake.money import ZERO_DECIMAL
from storage.exports import LEAD_HEADERS, PURCHASE_HEADERS, REFERRAL_HEADERS, SURVEY_HEADERS

SHEETS = ("about", "surveys", "purchases", "referrals", "leads")
DATETIME_FORMATS = {"ru": "dd.mm.yyyy hh:mm", "en": "yyyy-mm-dd hh:mm"}
LEFT_OUT = {
    "surveys": ["telegram_user_id", "sent_at_utc", "last_answer_at_utc"],
    "purchases": ["telegram_user_id", "created_at_utc"],
}
"""What a person has no use for in the workbook (and a sheet of 200,000 rows writes faster
without): Telegram's numbers for accounts and the bot's own bookkeeping times. The CSV
export keeps every column."""


def presentation(language: str, timezone: str, now: datetime) -> Presentation:
    columns = dict.fromkeys([*SURVEY_HEADERS, *PURCHASE_HEADERS, *REFERRAL_HEADERS, *LEAD_HEADERS])
    words = catalogue(language)
    values = {
        key.removeprefix("xlsx_v_"): text
        for key, text in words.items()
        if key.startswith("xlsx_v_")
    }
    assert set(columns) >= ENUMERATED
    return Presentation(
        language=language,
        timezone=timezone,
        sheet_names={sheet: t(language, f"xlsx_sheet_{sheet}") for sheet in SHEETS},
        headers={column: t(language, f"xlsx_col_{column}") for column in columns},
        meanings={column: t(language, f"xlsx_doc_{column}") for column in columns},
        values=values,
        about=[
            t(language, "xlsx_about_title", when=local_time(now, ZoneInfo(timezone), language)),
            t(language, "xlsx_about_times", timezone=timezone),
        ],
        about_headers=(
            t(language, "xlsx_about_header_sheet"),
            t(language, "xlsx_about_header_column"),
            t(language, "xlsx_about_header_meaning"),
        ),
        datetime_format=DATETIME_FORMATS.get(language, DATETIME_FORMATS["en"]),
        minor_digits=dict.fromkeys(ZERO_DECIMAL, 0),
        left_out=LEFT_OUT,
    )
