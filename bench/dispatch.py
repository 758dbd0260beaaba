"""Dispatch benchmark: N due surveys through the real app against the emulator's 30 msg/s.

    .venv/bin/python -m bench.dispatch --surveys 10000 --send-rate 29

Every customer has started the bot and has one survey due now. The scheduler sends them
through the rate-limited sender; the emulator enforces Telegram's global limit of 30
messages per second and counts every 429 it serves. Reported: sustained rate, 429s,
surveys delivered exactly once, and the CPU the bot process used per second of wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.app import create_app
from bot.config import Settings
from sandbox import BotAPIEmulator
from storage.clock import to_db, utc_now
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


async def run(surveys: int, send_rate: float) -> dict[str, Any]:
    async with BotAPIEmulator(
        token=TOKEN, bot_username="bench_bot", global_rate_limit=TELEGRAM_LIMIT
    ) as emulator:
        users = [
            emulator.create_user(first_name="Bench", language_code="en") for _ in range(surveys)
        ]
        for user in users:
            user.mark_started()  # a bot may only write to people who started it
        with tempfile.TemporaryDirectory() as workdir:
            db_path = Path(workdir) / "bench.db"
            values: dict[str, Any] = {
                "bot_token": TOKEN,
                "telegram_api_url": emulator.base_url,
                "database_path": db_path,
                "send_rate": send_rate,
                "survey_delay": "0",
                "dispatch_interval": "1s",
                "quiet_hours": "off",
                "log_level": "WARNING",
            }
            settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
            app = await create_app(settings)  # runs the migrations
            await app.db.close()
            await _seed(db_path, [user.id for user in users])
            app = await create_app(settings)
            sent_before = len(emulator.calls("sendMessage"))
            cpu_start, wall_start = _cpu_seconds(), time.monotonic()
            polling = asyncio.create_task(app.run_polling(handle_signals=False, polling_timeout=1))
            await emulator.wait_for(
                lambda: len(emulator.calls("sendMessage")) - sent_before >= surveys,
                timeout=surveys / send_rate * 2 + 60,
            )
            wall = time.monotonic() - wall_start
            cpu = _cpu_seconds() - cpu_start
            await app.stop()
            await polling
        delivered = [len(user.pending_messages()) for user in users]
        sends = [call.time for call in emulator.calls("sendMessage")[sent_before:]]
        sustained = (len(sends) - 1) / (sends[-1] - sends[0]) if len(sends) > 1 else 0.0
        return {
            "surveys": surveys,
            "send_rate": send_rate,
            "seconds": round(wall, 1),
            "sustained_messages_per_second": round(sustained, 2),
            "ratio_to_telegram_limit": round(sustained / TELEGRAM_LIMIT, 3),
            "served_429": emulator.served_429,
            "exactly_once": all(count == 1 for count in delivered),
            "cpu_seconds_per_wall_second": round(cpu / wall, 3),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--surveys", type=int, default=10_000)
    parser.add_argument("--send-rate", type=float, default=29.0)
    args = parser.parse_args()
    result = asyncio.run(run(args.surveys, args.send_rate))
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
