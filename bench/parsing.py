"""Parsing an answer's Bot API traffic, with and without the keyboards Telegram echoes back.

    .venv/bin/python -m bench.parsing --repeat 5

A pressed button's update carries the message the button sits under, keyboard and all, and
the reply to the next question carries that question's keyboard. The bot's session
(`bot.process.aiogram_session.BotSession`) drops both before they become models; aiogram's
own session (`KeptResponseModelsSession`, the floor's) keeps them. Each figure is the best of
`--repeat` rounds of `timeit`, the two sessions alternating, in microseconds per parse.
"""

from __future__ import annotations

import argparse
import json
import timeit
from collections.abc import Callable
from functools import partial
from typing import Any

from aiogram import Bot
from aiogram.methods import GetUpdates, SendMessage, TelegramMethod

from bench.answers import TOKEN
from bot.process.aiogram_session import BotSession, KeptResponseModelsSession
from bot.process.warm_up import warm_up
from bot.survey.keyboards import question_keyboard
from storage.models import Question

CHAT = {"id": 42, "type": "private", "first_name": "Анна"}
BOT_USER = {"id": 1, "is_bot": True, "first_name": "Отзывы", "username": "feedback_bot"}


def _question_message(question: Question, message_id: int) -> dict[str, Any]:
    keyboard = question_keyboard(12345, question, "ru")
    assert keyboard is not None
    return {
        "message_id": message_id,
        "from": BOT_USER,
        "chat": CHAT,
        "date": 1_764_633_600,
        "text": "Насколько вероятно, что вы порекомендуете нас друзьям?",
        "reply_markup": keyboard.model_dump(mode="json", exclude_none=True),
    }


def _pressed(question: Question, value: str) -> dict[str, Any]:
    return {
        "update_id": 900_001,
        "callback_query": {
            "id": "4382",
            "from": {"id": 42, "is_bot": False, "first_name": "Анна", "language_code": "ru"},
            "chat_instance": "-7701",
            "data": f"a:12345:{question.value}:{value}",
            "message": _question_message(question, 10),
        },
    }


def _cases() -> dict[str, tuple[TelegramMethod[Any], str]]:
    """What one answer's parsing meets: the update of the press, the next question's reply."""

    def updates(question: Question, value: str) -> str:
        return json.dumps({"ok": True, "result": [_pressed(question, value)]})

    def sent(question: Question) -> str:
        return json.dumps({"ok": True, "result": _question_message(question, 11)})

    ask = SendMessage(chat_id=42, text="?")
    return {
        "update: '9' pressed under NPS (12 buttons)": (GetUpdates(), updates(Question.NPS, "9")),
        "update: '5' pressed under CSAT (5 buttons)": (GetUpdates(), updates(Question.CSAT, "5")),
        "reply to sending CSAT (5 buttons)": (ask, sent(Question.CSAT)),
        "reply to sending 'satisfied?' (2 buttons)": (ask, sent(Question.SATISFIED)),
    }


def _microseconds(parse: Callable[[], object], number: int) -> float:
    return 1e6 * timeit.timeit(parse, number=number) / number


def run(repeat: int, number: int) -> dict[str, dict[str, float]]:
    warm_up()
    sessions = {"aiogram": KeptResponseModelsSession(), "bot": BotSession()}
    bot = Bot(TOKEN)
    report: dict[str, dict[str, float]] = {}
    for name, (method, content) in _cases().items():
        best = {session: float("inf") for session in sessions}
        for _ in range(repeat):
            for label, session in sessions.items():
                parse = partial(session.check_response, bot, method, 200, content)
                best[label] = min(best[label], _microseconds(parse, number))
        report[name] = {f"{label}_us": round(us, 1) for label, us in best.items()}
        report[name]["saved"] = round(1 - best["bot"] / best["aiogram"], 2)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args()
    for name, figures in run(args.repeat, args.number).items():
        print(f"{name}: {figures}")


if __name__ == "__main__":
    main()
