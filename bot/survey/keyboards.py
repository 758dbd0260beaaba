"""Inline keyboards for each survey question, for real surveys and for /preview."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.survey.callbacks import AnswerCallback, OptOutCallback, PreviewCallback
from bot.texts import t
from core.scores import CSAT_SCORES, NPS_SCORES
from storage.models import Choice, Question

ButtonData = Callable[[str], CallbackData]
"""The callback data of the button that answers with a value (a score or a choice)."""


def _answer_buttons(
    question: Question, language: str, data: ButtonData
) -> list[list[InlineKeyboardButton]]:
    if question is Question.NPS:
        labelled = [(str(score), str(score)) for score in NPS_SCORES]
        rows = [6, 5]
    elif question is Question.CSAT:
        labelled = [(str(score), str(score)) for score in CSAT_SCORES]
        rows = [5]
    elif question is Question.SATISFIED:
        labelled = [(t(language, "btn_yes"), Choice.YES), (t(language, "btn_no"), Choice.NO)]
        rows = [2]
    elif question is Question.FIX:
        labelled, rows = [(t(language, "btn_skip"), Choice.SKIP)], [1]
    elif question is Question.UPSELL:
        labelled, rows = [(t(language, "btn_no_thanks"), Choice.NO)], [1]
    elif question is Question.REFERRAL:
        labelled, rows = [(t(language, "btn_no"), Choice.NO)], [1]
    else:
        raise ValueError(f"no buttons known for {question}")
    # Built directly: InlineKeyboardBuilder deep-copies every button, a cost on every
    # answer when customers answer hundreds a second.
    buttons = [
        InlineKeyboardButton(text=label, callback_data=data(value).pack())
        for label, value in labelled
    ]
    keyboard, start = [], 0
    for size in rows:
        keyboard.append(buttons[start : start + size])
        start += size
    return keyboard


def _opt_out(language: str, survey_id: int) -> list[InlineKeyboardButton]:
    data = OptOutCallback(survey_id=survey_id).pack()
    return [InlineKeyboardButton(text=t(language, "btn_opt_out"), callback_data=data)]


def question_keyboard(survey_id: int, question: Question, language: str) -> InlineKeyboardMarkup:
    """The buttons under a question: every question has one, so no customer is stuck at a
    question they would rather not write an answer to."""

    def answer(value: str) -> AnswerCallback:
        return AnswerCallback(survey_id=survey_id, question=question, value=value)

    rows = _answer_buttons(question, language, answer)
    if question is Question.NPS:
        rows.append(_opt_out(language, survey_id))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def preview_keyboard(question: Question, language: str) -> InlineKeyboardMarkup:
    """The question's own buttons, recording nothing; a text question gets "Next"."""
    data = PreviewCallback(language=language, question=question)
    rows = _answer_buttons(question, language, lambda value: data)
    if question is Question.NPS:
        rows.append(
            [InlineKeyboardButton(text=t(language, "btn_opt_out"), callback_data=data.pack())]
        )
    if question in (Question.FIX, Question.UPSELL, Question.REFERRAL):
        rows.append(
            [InlineKeyboardButton(text=t(language, "btn_preview_next"), callback_data=data.pack())]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)
