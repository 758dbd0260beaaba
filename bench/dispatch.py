"""Dispatch benchmark: N due surveys through the real app against the emulator's 30 msg/s.

    .venv/bin/python -m bench.dispatch --surveys 10000 --send-rate 29

Every customer has started the bot and has one survey due now. The scheduler sends them
through the rate-limited sender; the emulator, in a process of its own like Telegram's
servers, enforces Telegram's global limit of 30 messages per second and counts every 429 it
serves. Reported: the sustained rate of accepted messages, 429s, surveys delivered exactly
once, and the CPU the bot process used per second of wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import resource
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bot.app import FeedbackApp, create_app
from core.clock import to_db, utc_now
from core.settings import Settings
from sandbox import BotAPIEmulator
from storage.customers import new_referral_code

TOKEN = "100000:BENCH-token"
TELEGRAM_LIMIT = 30


async def _seed(db_path: Path, user_ids: list[int]) -> None:
    """Customers and due surveys written straight into the file (setup, not measured)."""
    import sqlite3

    now = to_db(utc_now())
    with sqlite3.connect(db_path) as conn:
        for user_id in user_ids:
            cursor = conn.execute(
                "INSERT INTO customers (telegram_user_id, first_name, language, referral_code,"
                " started_at, created_at, updated_at) VALUES (?, 'Bench', 'en', ?, ?, ?, ?)",
                (user_id, new_referral_code(), now, now, now),
            )
            conn.execute(
                "INSERT INTO surveys (customer_id, status, step, due_at, created_at, updated_at)"
                " VALUES (?, 'scheduled', 'nps', ?, ?, ?)",
                (cursor.lastrowid, now, now, now),
            )
    conn.close()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _serve_emulator(conn: Connection, surveys: int) -> None:
    """The child process: an emulator with `surveys` started customers, then a report."""

    async def serve() -> None:
        async with BotAPIEmulator(
            token=TOKEN, bot_username="bench_bot", global_rate_limit=TELEGRAM_LIMIT
        ) as emulator:
            users = [
                emulator.create_user(first_name="Bench", language_code="en") for _ in range(surveys)
            ]
            for user in users:
                user.mark_started()  # a bot may only write to people who started it
            # The emulator stands in for Telegram's servers. Its own garbage-collector pauses
            # (hundreds of ms over 10,000 users' state) would hold requests back and then
            # count them in a bunch, which real servers do not do: keep it out of the figures.
            gc.freeze()
            gc.disable()
            conn.send((emulator.base_url, [user.id for user in users]))
            await asyncio.to_thread(conn.recv)  # the bot is done
            accepted = [call.time for call in emulator.calls("sendMessage") if call.status == 200]
            conn.send(
                {
                    "accepted": accepted,
                    "served_429": emulator.served_429,
                    "delivered": [len(user.pending_messages()) for user in users],
                }
            )

    asyncio.run(serve())


async def _wait_all_sent(app: FeedbackApp, surveys: int) -> None:
    """Until every survey has its question's message id stored (sent and recorded)."""
    while True:
        rows = await app.db.reader.execute_fetchall(
            "SELECT COUNT(*) FROM surveys WHERE prompt_message_id IS NOT NULL"
        )
        if next(iter(rows))[0] >= surveys:
            return
        await asyncio.sleep(0.5)


async def seeded_app(
    base_url: str,
    db_path: Path,
    user_ids: list[int],
    send_rate: float,
    extra_settings: dict[str, Any] | None = None,
) -> FeedbackApp:
    """The real app on a database where each of `user_ids` has a survey due now."""
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram_api_url": base_url,
        "database_path": db_path,
        "send_rate": send_rate,
        "survey_delay": "0",
        "dispatch_interval": "1s",
        "quiet_hours": "off",
        "log_level": "ERROR",
        **(extra_settings or {}),
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    app = await create_app(settings)  # runs the migrations
    await app.close()
    await _seed(db_path, user_ids)
    return await create_app(settings)


async def _run_bot(base_url: str, user_ids: list[int], send_rate: float) -> tuple[float, float]:
    """Seed the database, run the app until everything is sent; (wall, CPU) seconds."""
    surveys = len(user_ids)
    with tempfile.TemporaryDirectory() as workdir:
        app = await seeded_app(base_url, Path(workdir) / "bench.db", user_ids, send_rate)
        cpu_start, wall_start = _cpu_seconds(), time.monotonic()
        polling = asyncio.create_task(app.run(handle_signals=False, polling_timeout=1))
        async with asyncio.timeout(surveys / send_rate * 2 + 60):
            await _wait_all_sent(app, surveys)
        wall = time.monotonic() - wall_start
        cpu = _cpu_seconds() - cpu_start
        await app.stop()
        await polling
    return wall, cpu


def run(surveys: int, send_rate: float) -> dict[str, Any]:
    parent, child = multiprocessing.get_context("spawn").Pipe()
    emulator = multiprocessing.get_context("spawn").Process(
        target=_serve_emulator, args=(child, surveys), daemon=True
    )
    emulator.start()
    try:
        base_url, user_ids = parent.recv()
        wall, cpu = asyncio.run(_run_bot(base_url, user_ids, send_rate))
        parent.send("report")
        report = parent.recv()
    finally:
        emulator.join(timeout=30)
        if emulator.is_alive():
            emulator.kill()
    sends = report["accepted"]
    sustained = (len(sends) - 1) / (sends[-1] - sends[0]) if len(sends) > 1 else 0.0
    return {
        "surveys": surveys,
        "send_rate": send_rate,
        "seconds": round(wall, 1),
        "sustained_messages_per_second": round(sustained, 2),
        "ratio_to_telegram_limit": round(sustained / TELEGRAM_LIMIT, 3),
        "served_429": report["served_429"],
        "exactly_once": all(count == 1 for count in report["delivered"]),
        "cpu_seconds_per_wall_second": round(cpu / wall, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--surveys", type=int, default=10_000)
    parser.add_argument("--send-rate", type=float, default=29.0)
    args = parser.parse_args()
    result = run(args.surveys, args.send_rate)
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
