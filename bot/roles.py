"""Who runs the bot: the roles, kept in step with the staff table (owners are admins too),
the filter that admits staff, and how a staff member is named to the others.

One instance is shared by the handlers, the alerts and the digests; `load` refreshes it
in place after /staff changes the table, so everyone sees the change at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from storage import customers, staff
from storage.database import Database


class Roles:
    def __init__(self, owners: Iterable[int] = (), admins: Iterable[int] = ()) -> None:
        self.owner_ids: frozenset[int] = frozenset()
        self.admin_ids: frozenset[int] = frozenset()
        self.replace(owners, admins)

    def replace(self, owners: Iterable[int], admins: Iterable[int]) -> None:
        self.owner_ids = frozenset(owners)
        self.admin_ids = frozenset(admins) | self.owner_ids

    async def load(self, db: Database) -> None:
        members = await staff.members(db.reader)
        self.replace(
            (m.user_id for m in members if m.role is staff.Role.OWNER),
            (m.user_id for m in members if m.role is staff.Role.ADMIN),
        )

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admin_ids

    def is_owner(self, user_id: int) -> bool:
        return user_id in self.owner_ids


class IsStaff(Filter):
    """Passes for owners and admins; `roles` comes from the dispatcher's data."""

    async def __call__(self, event: Message | CallbackQuery, roles: Roles) -> bool:
        return event.from_user is not None and roles.is_admin(event.from_user.id)


async def staff_name(db: Database, user_id: int) -> str:
    """How a staff member is named on an alert (their first name, or their id)."""
    person = await customers.get_by_telegram_id(db.reader, user_id)
    if person is not None and person.first_name:
        return person.first_name
    return str(user_id)
