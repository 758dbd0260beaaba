"""Intake API benchmark: N purchases through `POST /api/purchases`, one request each.

    .venv/bin/python -m bench.intake --purchases 5000 --concurrency 16

N customers who started the bot are written straight into a fresh database. The real
`create_api(...)` serves it from a separate process (its own event loop and CPU), and this
process posts one purchase per customer (distinct order ids, by telegram_user_id) with
`--concurrency` requests in flight, timing each request. Reported: throughput, latency
percentiles, non-201 answers, whether the database holds exactly N purchases and N surveys,
and SQLite's own single-writer rate on the same machine (one INSERT + COMMIT per row, WAL,
synchronous=NORMAL) for comparison.

    .venv/bin/python -m bench.intake --phone-backlog 100000 --purchases 1000 --batches 3

The backlog variant: a till sends purchases by phone for customers who have not opened the
bot yet. `--phone-backlog` such purchases are recorded first (through the same storage code
as the API), then `--batches` batches of `--purchases` more, each by a new phone, with
SURVEY_DELAY=0; the server runs the scheduler's dispatch query whenever a purchase asks for
it, as the bot does. Reported: each batch's seconds, and one dispatch tick's queries (what
is due, what is owed) on the database with that backlog.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import socket
import sqlite3
import statistics
import tempfile
import time
from datetime import timedelta
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
    """The server process: the real intake API on its own event loop until terminated; a
    purchase that asks for a dispatch gets the scheduler's dispatch query, one at a time."""
    import logging

    from aiohttp import web

    from bot.process.health import add_healthz_route
    from core.settings import Settings
    from intake.api import create_api
    from storage.database import Database
    from storage.live_settings import LiveSettings

    logging.basicConfig(level=logging.WARNING)

    async def main() -> None:
        settings = Settings(_env_file=None, **_settings_values(Path(db_path)))  # type: ignore[call-arg]
        db = await Database.open(settings.database_path)
        live = LiveSettings(settings)
        # No bot here: the surveys these purchases schedule are not sent, but what is due is
        # looked up as the bot's dispatch does (claimed, then given back).
        dispatching: set[asyncio.Task[None]] = set()

        def dispatch_soon() -> None:
            if not dispatching:
                task = asyncio.get_running_loop().create_task(_dispatch_query(db))
                dispatching.add(task)
                task.add_done_callback(dispatching.discard)

        app = create_api(db=db, settings=live, clock=utc_now, dispatch_soon=dispatch_soon)
        add_healthz_route(app, db, components={})  # as the bot's HTTP server has it
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    asyncio.run(main())


async def _dispatch_query(db: Any) -> None:
    """What a dispatch asks of the database: the due surveys and the owed first questions,
    in its transaction; rolled back, since no bot sends them here."""
    from storage import surveys

    class _Undo(Exception):
        pass

    with contextlib.suppress(_Undo):
        async with db.transaction() as conn:
            now = utc_now()
            await surveys.activate_due(conn, now, 100)
            await surveys.claim_unsent(conn, now, now, 100)
            raise _Undo


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


def _phone(index: int) -> str:
    return f"+7900{index:07d}"


async def _seed_phone_backlog(db_path: Path, count: int) -> None:
    """`count` purchases by phone for customers who never opened the bot, recorded by the
    storage code the API uses (setup, not measured)."""
    from core.survey_rules import SurveyRules
    from storage import customers
    from storage.database import Database
    from storage.intake import record_purchase_in
    from storage.purchases import NewPurchase

    db = await Database.open(db_path)
    try:
        now = utc_now()
        rules = SurveyRules(delay=timedelta(0))
        for start in range(0, count, 5000):
            async with db.transaction() as conn:
                for index in range(start, min(count, start + 5000)):
                    customer = await customers.get_or_create_by_phone(conn, _phone(index), now)
                    purchase = NewPurchase(customer.id, 150050, "RUB", now, "api", f"old-{index}")
                    await record_purchase_in(conn, purchase, rules, now=now)
    finally:
        await db.close()


async def _tick_queries_ms(db_path: Path) -> float:
    """One dispatch tick's queries on the database as it is: what is due, what is owed."""
    from storage import surveys
    from storage.database import Database

    db = await Database.open(db_path)
    try:
        started = time.perf_counter()
        await _dispatch_query(db)
        await surveys.unprompted(db.reader)
        return (time.perf_counter() - started) * 1000
    finally:
        await db.close()


async def _load(
    base_url: str,
    server: Any,
    purchases: int,
    concurrency: int,
    by_phone_from: int | None = None,
) -> tuple[float, list[float], int]:
    """Post every purchase; return wall seconds, per-request latencies (s) and non-201s.
    With `by_phone_from`, purchase i is by the phone of index `by_phone_from + i`."""
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
                body: dict[str, Any] = {
                    "order_id": f"bench-{index}",
                    "telegram_user_id": FIRST_USER_ID + index,
                    "amount": "1500.50",
                    "store": "Bench",
                }
                if by_phone_from is not None:
                    del body["telegram_user_id"]
                    body["order_id"] = f"new-{by_phone_from + index}"
                    body["phone"] = _phone(by_phone_from + index)
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


def run_with_phone_backlog(
    backlog: int, purchases: int, batches: int, concurrency: int
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        asyncio.run(_make_schema(db_path))
        asyncio.run(_seed_phone_backlog(db_path, backlog))
        tick_before = asyncio.run(_tick_queries_ms(db_path))
        port = _free_port()
        server = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(str(db_path), port), daemon=True
        )
        server.start()
        seconds = []
        try:
            for batch in range(batches):
                wall, _, errors = asyncio.run(
                    _load(
                        f"http://127.0.0.1:{port}",
                        server,
                        purchases,
                        concurrency,
                        by_phone_from=backlog + batch * purchases,
                    )
                )
                assert errors == 0, f"{errors} purchases were not created"
                seconds.append(round(wall, 2))
        finally:
            server.terminate()
            server.join(10)
        tick_after = asyncio.run(_tick_queries_ms(db_path))
        waiting = _count(db_path, "surveys")
    return {
        "phone_backlog": backlog,
        "batch_purchases": purchases,
        "batch_seconds": seconds,
        "surveys_waiting_for_their_customer": waiting,
        "dispatch_tick_queries_ms_before": round(tick_before, 2),
        "dispatch_tick_queries_ms_after": round(tick_after, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--phone-backlog", type=int, default=None)
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    if args.phone_backlog is None:
        result = run(args.purchases, args.concurrency)
    else:
        result = run_with_phone_backlog(
            args.phone_backlog, args.purchases, args.batches, args.concurrency
        )
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
