"""Start-up time and memory of `python -m bot` on a database of 100,000 customers and
1,000,000 answers.

    .venv/bin/python -m bench.footprint --purchases 200000 --customers 100000

The database is seeded as for bench.digest (N purchases, one survey each, five answers per
survey), then topped up to --customers customers. The bot runs as a real process against
the emulator (in this process); measured:

* start-up: from spawning `python -m bot` to its first long poll (everything an owner waits
  for after a restart: the interpreter and imports, opening and checking the database,
  menus, resuming surveys, the scheduler), and the part after the first Bot API call
  (start-up proper: what grows with the database), and `import bot.app` on its own;
* memory: the bot process's resident set (VmRSS) once started, and its peak (VmHWM) after
  the heaviest things an owner can ask for: /stats all and /digest with its chart, then
  /export csv and /export xlsx of every survey, purchase and referral; and, each on its own,
  the peaks of the short-lived processes that draw the digest's chart and write an export.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.digest import _make_schema, _seed
from sandbox import BotAPIEmulator

TOKEN = "100000:BENCH-token"
IMPORT_AS_THE_BOT_DOES = (
    "from bot.process.lazy_aiogram_types import defer_aiogram_type_builds\n"
    "defer_aiogram_type_builds()\n"
    "import bot.app"
)
"""What `python -m bot` imports before it starts, in that order."""


def _top_up_customers(db_path: Path, customers: int) -> tuple[int, int]:
    """Customers without purchases up to `customers`; returns (customers, answers)."""
    with sqlite3.connect(db_path) as conn:
        have = int(conn.execute("SELECT COUNT(*) FROM customers").fetchone()[0])
        stamp = conn.execute("SELECT MIN(created_at) FROM customers").fetchone()[0]
        conn.executemany(
            "INSERT INTO customers (telegram_user_id, first_name, language, referral_code,"
            " started_at, created_at, updated_at) VALUES (?, 'Client', 'ru', ?, ?, ?, ?)",
            (
                (20_000_000 + i, f"t{i}", stamp, stamp, stamp)
                for i in range(max(0, customers - have))
            ),
        )
        # bench.digest's surveys never sent their thank-you: here they did (message 1), or
        # the bot would owe 200,000 thank-yous at start.
        conn.execute("UPDATE surveys SET prompt_message_id = 1 WHERE prompt_message_id IS NULL")
        total = int(conn.execute("SELECT COUNT(*) FROM customers").fetchone()[0])
        answers = int(conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0])
    conn.close()
    return total, answers


def _memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


async def _measure(db_path: Path, workdir: Path) -> dict[str, Any]:
    async with BotAPIEmulator(token=TOKEN, bot_username="bench_bot") as emulator:
        owner = emulator.create_user(first_name="Olga", language_code="en")
        env = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": emulator.base_url,
            "DATABASE_PATH": str(db_path),
            "OWNER_IDS": str(owner.id),
            "QUIET_HOURS": "off",
            "DIGEST_SCHEDULE": "off",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(Path(__file__).parents[1]),
            "MALLOC_ARENA_MAX": "1",  # as deploy/Dockerfile and the systemd unit set it
        }
        spawned = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=workdir, env=env, stderr=asyncio.subprocess.DEVNULL
        )
        try:
            await emulator.wait_for(lambda: emulator.waiting_polls > 0, timeout=60)
            started = time.perf_counter() - spawned
            first_call = min(call.time for call in emulator.requests)  # create_app is done
            app_start = time.monotonic() - first_call
            after_start = _memory_kib(process.pid)
            owner.send_text("/start")
            await owner.next_message(timeout=30)
            timings = {}
            for command in ("/stats all", "/digest"):
                begun = time.perf_counter()
                owner.send_text(command)
                reply = await owner.next_message(timeout=120)
                while command == "/digest" and reply.photo is None:  # its texts, then the chart
                    reply = await owner.next_message(timeout=120)
                timings[command] = round(time.perf_counter() - begun, 2)
            after_work = _memory_kib(process.pid)
            files = {}
            for command, documents in (("/export csv", 4), ("/export xlsx", 1)):
                begun = time.perf_counter()
                owner.send_text(command)
                working, *sent = await owner.next_messages(1 + documents, timeout=900)
                timings[command] = round(time.perf_counter() - begun, 2)
                assert working.document is None and all(m.document for m in sent), command
                files[command] = [round(len(m.document or b"") / 2**20, 1) for m in sent]
            after_export = _memory_kib(process.pid)
        finally:
            process.terminate()
            await process.wait()
    return {
        "startup_seconds_spawn_to_polling": round(started, 2),
        "startup_seconds_first_api_call_to_polling": round(app_start, 2),
        "rss_mib_after_start": round(after_start["VmRSS"] / 1024, 1),
        "rss_mib_after_stats_and_digest": round(after_work["VmRSS"] / 1024, 1),
        "peak_rss_mib_after_stats_and_digest": round(after_work["VmHWM"] / 1024, 1),
        "rss_mib_after_exports": round(after_export["VmRSS"] / 1024, 1),
        "peak_rss_mib_after_exports": round(after_export["VmHWM"] / 1024, 1),
        "export_file_mib": files,
        "reply_seconds": timings,
    }


def _peak_rss_mib(command: list[str], stdin: bytes = b"") -> float:
    """A short-lived child process run on its own: its peak resident set (ru_maxrss)."""
    measure = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], input=sys.stdin.buffer.read(), stdout=subprocess.DEVNULL,"
        " check=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, *command],
        input=stdin,
        capture_output=True,
        check=True,
        cwd=Path(__file__).parents[1],
    )
    return round(int(done.stdout) / 1024, 1)


def _chart_worker_peak_mib() -> float:
    """The digest chart's process."""
    from analytics.chart import WeekPoint
    from analytics.chart_worker import request

    monday = datetime.date(2026, 9, 7)
    weeks = [
        WeekPoint(monday + datetime.timedelta(weeks=n), 40 + n, 20, 10 + n % 3, 4.2)
        for n in range(12)
    ]
    return _peak_rss_mib([sys.executable, "-m", "analytics.chart_worker"], request(weeks, "ru"))


