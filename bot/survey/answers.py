"""Turning a pressed button or a message into an `Answer`, and labelling it back."""

from __future__ import annotations

import re

from bot.survey.callbacks import AnswerCallback
from bot.texts import t
from core.scores import CSAT_SCORES, NPS_SCORES
from storage.models import Answer, Choice, Question

MAX_TEXT_ANSWER = 2000
SCORE = re.compile(r"[0-9]{1,2}")  # ASCII digits only: "²".isdigit() is True

BUTTON_QUESTIONS = frozenset({Question.NPS, Question.CSAT, Question.SATISFIED})
"""Questions answered only with a button."""

_BUTTON_CHOICES: dict[Question, frozenset[Choice]] = {
    Question.SATISFIED: frozenset({Choice.YES, Choice.NO}),
    Question.FIX: frozenset({Choice.SKIP}),
    Question.UPSELL: frozenset({Choice.NO}),
    Question.REFERRAL: frozenset({Choice.NO}),
}


def from_button(data: AnswerCallback) -> Answer | None:
    """The answer a button carries, or None when its value is not one we ever offer."""
    scores = {Question.NPS: NPS_SCORES, Question.CSAT: CSAT_SCORES}.get(data.question)
    if scores is not None:
        if not SCORE.fullmatch(data.value) or int(data.value) not in scores:
            return None
        return Answer(data.question, score=int(data.value))
    allowed = _BUTTON_CHOICES.get(data.question, frozenset())
    if data.value not in allowed:
        return None
    return Answer(data.question, choice=Choice(data.value))


def from_text(question: Question, text: str) -> Answer:
    choice = None if question is Question.FIX else Choice.TEXT
    return Answer(question, choice=choice, text=text)


def button_label(answer: Answer, language: str) -> str:
    """What the customer pressed, in their language, to show under the question."""
    if answer.score is not None:
        return str(answer.score)
    if answer.choice is Choice.YES:
        return t(language, "btn_yes")
    if answer.choice is Choice.SKIP:
        return t(language, "btn_skip")
    if answer.question is Question.UPSELL:
        return t(language, "btn_no_thanks")
    return t(language, "btn_no")


def hint_key(question: Question) -> str:
    """The hint for a customer who answered `question` the wrong way."""
    if question in BUTTON_QUESTIONS:
        return "hint_buttons"
    if question is Question.REFERRAL:
        return "hint_referral"
    return "hint_text_or_button"  # what to fix, what else to offer: a few words, or skip
