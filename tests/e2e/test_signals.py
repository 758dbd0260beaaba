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
from tests.consistency import check_consistency
from tests.e2e.conftest import Harness
from tests.e2e.process import BotProcess
from tests.helpers import free_port


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


async def test_the_bot_process_freezes_its_start_up_objects(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Full garbage collections skip what start-up built, and the bot still answers."""
    owner = emulator.create_user(first_name="Olga")
    bot = BotProcess(emulator, tmp_path, owner.id, extra_env={"LOG_LEVEL": "DEBUG"})
    await bot.start()
    owner.send_text("/help")
    assert "/stats" in ((await owner.next_message(timeout=10)).text or "")
    stderr = (await bot.terminate()).decode()
    frozen = [line for line in stderr.splitlines() if "exempted from garbage" in line]
    assert len(frozen) == 1, stderr
    assert int(frozen[0].split(" start-up objects")[0].split()[-1]) > 50_000


def _webhook_env() -> dict[str, str]:
    port = str(free_port())
    return {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/hook",
        "API_HOST": "127.0.0.1",
        "API_PORT": port,
    }


def _logged(workdir: Path) -> str:
    return b"".join(p.read_bytes() for p in sorted(workdir.glob("stderr-*.log"))).decode()


def _write_ahead_log_empty(database: Path) -> bool:
    wal = Path(f"{database}-wal")
    return not wal.exists() or wal.stat().st_size == 0


def _survey_row(database: Path) -> tuple[str, int | None, list[tuple[str, int]]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        step, prompt = conn.execute("SELECT step, prompt_message_id FROM surveys").fetchone()
        answers = conn.execute("SELECT question, score FROM answers ORDER BY id").fetchall()
    conn.close()
    return step, prompt, answers


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_sigterm_lets_an_answer_in_flight_finish_its_send_and_write(
    emulator: BotAPIEmulator, tmp_path: Path, mode: str
) -> None:
    """SIGTERM while the next question's send is on its way: the process waits for it,
    records it, closes the database and exits 0; the next start asks nothing again."""
    owner = emulator.create_user(first_name="Olga", language_code="en")
    customer = emulator.create_user(first_name="Anna", language_code="en")
    database = tmp_path / "feedback.db"
    env = _webhook_env() if mode == "webhook" else None
    bot = BotProcess(emulator, tmp_path, owner.id, extra_env=env)
    await bot.start()
    customer.send_text("/start")
    await customer.next_message(timeout=10)
    owner.send_text(f"/purchase {customer.id} 990")
    await owner.next_message(timeout=10)
    question = await customer.next_message(timeout=10)

    emulator.inject("sendMessage", Fault.slow(4), 1)  # delivered, answered 4 s later
    customer.press(question, "9")
    follow_up = await customer.next_message(timeout=10)  # in the chat; the bot still waits
    assert bot.process is not None
    bot.process.send_signal(signal.SIGTERM)
    await asyncio.sleep(1)
    assert bot.process.returncode is None, "it did not wait for the send in flight"
    await asyncio.wait_for(bot.process.wait(), timeout=30)
    stderr = _logged(tmp_path)
    assert bot.process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "How satisfied" in (follow_up.text or "")
    assert _survey_row(database) == ("csat", follow_up.message_id, [("nps", 9)])
    assert _write_ahead_log_empty(database)  # closed: nothing left for the next start to replay

    await bot.start()
    try:
        await asyncio.sleep(2.5)  # the resume at start and two dispatch ticks
        assert customer.pending_messages() == []  # not asked again
    finally:
        await bot.terminate()
    check_consistency(database)
