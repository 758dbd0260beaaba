"""Callback data of every inline button (packed well under Telegram's 64 bytes)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.texts import LANGUAGES
from storage.models import MAX_ROW_ID, Question


class AnswerCallback(CallbackData, prefix="a"):
    """A button answering `question` of survey `survey_id` with `value` (a score or a choice)."""

    survey_id: int = Field(ge=1, le=MAX_ROW_ID)  # a forged id beyond SQLite's range is invalid
    question: Question
    value: str


class AlertAction(StrEnum):
    CLAIM = "claim"  # "I'll handle it"
    RESOLVE = "resolve"


class AlertCallback(CallbackData, prefix="al"):
    """A staff button on a detractor alert."""

    alert_id: int = Field(ge=1, le=MAX_ROW_ID)
    action: AlertAction


class OptOutCallback(CallbackData, prefix="optout"):
    """ "Don't ask me again" under a survey's first question."""

    survey_id: int = Field(ge=1, le=MAX_ROW_ID)


LANGUAGE = f"^({'|'.join(LANGUAGES)})$"


class LanguageCallback(CallbackData, prefix="lang"):
    language: str = Field(pattern=LANGUAGE)


class ForgetCallback(CallbackData, prefix="forget"):
    """The answer to "delete all my data?"."""

    confirm: bool


class PreviewCallback(CallbackData, prefix="pv"):
    """Any button of a /preview question: it shows the next question and records nothing."""

    language: str = Field(pattern=LANGUAGE)
    question: Question
