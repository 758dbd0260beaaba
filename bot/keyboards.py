"""Inline keyboards for each survey question."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import AnswerCallback
from bot.texts import t
from storage.models import CSAT_SCORES, NPS_SCORES, Choice, Question


def _scores(
    survey_id: int, question: Question, scores: range, row_sizes: list[int]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for score in scores:
        builder.button(
            text=str(score),
            callback_data=AnswerCallback(survey_id=survey_id, question=question, value=str(score)),
        )
    builder.adjust(*row_sizes)
    return builder.as_markup()


def _choices(
    survey_id: int, question: Question, labelled: list[tuple[str, Choice]]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for label, choice in labelled:
        builder.button(
            text=label,
            callback_data=AnswerCallback(survey_id=survey_id, question=question, value=choice),
        )
    builder.adjust(len(labelled))
    return builder.as_markup()


def question_keyboard(
    survey_id: int, question: Question, language: str
) -> InlineKeyboardMarkup | None:
    """The buttons under a question; None for questions answered only with text."""
    if question is Question.NPS:
        return _scores(survey_id, question, NPS_SCORES, [6, 5])
    if question is Question.CSAT:
        return _scores(survey_id, question, CSAT_SCORES, [5])
    if question is Question.SATISFIED:
        return _choices(
            survey_id,
            question,
            [(t(language, "btn_yes"), Choice.YES), (t(language, "btn_no"), Choice.NO)],
        )
    if question is Question.UPSELL:
        return _choices(survey_id, question, [(t(language, "btn_no_thanks"), Choice.NO)])
    if question is Question.REFERRAL:
        return _choices(survey_id, question, [(t(language, "btn_no"), Choice.NO)])
    return None
