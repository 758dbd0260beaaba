"""Intake API benchmark: N purchases through `POST /api/purchases`, one request each.

    .venv/bin/python -m bench.intake --purchases 5000 --concurrency 16

N customers who started the bot are written straight into a fresh database. The real
`create_api(...)` serves it from a separate process (its own event loop and CPU), and this
process posts one purchase per customer (distinct order ids, by telegram_user_id) with
`--concurrency` requests in flight, timing each request. Reported: throughput, latency
percentiles, non-201 answers, whether the database holds exactly N purchases and N surveys,
and SQLite's own single-writer rate on the same machine (one INSERT + COMMIT per row, WAL,
synchronous=NORMAL) for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from core.clock import to_db, utc_now
from storage.customers import new_referral_code

API_TOKEN = "bench-api-token"
FIRST_USER_ID = 1_000_000


def _settings_values(db_path: Path) -> dict[str, Any]:
    return {
        "bot_token": "100000:BENCH-token",
        "database_path": db_path,
        "api_token": API_TOKEN,
        "survey_delay": "0",
        "quiet_hours": "off",
        "log_level": "WARNING",
    }


async def _make_schema(db_path: Path) -> None:
    from storage.database import Database

    db = await Database.open(db_path)
    await db.close()


def _seed(db_path: Path, customers: int) -> None:
    """Customers who started the bot, written straight into the file (setup, not measured)."""
    now = to_db(utc_now())
    with sqlite3.connect(db_path) as conn:
        conn.executemany(
            "INSERT INTO customers (telegram_user_id, first_name, language, referral_code,"
            " started_at, created_at, updated_at) VALUES (?, 'Bench', 'en', ?, ?, ?, ?)",
            [
                (FIRST_USER_ID + index, new_referral_code(), now, now, now)
                for index in range(customers)
            ],
        )
    conn.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(db_path: str, port: int) -> None:
    """The server process: the real intake API on its own event loop until terminated."""
    import logging

    from aiohttp import web

    from core.settings import Settings
    from intake.api import create_api
    from storage.database import Database
    from storage.live_settings import LiveSettings

    logging.basicConfig(level=logging.WARNING)

    async def main() -> None:
        settings = Settings(_env_file=None, **_settings_values(Path(db_path)))  # type: ignore[call-arg]
        db = await Database.open(settings.database_path)
        live = LiveSettings(settings)
        # No bot here: the surveys these purchases schedule are not sent.
        app = create_api(db=db, settings=live, clock=utc_now, dispatch_soon=lambda: None)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    asyncio.run(main())


async def _wait_healthy(session: aiohttp.ClientSession, server: Any) -> None:
    deadline = time.monotonic() + 30
    while server.is_alive():
        try:
            async with session.get("/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the intake API did not come up")
        await asyncio.sleep(0.1)
    raise RuntimeError("the intake API process exited")


async def _load(
    base_url: str, server: Any, purchases: int, concurrency: int
) -> tuple[float, list[float], int]:
    """Post every purchase; return wall seconds, per-request latencies (s) and non-201s."""
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    latencies: list[float] = []
    errors = 0
    next_index = 0
    async with aiohttp.ClientSession(base_url, connector=connector, headers=headers) as session:
        await _wait_healthy(session, server)

        async def worker() -> None:
            nonlocal next_index, errors
            while next_index < purchases:
                index = next_index
                next_index += 1
                body = {
                    "order_id": f"bench-{index}",
                    "telegram_user_id": FIRST_USER_ID + index,
                    "amount": "1500.50",
                    "store": "Bench",
                }
                started = time.perf_counter()
                async with session.post("/api/purchases", json=body) as response:
                    await response.read()
                    status = response.status
                latencies.append(time.perf_counter() - started)
                if status != 201:
                    errors += 1

        wall_start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - wall_start
    return wall, latencies, errors


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def sqlite_single_writer_rate(workdir: Path, rows: int) -> float:
    """Rows per second for one INSERT + COMMIT each: the ceiling for one write per request."""
    path = workdir / "sqlite-baseline.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(
        "CREATE TABLE purchases (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL,"
        " order_id TEXT UNIQUE, amount_minor INTEGER, currency TEXT NOT NULL, store TEXT,"
        " source TEXT NOT NULL, purchased_at TEXT NOT NULL, created_at TEXT NOT NULL,"
        " request_hash TEXT, response TEXT)"
    )
    now = to_db(utc_now())
    started = time.perf_counter()
    for index in range(rows):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO purchases (customer_id, order_id, amount_minor, currency, store,"
            " source, purchased_at, created_at, request_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (index, f"base-{index}", 150050, "RUB", "Bench", "api", now, now, "x" * 64),
        )
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return rows / seconds


def _count(db_path: Path, table: str) -> int:
    with sqlite3.connect(db_path) as conn:
        count: int = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    conn.close()
    return count


def run(purchases: int, concurrency: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db_path = workdir / "bench.db"
        asyncio.run(_make_schema(db_path))
        _seed(db_path, purchases)
        port = _free_port()
        server = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(str(db_path), port), daemon=True
        )
        server.start()
        try:
            wall, latencies, errors = asyncio.run(
                _load(f"http://127.0.0.1:{port}", server, purchases, concurrency)
            )
        finally:
            server.terminate()
            server.join(10)
        stored_purchases = _count(db_path, "purchases")
        stored_surveys = _count(db_path, "surveys")
        baseline = sqlite_single_writer_rate(workdir, purchases)
    rate = purchases / wall
    return {
        "purchases": purchases,
        "concurrency": concurrency,
        "cpus": os.cpu_count(),
        "seconds": round(wall, 2),
        "purchases_per_second": round(rate, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 2),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 2),
        "errors": errors,
        "stored_exactly_n_purchases_and_surveys": (
            stored_purchases == purchases and stored_surveys == purchases
        ),
        "sqlite_single_writer_rows_per_second": round(baseline, 1),
        "ratio_to_sqlite_single_writer": round(rate / baseline, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    for key, value in run(args.purchases, args.concurrency).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
