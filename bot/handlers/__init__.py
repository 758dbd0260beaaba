"""Routers in the order they see an update: staff first, fallbacks last."""

from __future__ import annotations

from aiogram import Router

from bot.handlers import customer, errors, fallback, staff


def routers() -> list[Router]:
    return [errors.router, staff.router, customer.router, fallback.router]
