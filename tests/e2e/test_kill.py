"""`python -m bot` killed with SIGKILL between every two steps of a survey still finishes it.

The bot runs as a real process against the emulator in this test's event loop.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sandbox import BotAPIEmulator, BotMessage, EmulatedUser
from sandbox.faults import Fault
from sandbox.observed import WebhookAttempt
from tests.consistency import check_consistency
from tests.e2e.conftest import TOKEN
from tests.e2e.process import BotProcess
from tests.e2e.steps import answer_step
from tests.helpers import free_port, make_run_arguments

STEPS: list[tuple[str, str]] = [
    ("press", "6"),  # NPS
    ("press", "2"),  # CSAT
    ("press", "No"),  # 100% satisfied?
    ("text", "Long queue at the till"),  # what to fix
    ("press", "No, thanks"),  # upsell
    ("text", "Ask Petr from the office"),  # referral
]


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(token=TOKEN, bot_username="feedback_test_bot") as emu:
        yield emu


async def _prompt_recorded(database: Path, message_id: int) -> None:
    async with asyncio.timeout(10):
        while True:
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
                row = conn.execute("SELECT prompt_message_id FROM surveys").fetchone()
            conn.close()
            if row == (message_id,):
                return
            await asyncio.sleep(0.05)


async def _first_question(owner: EmulatedUser, customer: EmulatedUser) -> BotMessage:
    """The customer starts the bot, the owner registers a purchase: the survey's NPS."""
    customer.send_text("/start")
    await customer.next_message(timeout=10)
    owner.send_text(f"/purchase {customer.id} 990 K-1")
    await owner.next_message(timeout=10)
    return await customer.next_message(timeout=10)


def _webhook_env() -> dict[str, str]:
    port = str(free_port())
    return {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/hook",
        "WEBHOOK_SECRET": "kill-test-secret",
        "API_HOST": "127.0.0.1",
        "API_PORT": port,
    }


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_sigkill_between_every_step(
    emulator: BotAPIEmulator, tmp_path: Path, mode: str
) -> None:
    owner = emulator.create_user(first_name="Olga", language_code="en")
    customer = emulator.create_user(first_name="Anna", language_code="en")
    extra_env = _webhook_env() if mode == "webhook" else None
    bot = BotProcess(emulator, tmp_path, owner.id, extra_env=extra_env)
    await bot.start()
    try:
        message = await _first_question(owner, customer)
        for step in STEPS:
            # Kill only once the bot is done with this step: the update confirmed and the
            # question recorded as asked (a kill inside that millisecond may ask it twice).
            await emulator.wait_idle(timeout=10)
            await _prompt_recorded(tmp_path / "feedback.db", message.message_id)
            await bot.kill()
            await bot.start()
            await answer_step(customer, message, step)
            message = await customer.next_message(timeout=15)
        assert "Thank you" in (message.text or "")
        await emulator.wait_idle(timeout=10)
        assert customer.pending_messages() == []  # nothing was asked twice
    finally:
        stderr = await bot.terminate()
    assert b"Traceback" not in stderr, stderr.decode()

    with sqlite3.connect(tmp_path / "feedback.db") as conn:
        answers = conn.execute("SELECT question, score, choice, text FROM answers ORDER BY id")
        assert [tuple(row) for row in answers] == [
            ("nps", 6, None, None),
            ("csat", 2, None, None),
            ("sat", None, "no", None),
            ("fix", None, None, "Long queue at the till"),
            ("upsell", None, "no", None),
            ("ref", None, "text", "Ask Petr from the office"),
        ]
        assert conn.execute("SELECT status FROM surveys").fetchall() == [("completed",)]
    conn.close()
    check_consistency(tmp_path / "feedback.db")


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_sigkill_while_an_answer_is_being_handled(
    emulator: BotAPIEmulator, tmp_path: Path, mode: str
) -> None:
    """The kill lands after the answer is stored, with the next question's send hanging:
    the update was not confirmed (polling) or answered (webhook), so Telegram brings it
    again. The answer counts once and the next question is asked once."""
    owner = emulator.create_user(first_name="Olga", language_code="en")
    customer = emulator.create_user(first_name="Anna", language_code="en")
    extra_env = _webhook_env() if mode == "webhook" else None
    bot = BotProcess(emulator, tmp_path, owner.id, extra_env=extra_env)
    database = tmp_path / "feedback.db"
    await bot.start()
    try:
        question = await _first_question(owner, customer)
        await _prompt_recorded(database, question.message_id)
        asked = len(emulator.calls("sendMessage"))
        emulator.inject("sendMessage", Fault.hang(60), 1)  # nothing done, no answer
        customer.press(question, "6")
        await emulator.wait_for(lambda: len(emulator.calls("sendMessage")) > asked, timeout=10)
        assert _answers(database) == [("nps", 6)]  # stored before the next question went
        assert emulator.faults.pending == 0
        await bot.kill()
        follow_up = await _restarted_asks_once(bot, emulator, customer)
        customer.press(follow_up, "4")
        assert "100%" in ((await customer.next_message(timeout=10)).text or "")
    finally:
        stderr = await bot.terminate()
    assert b"Traceback" not in stderr, stderr.decode()
    assert _answers(database) == [("nps", 6), ("csat", 4)]
    check_consistency(database)


