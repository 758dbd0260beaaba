"""Router-wide filters."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from bot.staff.roles import Roles


class IsStaff(Filter):
    """Passes for owners and admins; `roles` comes from the dispatcher's data."""

    async def __call__(self, event: Message | CallbackQuery, roles: Roles) -> bool:
        return event.from_user is not None and roles.is_admin(event.from_user.id)
