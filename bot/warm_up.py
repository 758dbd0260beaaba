"""Builds, before the first update, the aiogram models every answer goes through.

aiogram's types are built on first use (bot/lazy_models.py), and each kind of Bot API
reply is parsed with a `Response[...]` model built on first use too (bot/session.py). Left
to the first customers, those builds (tens of milliseconds each, over 100 for a reply that
is a message or `true`) would land on their answers. Building the few that answering and
polling need costs start-up about as much, once, before anyone waits.
"""

from __future__ import annotations

from typing import Any

from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetUpdates,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, Update
from pydantic import BaseModel

from bot.session import BotSession

ANSWER_METHODS: tuple[type[TelegramMethod[Any]], ...] = (
    GetUpdates,
    AnswerCallbackQuery,
    EditMessageText,
    EditMessageReplyMarkup,
    SendMessage,
)
ANSWER_TYPES: tuple[type[BaseModel], ...] = (Update, Message, CallbackQuery, InlineKeyboardMarkup)


def warm_up() -> None:
    """Once per process; later calls find everything built and return at once."""
    for model in (*ANSWER_TYPES, *ANSWER_METHODS):
        model.model_rebuild()
    for method in ANSWER_METHODS:
        BotSession.keep_response_model(method)
