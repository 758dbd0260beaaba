"""The settings in force: `.env` with the owners' /settings changes on top.

Owners change a few settings from the chat (`RUNTIME`); the change is stored in SQLite and
takes effect at once: handlers, the scheduler's jobs, the digests, the alerts and the intake
API read `current` each time they run (aiogram's polling copies the dispatcher's data when it
starts, so the object, not a snapshot of it, is what they are given). `.env` stays the
default that `/settings <name> default` returns to.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from core.settings import Settings, format_duration
from storage import runtime_settings
from storage.database import Database
from storage.runtime_settings import Override

log = logging.getLogger(__name__)

RUNTIME = (
    "survey_delay",
    "survey_throttle_days",
    "quiet_hours",
    "reminder_after",
    "survey_expires_after",
    "digest_schedule",
    "timezone",
    "send_rate",
)
"""The settings /settings may change, in the order it lists them."""

Listener = Callable[[Settings], None]


class SettingError(ValueError):
    """A value the setting does not accept; the message says why in one line."""


def runtime_name(text: str) -> str | None:
    """`survey_delay` from `survey_delay`, `SURVEY_DELAY` or `survey-delay`; None if unknown."""
    name = text.strip().lower().replace("-", "_")
    return name if name in RUNTIME else None


def shown(settings: Settings, name: str) -> str:
    """A setting's value as an owner writes it (`2h`, `21:00-09:00`, `25`)."""
    value: Any = getattr(settings, name)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, float):
        return repr(value).removesuffix(".0")  # every digit: the stored value is the one in force
    return str(value)


class LiveSettings:
    def __init__(self, base: Settings) -> None:
        self.base = base
        self.current = base
        self.overrides: dict[str, Override] = {}
        self._listeners: list[Listener] = []
        self._changing = asyncio.Lock()  # two owners at once must not lose each other's change

    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def load(self, db: Database) -> None:
        """Apply the stored changes; one that no longer validates is skipped and logged."""
        stored = await runtime_settings.overrides(db.reader)
        settings, kept = self.base, {}
        for name, override in stored.items():
            if name not in RUNTIME:
                continue
            try:
                settings = _with(settings, name, override.value)
            except SettingError as error:
                log.warning("stored setting %s ignored: %s", name, error)
                continue
            kept[name] = override
        self._publish(settings, kept)

    async def change(self, db: Database, name: str, text: str, by: int, now: datetime) -> str:
        """Validate and store a new value; return it as it will be shown."""
        async with self._changing:
            settings = _with(self.current, name, text)
            value = shown(settings, name)
            async with db.transaction() as conn:
                await runtime_settings.put(conn, name, value, by, now)
            self._publish(settings, {**self.overrides, name: Override(name, value, by, now)})
        return value

    async def reset(self, db: Database, name: str, by: int, now: datetime) -> bool:
        """Back to the `.env` value; False if it had not been changed."""
        async with self._changing:
            async with db.transaction() as conn:
                removed = await runtime_settings.reset(conn, name, by, now)
            if removed:
                kept = {key: value for key, value in self.overrides.items() if key != name}
                settings = _with(self.current, name, getattr(self.base, name))
                self._publish(settings, kept)
        return removed

    def _publish(self, settings: Settings, overrides: dict[str, Override]) -> None:
        self.current, self.overrides = settings, overrides
        for listener in self._listeners:
            listener(settings)


def _with(settings: Settings, name: str, value: Any) -> Settings:
    """`settings` with one field replaced, validated by the same rules as `.env`."""
    values = settings.model_dump()
    values[name] = value
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        reasons = [str(item["msg"]).removeprefix("Value error, ") for item in error.errors()]
        raise SettingError("; ".join(reasons)) from None
