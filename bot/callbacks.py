"""Callback data of every inline button (packed well under Telegram's 64 bytes)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from storage.models import Question


class AnswerCallback(CallbackData, prefix="a"):
    """A button answering `question` of survey `survey_id` with `value` (a score or a choice)."""

    survey_id: int
    question: Question
    value: str
