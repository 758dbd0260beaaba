"""The survey's buttons and /preview's (callback data packed well under Telegram's 64 bytes)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.texts import LANGUAGE_PATTERN
from storage.models import MAX_ROW_ID, Question


class AnswerCallback(CallbackData, prefix="a"):
    """A button answering `question` of survey `survey_id` with `value` (a score or a choice)."""

    survey_id: int = Field(ge=1, le=MAX_ROW_ID)  # a forged id beyond SQLite's range is invalid
    question: Question
    value: str


class OptOutCallback(CallbackData, prefix="optout"):
    """ "Don't ask me again" under a survey's first question."""

    survey_id: int = Field(ge=1, le=MAX_ROW_ID)


class PreviewCallback(CallbackData, prefix="pv"):
    """Any button of a /preview question: it shows the next question and records nothing."""

    language: str = Field(pattern=LANGUAGE_PATTERN)
    question: Question
