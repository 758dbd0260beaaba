"""The real application against the local Bot API emulator, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.app import FeedbackApp, create_app
from core.clock import Clock, utc_now
from core.settings import Settings
from sandbox import BotAPIEmulator, EmulatedUser
from tests.consistency import check_consistency

TOKEN = "123456:TEST-token"
BOT_USERNAME = "feedback_test_bot"


@dataclass
class Harness:
    """Starts, stops and restarts the bot the way `python -m bot` runs it."""

    emulator: BotAPIEmulator
    database_path: Path
    owner: EmulatedUser
    admin: EmulatedUser
    overrides: dict[str, Any] = field(default_factory=dict)
    clock: Clock = utc_now
    request_timeout: float | None = None  # aiogram's 60 s per Bot API call, if not set
    app: FeedbackApp | None = None
    task: asyncio.Task[None] | None = None

    def settings(self) -> Settings:
        values: dict[str, Any] = {
            "bot_token": TOKEN,
            "telegram_api_url": self.emulator.base_url,
            "database_path": self.database_path,
            "owner_ids": [self.owner.id],
            "admin_ids": [self.admin.id],
            "survey_delay": "0",
            "dispatch_interval": "1s",
            "quiet_hours": "off",  # tests run at any hour; quiet hours have their own tests
            "digest_schedule": "off",  # the scheduled digest has its own tests
            "api_port": "0",  # a free port, if the bot serves HTTP (tests run side by side)
            **self.overrides,
        }
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    async def start(self) -> FeedbackApp:
        assert self.task is None, "already running"
        self.app = await create_app(self.settings(), clock=self.clock)
        if self.request_timeout is not None:
            self.app.bot.session.timeout = self.request_timeout
        emulator = self.emulator
        polls_before = len(emulator.calls("getUpdates"))  # a restart's earlier app polled too
        self.task = asyncio.create_task(self.app.run(handle_signals=False, polling_timeout=1))
        # Polling has begun once a getUpdates is parked (or answered, if updates were waiting);
        # webhook mode, once the webhook is set.
        await emulator.wait_for(
            lambda: (
                emulator.webhook.active
                or emulator.waiting_polls > 0
                or len(emulator.calls("getUpdates")) > polls_before
            ),
            timeout=5,
        )
        return self.app

    async def stop(self) -> None:
        """A graceful stop, as on SIGTERM."""
        if self.app is None or self.task is None:
            return
        await self.app.stop()
        await asyncio.wait_for(self.task, timeout=10)
        self.app, self.task = None, None

    async def restart(self) -> FeedbackApp:
        await self.stop()
        return await self.start()


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emu:
        yield emu


@pytest.fixture
async def harness(emulator: BotAPIEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    owner = emulator.create_user(first_name="Olga", username="owner", language_code="ru")
    admin = emulator.create_user(first_name="Adam", username="admin", language_code="en")
    harness = Harness(emulator, tmp_path / "data" / "feedback.db", owner, admin)
    try:
        yield harness
    finally:
        await harness.stop()
    if harness.database_path.exists():  # whatever the test did, nothing is half-recorded
        check_consistency(harness.database_path)


@pytest.fixture
async def running(harness: Harness) -> Harness:
    await harness.start()
    return harness
