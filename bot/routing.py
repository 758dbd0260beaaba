"""Routers in the order they see an update: answer buttons, staff, customers, fallbacks."""

from __future__ import annotations

from aiogram import Router

from bot import fallback
from bot.customers import rights
from bot.process import errors
from bot.reports import stats
from bot.staff import backup, pausing, purchase, questions, reward, settings, staff_list
from bot.survey import handlers as survey


def routers() -> list[Router]:
    return [
        survey.build_answer_router(),
        errors.build_router(),
        purchase.build_router(),
        stats.build_router(),
        pausing.build_router(),
        staff_list.build_router(),
        settings.build_router(),
        questions.build_router(),
        reward.build_router(),
        backup.build_router(),
        survey.build_router(),
        rights.build_router(),
        fallback.build_router(),
    ]
