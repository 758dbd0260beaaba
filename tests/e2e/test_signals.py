"""SIGTERM/SIGINT: a graceful stop; a second signal exits at once."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from pathlib import Path

import pytest

from bot.app import create_app
from sandbox import BotAPIEmulator, EmulatedUser
from sandbox.faults import Fault
from tests.e2e.conftest import Harness
from tests.e2e.process import BotProcess
from tests.helpers import GLIBC


async def _bot_started(
    emulator: BotAPIEmulator, tmp_path: Path, **env: str
) -> tuple[EmulatedUser, BotProcess]:
    """`python -m bot` taking updates, with Olga as its owner."""
    owner = emulator.create_user(first_name="Olga")
    bot = BotProcess(emulator, tmp_path, owner.id, extra_env=env)
    await bot.start()
    return owner, bot


async def test_sigterm_stops_the_process_gracefully(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    _, bot = await _bot_started(emulator, tmp_path)
    stderr = await bot.terminate()
    assert bot.process is not None and bot.process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
    with sqlite3.connect(tmp_path / "feedback.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


async def test_sigint_stops_gracefully_and_log_level_info_leaves_debug_out(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    owner, bot = await _bot_started(emulator, tmp_path, LOG_LEVEL="INFO")
    owner.send_text("/help")
    assert "/stats" in ((await owner.next_message(timeout=10)).text or "")
    stderr = (await bot.terminate(signal.SIGINT)).decode()
    assert bot.process is not None and bot.process.returncode == 0, stderr
    assert "SIGINT: stopping gracefully" in stderr and "bot stopped" in stderr
    assert " DEBUG " not in stderr and "exempted from garbage" not in stderr  # a DEBUG line


async def test_a_second_sigint_exits_the_process_at_once_while_a_send_hangs(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    owner, bot = await _bot_started(emulator, tmp_path)
    sends = len(emulator.calls("sendMessage"))
    emulator.inject("sendMessage", Fault.hang(60))
    owner.send_text("/help")  # its reply hangs: a graceful stop would wait up to 20 s
    await emulator.wait_for(lambda: len(emulator.calls("sendMessage")) > sends, timeout=10)
    assert bot.process is not None
    bot.process.send_signal(signal.SIGINT)
    await asyncio.sleep(1)
    assert bot.process.returncode is None, "still waiting for the hung send"
    bot.process.send_signal(signal.SIGINT)
    await asyncio.wait_for(bot.process.wait(), timeout=5)
    assert bot.process.returncode == 128 + signal.SIGINT


async def test_a_second_signal_does_not_wait_for_the_graceful_stop(harness: Harness) -> None:
    app = await create_app(harness.settings())
    exits: list[int] = []
    app.exit_at_once = exits.append  # instead of ending the test process
    running = asyncio.create_task(app.run(polling_timeout=1))  # with signal handlers
    await harness.emulator.wait_for(lambda: harness.emulator.waiting_polls > 0)
    os.kill(os.getpid(), signal.SIGTERM)  # the first: a graceful stop begins
    os.kill(os.getpid(), signal.SIGTERM)  # the second, while it is under way
    await asyncio.wait_for(running, timeout=10)
    assert exits == [128 + signal.SIGTERM]


async def test_the_bot_process_freezes_its_start_up_objects_and_keeps_one_malloc_arena(
    emulator: BotAPIEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full garbage collections skip what start-up built, and the bot still answers."""
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)  # a developer's own would win
    owner = emulator.create_user(first_name="Olga")
    bot = BotProcess(emulator, tmp_path, owner.id, extra_env={"LOG_LEVEL": "DEBUG"})
    await bot.start()
    owner.send_text("/help")
    assert "/stats" in ((await owner.next_message(timeout=10)).text or "")
    stderr = (await bot.terminate()).decode()
    frozen = [line for line in stderr.splitlines() if "exempted from garbage" in line]
    assert len(frozen) == 1, stderr
    assert int(frozen[0].split(" start-up objects")[0].split()[-1]) > 50_000
    if GLIBC:
        assert "malloc arenas limited to one" in stderr
