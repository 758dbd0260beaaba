"""`python -m bot` as a real process against the emulator, to be killed and restarted."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from sandbox import BotAPIEmulator
from tests.e2e.conftest import TOKEN


class BotProcess:
    def __init__(
        self,
        emulator: BotAPIEmulator,
        workdir: Path,
        owner_id: int,
        send_rate: str = "25",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self._env = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": emulator.base_url,
            "DATABASE_PATH": str(workdir / "feedback.db"),
            "OWNER_IDS": str(owner_id),
            "ADMIN_IDS": "",
            "SURVEY_DELAY": "0",
            "DISPATCH_INTERVAL": "1s",
            "QUIET_HOURS": "off",
            "SEND_RATE": send_rate,
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        self._webhook = bool(self._env.get("WEBHOOK_URL"))
        self._workdir = workdir
        self._emulator = emulator
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        """Start `python -m bot`; return once it takes updates (menus set, webhook set)."""
        ready_call = "setWebhook" if self._webhook else "setMyCommands"
        calls_before = len(self._emulator.calls(ready_call))
        with open(self._workdir / f"stderr-{self.starts}.log", "wb") as log:  # noqa: ASYNC230
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=self._workdir,  # no .env of the developer's checkout
                env={**self._env, "PYTHONPATH": str(Path(__file__).parents[2])},
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log,
            )
        self.starts += 1
        await self._emulator.wait_for(
            lambda: len(self._emulator.calls(ready_call)) > calls_before, timeout=30
        )

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(self.process.wait(), timeout=10)
        assert self.process.returncode == -signal.SIGKILL

    async def terminate(self, signum: signal.Signals = signal.SIGTERM) -> bytes:
        """Stop it with `signum`, wait for it to end; everything it logged."""
        assert self.process is not None
        self.process.send_signal(signum)
        await asyncio.wait_for(self.process.wait(), timeout=30)
        return b"".join(p.read_bytes() for p in sorted(self._workdir.glob("stderr-*.log")))
