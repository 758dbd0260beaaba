"""Who is asking: Telegram's signed `initData`, checked as Telegram specifies, and their role.

A Mini App's page gets `initData` from Telegram (the URL's hash) and sends it with every
request as `Authorization: tma <initData>`. Forged, malformed or expired data is a 401;
someone who is neither an owner nor an admin gets a 403 and no data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from aiogram.utils.web_app import safe_parse_webapp_init_data

SCHEME = "tma"
MAX_AGE = timedelta(hours=24)
"""How long Telegram's `initData` is accepted after the app was opened: a day, as the page
stays open on a phone; after that, opening it again from the chat signs it anew."""
CLOCK_SKEW = timedelta(minutes=5)
"""`auth_date` up to this far in the future is the phone's clock, not a forgery."""


class Role(StrEnum):
    OWNER = "owner"  # sees, acts and changes settings
    ADMIN = "admin"  # sees and acts


class StaffRoles(Protocol):
    """What the bot knows of its staff (bot.roles.Roles)."""

    def is_admin(self, user_id: int) -> bool: ...

    def is_owner(self, user_id: int) -> bool: ...


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int
    first_name: str
    language_code: str | None
    role: Role

    @property
    def is_owner(self) -> bool:
        return self.role is Role.OWNER


class Refused(Exception):
    """The request is not let in: `status` 401 (who is asking is unknown) or 403 (not staff)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def viewer_of(
    header: str | None, *, token: str, roles: StaffRoles, now: datetime, max_age: timedelta
) -> Viewer:
    """The staff member behind `Authorization: tma <initData>`, or `Refused`."""
    scheme, _, init_data = (header or "").strip().partition(" ")
    if scheme.lower() != SCHEME or not init_data.strip():
        raise Refused(401, "unauthorized", "Open the dashboard from the bot's chat in Telegram")
    try:
        data = safe_parse_webapp_init_data(token, init_data.strip())
    except (ValueError, TypeError):  # a bad signature, a malformed query or a missing field
        raise Refused(
            401, "unauthorized", "Telegram's signature of this request is not valid"
        ) from None
    age = now - data.auth_date
    if age > max_age or age < -CLOCK_SKEW:
        raise Refused(401, "expired", "This dashboard was opened too long ago: open it again")
    if data.user is None:
        raise Refused(401, "unauthorized", "Telegram's data names no user")
    user_id = data.user.id
    if roles.is_owner(user_id):
        role = Role.OWNER
    elif roles.is_admin(user_id):
        role = Role.ADMIN
    else:
        raise Refused(403, "forbidden", "The dashboard is for the business's owners and admins")
    return Viewer(user_id, data.user.first_name, data.user.language_code, role)
