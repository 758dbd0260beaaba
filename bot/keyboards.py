"""Inline keyboards for each survey question."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import AnswerCallback, LanguageCallback, OptOutCallback
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
        keyboard = _scores(survey_id, question, NPS_SCORES, [6, 5])
        opt_out = InlineKeyboardButton(
            text=t(language, "btn_opt_out"),
            callback_data=OptOutCallback(survey_id=survey_id).pack(),
        )
        return InlineKeyboardMarkup(inline_keyboard=[*keyboard.inline_keyboard, [opt_out]])
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


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for language in ("ru", "en"):
        builder.button(
            text=t(language, "language_name"), callback_data=LanguageCallback(language=language)
        )
    return builder.as_markup()
