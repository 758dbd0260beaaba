"""Digest and /stats benchmark: the figures over 1,000,000 answers and 200,000 purchases.

    .venv/bin/python -m bench.digest --purchases 200000

A fresh database gets N purchases by N/4 customers in STORES stores, spread over two
years, one survey per purchase and five answers per survey (NPS, CSAT, "100% satisfied?",
upsell, referral), so 5·N answers in all (every seventh survey with a written wish), plus
an alert for every detractor. Every written answer is given its themes before anything
is timed, as the bot does in the background (that reading is timed on its own). Then the
real code computes what
the bot sends: the weekly digest's figures, `/stats` for each period, and the chart's 12
weeks of data; each is timed (best of --repeat runs, the database file warm in the OS
cache). Rendering the chart image is timed on its own, in this process and in the child
process the bot draws it in (bot/reports/chart_process.py): it does not depend on the data size.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from analytics.chart import WeekPoint, render_weekly_chart
from bot.reports.chart_process import draw_weekly_chart
from bot.reports.report_text import digest_messages, stats_message
from core.clock import to_db
from core.digest_schedule import parse_digest_schedule
from core.period import Period
from storage import insight, themes
from storage.database import Database
from storage.theme_tagging import ThemeTagger

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # a Monday 09:00 in Moscow: a digest slot
SPAN = timedelta(days=730)
CHURN_AFTER = timedelta(days=180)
TZ_NAME = "Europe/Moscow"
STORES = 40
WISHES = (
    "Доставка на дом",
    "больше десертов без сахара",
    "оплату по СБП",
    "парковку бы побольше",
    "онлайн-запись через бота",
    "скидку постоянным клиентам",
    "more vegan options",
    "open earlier on weekends",
)
"""The written wishes, every seventh survey: most in a default theme, some in none."""


def _seed(db_path: Path, purchases: int, seed: int = 7) -> None:
    """Rows written straight into the file in a few big transactions (setup, not measured)."""
    rng = random.Random(seed)
    customers = max(1, purchases // 4)
    stamp = to_db(NOW - SPAN)
    conn = sqlite3.connect(db_path)
    try:
        conn.executemany(
            "INSERT INTO customers (id, telegram_user_id, first_name, language, referral_code,"
            " started_at, created_at, updated_at) VALUES (?, ?, 'Client', 'ru', ?, ?, ?, ?)",
            ((i, 10_000_000 + i, f"r{i}", stamp, stamp, stamp) for i in range(1, customers + 1)),
        )
        purchase_rows, survey_rows, answer_rows, alert_rows = [], [], [], []
        for pid in range(1, purchases + 1):
            customer = rng.randint(1, customers)
            bought = NOW - SPAN * rng.random()
            answered = to_db(bought + timedelta(hours=3))
            store = f"Store {rng.randint(1, STORES)}"
            purchase_rows.append(
                (
                    pid,
                    customer,
                    f"O{pid}",
                    rng.randint(100, 900_000),
                    store,
                    store.lower(),
                    to_db(bought),
                )
            )
            survey_rows.append(
                (pid, customer, pid, to_db(bought), to_db(bought + timedelta(hours=2)), answered)
            )
            nps = rng.choices(range(11), weights=[1, 1, 1, 1, 1, 2, 3, 6, 8, 10, 12])[0]
            happy = nps >= 7
            answer_rows += [
                (pid, "nps", nps, None, None, answered),
                (
                    pid,
                    "csat",
                    rng.randint(3, 5) if happy else rng.randint(1, 4),
                    None,
                    None,
                    answered,
                ),
                (pid, "sat", None, "yes" if happy else "no", None, answered),
                (
                    pid,
                    "upsell",
                    None,
                    "text" if pid % 7 == 0 else "no",
                    WISHES[pid % len(WISHES)] if pid % 7 == 0 else None,
                    answered,
                ),
                (pid, "ref", None, "no", None, answered),
            ]
            if nps <= 6:
                alert_rows.append((pid, nps, answered))
        conn.executemany(
            "INSERT INTO purchases (id, customer_id, order_id, amount_minor, store, store_key,"
            " currency, source, purchased_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 'RUB', 'api', ?, ?)",
            ((*row, row[6]) for row in purchase_rows),
        )
        conn.executemany(
            "INSERT INTO stores (key, name, created_at) VALUES (?, ?, ?)",
            ((f"store {n}", f"Store {n}", stamp) for n in range(1, STORES + 1)),
        )
        conn.executemany(
            "INSERT INTO surveys (id, customer_id, purchase_id, status, step, due_at, sent_at,"
            " completed_at, created_at, updated_at)"
            " VALUES (?, ?, ?, 'completed', 'done', ?, ?, ?, ?, ?)",
            ((*row, row[3], row[5]) for row in survey_rows),
        )
        conn.executemany(
            "INSERT INTO answers (survey_id, question, score, choice, text, answered_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            answer_rows,
        )
        conn.executemany(
            "INSERT INTO alerts (survey_id, score, created_at) VALUES (?, ?, ?)", alert_rows
        )
        _seed_leads_and_referrals(conn)
        conn.commit()
    finally:
        conn.close()


def _seed_leads_and_referrals(conn: sqlite3.Connection) -> None:
    """Each wish a lead, as the bot opens them, a quarter of them worked on; one customer in
    ten brought by the customer before, so the referral figures have friends to count."""
    conn.execute(
        """INSERT INTO leads (kind, answer_id, created_at, status, contacted_at, status_at)
           SELECT 'upsell', id, answered_at,
                  CASE id % 8 WHEN 0 THEN 'won' WHEN 1 THEN 'contacted' ELSE 'open' END,
                  CASE WHEN id % 8 IN (0, 1) THEN answered_at END,
                  CASE WHEN id % 8 IN (0, 1) THEN answered_at END
           FROM answers WHERE text IS NOT NULL ORDER BY id"""
    )
    conn.execute("UPDATE customers SET referred_by = id - 1 WHERE id % 10 = 0")


async def _best(repeat: int, work: Callable[[], Awaitable[Any]]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        best = min(best, time.perf_counter() - started)
    return best


async def _measure(db_path: Path, repeat: int) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(TZ_NAME)
    schedule = parse_digest_schedule("mon 09:00")
    assert schedule is not None
    digest_period = schedule.period_for(schedule.latest_slot(NOW, tz), tz)
    db = await Database.open(db_path)
    try:
        reader = db.reader
        counts = await reader.execute_fetchall(
            "SELECT (SELECT COUNT(*) FROM answers), (SELECT COUNT(*) FROM purchases)"
        )
        answers, purchases = next(iter(counts))

        async def digest() -> None:
            report = await insight.report(
                reader, digest_period, currency="RUB", churn_after=CHURN_AFTER
            )
            digest_messages(report, "ru", tz)

        def stats(length: timedelta) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                report = await insight.report(
                    reader,
                    Period.ending(NOW, length),
                    currency="RUB",
                    churn_after=CHURN_AFTER,
                    details=False,
                )
                stats_message(report, "ru", tz, "bench")

            return run

        weeks = [
            Period.ending(digest_period.end - timedelta(days=7) * back, timedelta(days=7))
            for back in reversed(range(12))
        ]

        async def chart_data() -> None:
            await insight.weekly_points(reader, weeks, tz)

        result: dict[str, Any] = {"answers": answers, "purchases": purchases}
        result["digest_figures_seconds"] = round(await _best(repeat, digest), 3)
        for label, length in (("7d", 7), ("30d", 30), ("90d", 90), ("all", 731)):
            seconds = await _best(repeat, stats(timedelta(days=length)))
            result[f"stats_{label}_seconds"] = round(seconds, 3)

        async def one_store() -> None:  # /stats 30d <store>
            report = await insight.report(
                reader,
                Period.ending(NOW, timedelta(days=30)),
                currency="RUB",
                churn_after=CHURN_AFTER,
                details=False,
                scope=insight.Scope("store 1"),
            )
            stats_message(report, "ru", tz, "bench")

        result["stats_30d_one_store_seconds"] = round(await _best(repeat, one_store), 3)
        result["chart_data_seconds"] = round(await _best(repeat, chart_data), 3)
        points = await insight.weekly_points(reader, weeks, tz)
        started = time.perf_counter()
        render_weekly_chart(points, "ru")
        result["chart_render_seconds"] = round(time.perf_counter() - started, 3)

        async def known_points() -> list[WeekPoint]:
            return points

        started = time.perf_counter()
        await draw_weekly_chart(known_points, "ru")
        result["chart_child_process_seconds"] = round(time.perf_counter() - started, 3)

        async def whole_digest() -> None:
            # As bot/reports/digest.py does it: the chart's child process is started first and
            # imports matplotlib while the figures are computed.
            chart = asyncio.create_task(
                draw_weekly_chart(lambda: insight.weekly_points(reader, weeks, tz), "ru")
            )
            await digest()
            await chart

        result["digest_with_chart_seconds"] = round(await _best(repeat, whole_digest), 3)
        return result
    finally:
        await db.close()


async def _make_schema(db_path: Path) -> None:
    db = await Database.open(db_path)
    async with db.transaction() as conn:
        await themes.seed_defaults(conn, NOW)
    await db.close()


async def _read_themes(db_path: Path) -> None:
    """What the bot does in the background: every written answer given its themes."""
    db = await Database.open(db_path)
    try:
        await ThemeTagger(db).catch_up()
    finally:
        await db.close()


def run(purchases: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as workdir:
        db_path = Path(workdir) / "digest.db"
        asyncio.run(_make_schema(db_path))
        started = time.perf_counter()
        _seed(db_path, purchases)
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        asyncio.run(_read_themes(db_path))
        themes_read = time.perf_counter() - started
        result = asyncio.run(_measure(db_path, repeat))
        result["seed_seconds"] = round(seeded, 1)
        result["themes_of_every_written_answer_seconds"] = round(themes_read, 1)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for key, value in run(args.purchases, args.repeat).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
