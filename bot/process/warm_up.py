"""Builds, before the first update, the aiogram models every answer goes through.

aiogram's types are built on first use (bot/process/lazy_aiogram_types.py), and each kind of
Bot API reply is parsed with a `Response[...]` model built on first use too
(bot/process/aiogram_session.py). Left to the first customers, those builds would land on
their answers. Building the few that answering and polling need costs start-up about as
much, once, before anyone waits.

What start-up built lives as long as the process, and the garbage collector's full passes
would walk all of it again and again (a pass lands on whichever answer is being handled):
`tune_garbage_collector` exempts it, and makes the young generation's passes rarer (see
YOUNG_GENERATION_THRESHOLD). docs/performance.md has the figures.
"""

from __future__ import annotations

import gc
import logging
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

from bot.process.aiogram_session import BotSession

log = logging.getLogger(__name__)

ANSWER_METHODS: tuple[type[TelegramMethod[Any]], ...] = (
    GetUpdates,
    AnswerCallbackQuery,
    EditMessageText,
    EditMessageReplyMarkup,
    SendMessage,
)
ANSWER_TYPES: tuple[type[BaseModel], ...] = (Update, Message, CallbackQuery, InlineKeyboardMarkup)

YOUNG_GENERATION_THRESHOLD = 10_000
"""Allocations between two passes over the young objects (Python's default: 700).

An answer makes hundreds of short-lived pydantic and asyncio objects, so at 700 a burst of
answers ran a pass every few answers, each walking every answer still in flight: a share of
the bot's CPU in a burst that a higher threshold cuts to next to nothing. The garbage a pass
finds waits a little longer, some thousands of small objects at most.
"""


def warm_up() -> None:
    """Once per process; later calls find everything built and return at once."""
    for model in (*ANSWER_TYPES, *ANSWER_METHODS):
        model.model_rebuild()
    for method in ANSWER_METHODS:
        BotSession.keep_response_model(method)


def tune_garbage_collector() -> None:
    """Move everything alive now out of the collector's reach and collect the young
    generation less often; call once started.

    Objects made later are collected as usual. A frozen object still goes when its last
    reference does; only a reference cycle among frozen ones would stay, which costs
    nothing for the modules, types and settings the bot keeps to the end anyway.
    """
    # No gc.collect() first: it would spend start-up time finding nothing to free, since
    # what start-up built is alive anyway.
    gc.freeze()
    log.debug("%s start-up objects exempted from garbage collection", gc.get_freeze_count())
    young, middle, old = gc.get_threshold()
    if young:  # 0: collection turned off by whoever runs us, which stays so
        gc.set_threshold(max(young, YOUNG_GENERATION_THRESHOLD), middle, old)