async def test_sigkill_while_a_repeat_waits_for_the_first_delivery(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Webhook mode: the press waits for a database lock (the bot waits one out for up to
    two minutes), Telegram gives up waiting and sends it again, and the bot is killed with
    both deliveries open. Neither was answered, so Telegram sends the press once more after
    the restart: the answer counts once and the next question is asked once.

    Both aiogram's per-chat lock and the update-id guard (bot/process/once_per_update.py) hold
    the repeat back (test_webhook.py shows the guard alone); answered 200 at once, the press
    would be lost with the kill."""
    owner = emulator.create_user(first_name="Olga", language_code="en")
    customer = emulator.create_user(first_name="Anna", language_code="en")
    bot = BotProcess(emulator, tmp_path, owner.id, extra_env=_webhook_env())
    database = tmp_path / "feedback.db"
    await bot.start()
    try:
        question = await _first_question(owner, customer)
        await _prompt_recorded(database, question.message_id)
        await emulator.wait_idle(timeout=10)
        emulator.webhook.request_timeout = 0.5  # Telegram's minute, shortened
        with _write_lock_held(database):
            press = customer.press(question, "6")
            await emulator.wait_for(lambda: len(_posts(emulator, press)) >= 2, timeout=10)
            before_the_kill = _posts(emulator, press)
            await bot.kill()
        emulator.webhook.request_timeout = 60.0
        await _restarted_asks_once(bot, emulator, customer)
    finally:
        stderr = await bot.terminate()
    assert b"Traceback" not in stderr, stderr.decode()
    assert _answers(database) == [("nps", 6)]
    assert {post.status for post in before_the_kill} == {0}  # the repeat was not answered
    check_consistency(database)


def _posts(emulator: BotAPIEmulator, update_id: int) -> list[WebhookAttempt]:
    """The POSTs of that update that have ended (answered, or given up on)."""
    return [attempt for attempt in emulator.webhook.attempts if attempt.update_id == update_id]


@contextmanager
def _write_lock_held(database: Path) -> Iterator[None]:
    """Another connection holds SQLite's write lock, as a backup or a migration might."""
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


async def _restarted_asks_once(
    bot: BotProcess, emulator: BotAPIEmulator, customer: EmulatedUser
) -> BotMessage:
    """Start the killed bot again: the question after the press arrives, once."""
    await bot.start()
    follow_up = await customer.next_message(timeout=15)
    assert "satisfied" in (follow_up.text or "")
    await emulator.wait_idle(timeout=10)
    await asyncio.sleep(1.5)  # a dispatch tick more
    assert customer.pending_messages() == []  # asked once
    return follow_up


def _answers(database: Path) -> list[tuple[str, int | None]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        found = conn.execute("SELECT question, score FROM answers ORDER BY id").fetchall()
    conn.close()
    return found


MAKE_RUN = make_run_arguments()
"""What the Makefile's `run` target runs after `python`."""


async def _bot_stderr_lines(workdir: Path, *command: str, **env_changes: str | None) -> list[str]:
    """Run `python -m bot` (or `command`) expecting it to refuse to start; return what it
    printed."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *(command or ("-m", "bot")),
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    return stderr.decode().strip().splitlines()


async def test_missing_token_stops_with_one_clear_line(tmp_path: Path) -> None:
    assert await _bot_stderr_lines(tmp_path, BOT_TOKEN=None) == [
        "Configuration error: BOT_TOKEN is not set (get one from @BotFather and put it in .env)"
    ]


async def test_malformed_setting_stops_with_one_clear_line(tmp_path: Path) -> None:
    lines = await _bot_stderr_lines(tmp_path, BOT_TOKEN=TOKEN, SURVEY_DELAY="tomorrow")
    assert len(lines) == 1 and "SURVEY_DELAY" in lines[0]


async def test_make_run_with_a_malformed_setting_does_not_fall_back_to_the_sandbox(
    tmp_path: Path,
) -> None:
    lines = await _bot_stderr_lines(tmp_path, *MAKE_RUN, BOT_TOKEN=None, TIMEZONE="Moon/Base")
    assert len(lines) == 1 and lines[0].startswith("Configuration error: TIMEZONE")


async def test_make_run_with_a_token_runs_the_bot(tmp_path: Path) -> None:
    """Not the sandbox: the bot itself, here stopping at a database it cannot open."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    lines = await _bot_stderr_lines(
        tmp_path, *MAKE_RUN, BOT_TOKEN=TOKEN, DATABASE_PATH=str(blocker / "feedback.db")
    )
    assert len(lines) == 1 and lines[0].startswith("Database error: cannot open DATABASE_PATH=")


async def test_unusable_database_path_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    lines = await _bot_stderr_lines(
        tmp_path, BOT_TOKEN=TOKEN, DATABASE_PATH=str(blocker / "feedback.db")
    )
    assert len(lines) == 1 and lines[0].startswith("Database error: cannot open DATABASE_PATH=")


async def test_a_database_file_sqlite_cannot_open_is_one_clear_line(tmp_path: Path) -> None:
    """As when the directory is not the bot's to write in (a volume owned by root):
    SQLite itself refuses, and no thread is left to report on a closed event loop."""
    folder = tmp_path / "feedback.db"
    folder.mkdir()  # a directory where the file should be: SQLite cannot open it
    lines = await _bot_stderr_lines(tmp_path, BOT_TOKEN=TOKEN, DATABASE_PATH=str(folder))
    assert len(lines) == 1, lines
    assert lines[0].startswith("Database error: cannot open DATABASE_PATH=")
    assert "unable to open database file" in lines[0]
