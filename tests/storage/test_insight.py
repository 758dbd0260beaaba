"""The SQL figures count exactly as the pure definitions in analytics/ do."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import loyalty
from analytics.nps import summarize
from analytics.survey_metrics import summarize_csat
from core.clock import to_db
from core.period import Period
from storage import insight, purchases
from storage.database import Database
from storage.purchases import NewPurchase

BASE = datetime(2026, 1, 1, tzinfo=UTC)
CHURN = timedelta(days=30)

purchases_strategy = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=6),  # customer
        st.integers(min_value=0, max_value=120 * 24),  # hours after BASE
        st.one_of(st.none(), st.integers(min_value=1, max_value=10_000)),  # amount
    ),
    max_size=40,
)


async def _seed_purchases(db: Database, rows: list[tuple[int, int, int | None]]) -> None:
    stamp = to_db(BASE)
    async with db.transaction() as conn:
        for customer in range(1, 7):
            await conn.execute(
                "INSERT INTO customers (id, language, referral_code, created_at, updated_at)"
                " VALUES (?, 'en', ?, ?, ?)",
                (customer, f"code{customer}", stamp, stamp),
            )
        for customer, hours, amount in rows:
            await conn.execute(
                "INSERT INTO purchases (customer_id, amount_minor, currency, source,"
                " purchased_at, created_at) VALUES (?, ?, 'RUB', 'test', ?, ?)",
                (customer, amount, to_db(BASE + timedelta(hours=hours)), stamp),
            )


def _events(rows: list[tuple[int, int, int | None]]) -> list[loyalty.PurchaseEvent]:
    return [
        loyalty.PurchaseEvent(customer, BASE + timedelta(hours=hours), amount)
        for customer, hours, amount in rows
    ]


async def _compare(rows: list[tuple[int, int, int | None]], start_h: int, length_h: int) -> None:
    period = Period(BASE + timedelta(hours=start_h), BASE + timedelta(hours=start_h + length_h))
    with tempfile.TemporaryDirectory() as workdir:
        db = await Database.open(Path(workdir) / "insight.db")
        try:
            await _seed_purchases(db, rows)
            events = _events(rows)
            assert await insight.retention(db.reader, period, CHURN) == loyalty.retention(
                events, period.start, period.end, CHURN
            )
            assert await insight.purchase_stats(db.reader, period, "RUB") == loyalty.purchase_stats(
                events, period.start, period.end
            )
        finally:
            await db.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=purchases_strategy,
    start_h=st.integers(min_value=0, max_value=100 * 24),
    length_h=st.integers(min_value=1, max_value=40 * 24),
)
def test_sql_retention_and_purchase_stats_match_the_definitions(
    rows: list[tuple[int, int, int | None]], start_h: int, length_h: int
) -> None:
    asyncio.run(_compare(rows, start_h, length_h))


async def _answers_db(db: Database, nps: list[int], csat: list[int], when: datetime) -> None:
    stamp = to_db(when)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO customers (id, language, referral_code, created_at, updated_at)"
            " VALUES (1, 'en', 'c1', ?, ?)",
            (stamp, stamp),
        )
        for index in range(max(len(nps), len(csat))):
            cursor = await conn.execute(
                "INSERT INTO surveys (customer_id, status, step, due_at, sent_at, created_at,"
                " updated_at) VALUES (1, 'active', 'sat', ?, ?, ?, ?)",
                (stamp, stamp, stamp, stamp),
            )
            survey_id = cursor.lastrowid
            if index < len(nps):
                await conn.execute(
                    "INSERT INTO answers (survey_id, question, score, answered_at)"
                    " VALUES (?, 'nps', ?, ?)",
                    (survey_id, nps[index], stamp),
                )
            if index < len(csat):
                await conn.execute(
                    "INSERT INTO answers (survey_id, question, score, answered_at)"
                    " VALUES (?, 'csat', ?, ?)",
                    (survey_id, csat[index], stamp),
                )


async def test_nps_and_csat_in_sql_match_the_pure_summaries(tmp_path: Path) -> None:
    nps = [10, 10, 9, 9, 8, 7, 6, 3, 0, 10]
    csat = [5, 4, 3, 1]
    when = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    db = await Database.open(tmp_path / "answers.db")
    try:
        await _answers_db(db, nps, csat, when)
        week = Period(datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))
        assert await insight.nps(db.reader, week) == summarize(nps)
        assert (await insight.nps(db.reader, week)).score == 20
        assert await insight.csat(db.reader, week) == summarize_csat(csat)
        # the answers are exactly at 12:00 on the 20th: a period ending then excludes them
        before = Period(week.start, when)
        assert (await insight.nps(db.reader, before)).total == 0
        funnel = await insight.funnel(db.reader, week)
        assert (funnel.sent, funnel.started, funnel.completed) == (10, 10, 0)
    finally:
        await db.close()


async def test_stores_comments_referrals_and_alert_response_times(tmp_path: Path) -> None:
    when = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    stamp = to_db(when)
    db = await Database.open(tmp_path / "figures.db")
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO customers (id, first_name, language, referral_code, created_at,"
                " updated_at) VALUES (1, 'Вера', 'ru', 'c1', ?, ?)",
                (stamp, stamp),
            )
            # store A: NPS 10 and 3; store B: NPS 8; one purchase without a store
            # "a" and "A " are one store, shown as first written
            for pid, store, score in ((1, "A", 10), (2, "a ", 3), (3, "B", 8), (4, None, 9)):
                stored = await purchases.insert_new(
                    conn, NewPurchase(1, 100 * pid, "RUB", when, "t", store=store), when
                )
                assert stored is not None and stored.id == pid
                await conn.execute(
                    "INSERT INTO surveys (id, customer_id, purchase_id, status, step, due_at,"
                    " created_at, updated_at) VALUES (?, 1, ?, 'active', 'csat', ?, ?, ?)",
                    (pid, pid, stamp, stamp, stamp),
                )
                await conn.execute(
                    "INSERT INTO answers (survey_id, question, score, answered_at)"
                    " VALUES (?, 'nps', ?, ?)",
                    (pid, score, stamp),
                )
            await conn.execute(
                "INSERT INTO answers (survey_id, question, text, answered_at)"
                " VALUES (2, 'fix', 'Очередь у кассы', ?)",
                (stamp,),
            )
            await conn.execute(
                "INSERT INTO referrals (referrer_id, survey_id, kind, note, created_at)"
                " VALUES (1, 1, 'text', 'Сосед', ?)",
                (stamp,),
            )
            # alerts answered after 1 h and 3 h, one still open: median 2 h
            for survey, claimed, resolved in ((2, 1, None), (3, None, 3), (4, None, None)):
                await conn.execute(
                    "INSERT INTO alerts (survey_id, score, created_at, claimed_at, resolved_at)"
                    " VALUES (?, 3, ?, ?, ?)",
                    (
                        survey,
                        stamp,
                        to_db(when + timedelta(hours=claimed)) if claimed else None,
                        to_db(when + timedelta(hours=resolved)) if resolved else None,
                    ),
                )
        week = Period(datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))
        stores = await insight.stores(db.reader, week, "RUB")
        assert [(s.store, s.purchases, s.nps.score, s.average_check_minor) for s in stores] == [
            ("A", 2, 0.0, 150),
            ("B", 1, 0.0, 300),
        ]
        fixes = await insight.latest_texts(db.reader, insight.Question.FIX, week)
        assert [(c.text, c.customer) for c in fixes] == [("Очередь у кассы", "Вера")]
        count, notes = await insight.referrals(db.reader, week)
        assert count == 1 and notes[0].note == "Сосед" and notes[0].referrer == "Вера"
        figures = await insight.alert_figures(db.reader, week)
        assert figures.raised == 3
        assert figures.open_count == 2  # claimed but not resolved is still open
        assert figures.median_first_response == timedelta(hours=2)
    finally:
        await db.close()


async def test_a_survey_counts_as_commented_once_for_a_written_fix_or_upsell(
    tmp_path: Path,
) -> None:
    when = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    stamp = to_db(when)
    week = Period(datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))
    # survey id → (sent, step, {question: text}); only 1, 2 and 3 count
    surveys = {
        1: (when, "done", {"fix": "Очередь", "upsell": "Доставка"}),  # both: counted once
        2: (when, "ref", {"fix": "<b>Шумно</b>"}),
        3: (when, "done", {"upsell": "Торты"}),
        4: (when, "done", {"fix": None, "ref": "Сосед"}),  # erased fix; a referral's text
        5: (when, "nps", {}),  # never started
        6: (when - timedelta(days=7), "done", {"fix": "Холодно"}),  # sent the week before
    }
    db = await Database.open(tmp_path / "commented.db")
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO customers (id, language, referral_code, created_at, updated_at)"
                " VALUES (1, 'ru', 'c1', ?, ?)",
                (stamp, stamp),
            )
            for survey_id, (sent, step, texts) in surveys.items():
                await conn.execute(
                    "INSERT INTO surveys (id, customer_id, status, step, due_at, sent_at,"
                    " created_at, updated_at) VALUES (?, 1, 'active', ?, ?, ?, ?, ?)",
                    (survey_id, step, to_db(sent), to_db(sent), stamp, stamp),
                )
                for question, text in texts.items():
                    await conn.execute(
                        "INSERT INTO answers (survey_id, question, text, answered_at)"
                        " VALUES (?, ?, ?, ?)",
                        (survey_id, question, text, stamp),
                    )
        funnel = await insight.funnel(db.reader, week)
        assert (funnel.sent, funnel.started, funnel.commented) == (5, 4, 3)
    finally:
        await db.close()


async def test_a_young_business_gets_loyalty_over_its_history(tmp_path: Path) -> None:
    # six customers in the first ten days; three of them come back after day 47
    rows = [(customer, (customer - 1) * 48, 1000) for customer in range(1, 7)]
    rows += [(1, 60 * 24, 2000), (2, 70 * 24, 2000), (3, 80 * 24, None)]
    end = BASE + timedelta(days=94)
    week = Period.ending(end, timedelta(days=7))
    db = await Database.open(tmp_path / "young.db")
    try:
        await _seed_purchases(db, rows)
        report = await insight.report(
            db.reader, week, currency="RUB", churn_after=timedelta(days=180)
        )
        assert report.young and report.loyalty_shown
        assert report.loyalty == Period(BASE, end)
        assert report.retention_span == Period.ending(end, timedelta(days=47))
        # the six of the first half, three of them back in the second: CRR 50%
        assert report.year_retention == loyalty.Retention(at_start=6, at_end=3, new=0)
        assert report.year_purchases.purchases == 9
        # 9 purchases by 6 customers over 94 days: 5.8 a year
        assert round(report.purchases_per_year or 0, 1) == 5.8
        assert report.previous is not None and report.previous.period == week.previous()
    finally:
        await db.close()


async def test_a_year_of_history_keeps_the_trailing_year(tmp_path: Path) -> None:
    rows = [(1, 0, 1000), (2, 400 * 24, 1000), (1, 420 * 24, 1000)]
    end = BASE + timedelta(days=430)
    db = await Database.open(tmp_path / "old.db")
    try:
        await _seed_purchases(db, rows)
        report = await insight.report(
            db.reader, Period.ending(end, timedelta(days=7)), currency="RUB", churn_after=CHURN
        )
        assert not report.young
        assert report.loyalty_period == Period.ending(end, loyalty.YEAR)
        assert report.year_purchases.purchases == 2  # the first purchase is over a year old
    finally:
        await db.close()
