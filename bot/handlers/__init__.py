"""Routers in the order they see an update: answer buttons, staff, customers, fallbacks."""

from __future__ import annotations

from aiogram import Router

from bot.handlers import (
    backup,
    customer,
    errors,
    fallback,
    insight,
    pausing,
    reward,
    rights,
    settings,
    staff,
    team,
    wording,
)


def routers() -> list[Router]:
    return [
        customer.build_answer_router(),
        errors.build_router(),
        staff.build_router(),
        insight.build_router(),
        pausing.build_router(),
        team.build_router(),
        settings.build_router(),
        wording.build_router(),
        reward.build_router(),
        backup.build_router(),
        customer.build_router(),
        rights.build_router(),
        fallback.build_router(),
    ]