def _export_worker(db_path: Path, export_format: str) -> tuple[float, float]:
    """The process that writes an /export's files, on the same database: its peak resident
    set and its seconds (the workbook in Russian, as an owner in Moscow gets it)."""
    from datetime import UTC, datetime

    from bot.reports.export_words import presentation

    with tempfile.TemporaryDirectory(dir=db_path.parent) as folder:
        command = [sys.executable, "-m", "storage.export_worker", str(db_path), export_format]
        command.append(folder)
        words = Path(folder) / "words.json"
        shown = presentation("ru", "Europe/Moscow", datetime.now(UTC))
        words.write_text(json.dumps(shown.to_json(), ensure_ascii=False), encoding="utf-8")
        command.append(str(words))
        begun = time.perf_counter()
        peak = _peak_rss_mib(command)
        return peak, round(time.perf_counter() - begun, 1)


def _import_seconds() -> float:
    begun = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", IMPORT_AS_THE_BOT_DOES], check=True, cwd=Path(__file__).parents[1]
    )
    return round(time.perf_counter() - begun, 2)


def run(purchases: int, customers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        db_path = workdir / "feedback.db"
        asyncio.run(_make_schema(db_path))
        _seed(db_path, purchases)
        total, answers = _top_up_customers(db_path, customers)
        result: dict[str, Any] = {
            "customers": total,
            "answers": answers,
            "database_mib": round(db_path.stat().st_size / 2**20, 1),
        }
        result.update(asyncio.run(_measure(db_path, workdir)))
        result["import_bot_app_seconds"] = _import_seconds()
        result["chart_process_peak_rss_mib"] = _chart_worker_peak_mib()
        for export_format in ("csv", "xlsx"):
            peak, seconds = _export_worker(db_path, export_format)
            result[f"export_{export_format}_process_peak_rss_mib"] = peak
            result[f"export_{export_format}_process_seconds"] = seconds
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    for key, value in run(args.purchases, args.customers).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
