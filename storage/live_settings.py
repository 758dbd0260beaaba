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
from datetime import datetime

from core.owner_settings import RUNTIME, SettingError, shown, with_setting
from core.settings import Settings
from storage import runtime_settings
from storage.database import Database
from storage.runtime_settings import Override

log = logging.getLogger(__name__)

Listener = Callable[[Settings], None]


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
                settings = with_setting(settings, name, override.value)
            except SettingError as error:
                log.warning("stored setting %s ignored: %s", name, error)
                continue
            kept[name] = override
        self._publish(settings, kept)

    async def change(self, db: Database, name: str, text: str, by: int, now: datetime) -> str:
        """Validate and store a new value; return it as it will be shown."""
        async with self._changing:
            settings = with_setting(self.current, name, text)
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
                settings = with_setting(self.current, name, getattr(self.base, name))
                self._publish(settings, kept)
        return removed

    def _publish(self, settings: Settings, overrides: dict[str, Override]) -> None:
        self.current, self.overrides = settings, overrides
        for listener in self._listeners:
            listener(settings)
