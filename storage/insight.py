"""The owners' figures as SQL aggregates over index ranges, never rows pulled into Python.

Each function counts exactly as the pure definitions in analytics/ do (tests compare the
two on the same data); they read through the reader connection, so a digest being built
never holds up customers' answers.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo

import aiosqlite

from analytics.chart import WeekPoint
from analytics.loyalty import YEAR, PurchaseStats, Retention
from analytics.nps import NpsSummary
from analytics.report import (
    AlertFigures,
    Comment,
    OpenAlert,
    ReferralNote,
    Report,
    StoreFigures,
    ThemeFigures,
)
from analytics.survey_metrics import CsatSummary, SurveyFunnel
from core.clock import from_db, to_db
from core.period import RESOLUTION, Period
from core.scores import SQL_THRESHOLDS
from storage import leads, referral_credit, themes
from storage.database import fetch_all, fetch_one
from storage.models import Question, SurveyStatus
from storage.stores import names as store_names

LATEST = 5
"""How many of the latest comments, upsell requests, referrals and open alerts a report lists."""
NEW_WORDS = 5
"""How many frequent words of answers in no theme a report gives."""


@dataclass(frozen=True, slots=True)
class Scope:
    """What a report counts: every purchase, or one store's (with their surveys and
    answers). Its tables go into the queries' FROM; the store is a bound `:store_key`."""

    store_key: str | None = None

    @property
    def purchases(self) -> str:
        if self.store_key is None:
            return "purchases"
        return "(SELECT * FROM purchases WHERE store_key = :store_key)"

    @property
    def surveys(self) -> str:
        if self.store_key is None:
            return "surveys"
        return """(SELECT s.* FROM surveys s JOIN purchases p ON p.id = s.purchase_id
                   WHERE p.store_key = :store_key)"""

    @property
    def answers(self) -> str:
        if self.store_key is None:
            return "answers"
        return """(SELECT a.* FROM answers a JOIN surveys s ON s.id = a.survey_id
                   JOIN purchases p ON p.id = s.purchase_id WHERE p.store_key = :store_key)"""

    def values(self, period: Period, **values: object) -> dict[str, object]:
        """The named parameters of a scoped query: see `_named`."""
        return _named(period, **values, **self.values_only())

    def values_only(self) -> dict[str, object]:
        return {} if self.store_key is None else {"store_key": self.store_key}


EVERYTHING = Scope()


def _span(period: Period) -> tuple[str, str]:
    return to_db(period.start), to_db(period.end)


def _named(period: Period, **values: object) -> dict[str, object]:
    """Named parameters: the period as `:start` and `:end`, the score thresholds
    (`:promoter_min`, ...) and `values`."""
    return {**SQL_THRESHOLDS, "start": to_db(period.start), "end": to_db(period.end), **values}


async def first_recorded(conn: aiosqlite.Connection) -> datetime | None:
    """When the first purchase or answer was recorded: where `/stats all` starts."""
    row = await fetch_one(
        conn,
        """SELECT MIN(first) FROM (
               SELECT MIN(purchased_at) AS first FROM purchases
               UNION ALL SELECT MIN(answered_at) FROM answers)""",
    )
    return None if row[0] is None else from_db(row[0])


async def whole_history(conn: aiosqlite.Connection, now: datetime) -> Period | None:
    """From the first purchase or answer recorded up to `now` (that moment included): what
    "all" covers in /stats and on the dashboard; None while nothing is recorded."""
    first = await first_recorded(conn)
    return None if first is None else Period.up_to(now, now - first + RESOLUTION)


async def nps(conn: aiosqlite.Connection, period: Period, scope: Scope = EVERYTHING) -> NpsSummary:
    row = await fetch_one(
        conn,
        f"""SELECT COALESCE(SUM(score >= :promoter_min), 0),
                  COALESCE(SUM(score BETWEEN :passive_min AND :promoter_min - 1), 0),
                  COALESCE(SUM(score <= :detractor_max), 0)
           FROM {scope.answers}
           WHERE question = :question AND answered_at >= :start AND answered_at < :end""",
        scope.values(period, question=Question.NPS),
    )
    return NpsSummary(promoters=row[0], passives=row[1], detractors=row[2])


async def csat(
    conn: aiosqlite.Connection, period: Period, scope: Scope = EVERYTHING
) -> CsatSummary:
    row = await fetch_one(
        conn,
        f"""SELECT COUNT(*), COALESCE(SUM(score), 0),
                  COALESCE(SUM(score >= :csat_satisfied_min), 0)
           FROM {scope.answers}
           WHERE question = :question AND answered_at >= :start AND answered_at < :end""",
        scope.values(period, question=Question.CSAT),
    )
    return CsatSummary(count=row[0], total=row[1], satisfied=row[2])


async def satisfied(
    conn: aiosqlite.Connection, period: Period, scope: Scope = EVERYTHING
) -> tuple[int, int]:
    """(customers who said they are 100% satisfied, everyone who answered that question)."""
    row = await fetch_one(
        conn,
        f"""SELECT COALESCE(SUM(choice = 'yes'), 0), COUNT(*)
           FROM {scope.answers}
           WHERE question = :question AND answered_at >= :start AND answered_at < :end""",
        scope.values(period, question=Question.SATISFIED),
    )
    return row[0], row[1]


async def funnel(
    conn: aiosqlite.Connection, period: Period, scope: Scope = EVERYTHING
) -> SurveyFunnel:
    """Surveys sent in the period and how far they got.

    A survey is started once its NPS question is answered (its step has moved on),
    commented when the customer wrote what to fix or what they would buy (a referral's
    name is not a comment).
    """
    values = scope.values(
        period,
        nps=Question.NPS,
        fix=Question.FIX,
        upsell=Question.UPSELL,
        completed=SurveyStatus.COMPLETED,
    )
    sent, started, completed = await fetch_one(
        conn,
        f"""SELECT COUNT(*), COALESCE(SUM(step != :nps), 0), COALESCE(SUM(status = :completed), 0)
           FROM {scope.surveys} WHERE sent_at >= :start AND sent_at < :end""",
        values,
    )
    # Driven by the surveys' time index, each probing the written answers' own index: a
    # week's digest reads a week of surveys, whatever the size of the history.
    commented = await fetch_one(
        conn,
        f"""SELECT COUNT(*) FROM {scope.surveys} s
           WHERE s.sent_at >= :start AND s.sent_at < :end AND s.step != :nps
             AND EXISTS (SELECT 1 FROM answers a INDEXED BY answers_text_by_question
                         WHERE a.survey_id = s.id AND a.question IN (:fix, :upsell)
                           AND a.text IS NOT NULL)""",
        values,
    )
    return SurveyFunnel(sent, started, started, completed, int(commented[0]))


async def existing_at(
    conn: aiosqlite.Connection,
    moment: datetime,
    churn_after: timedelta,
    scope: Scope = EVERYTHING,
) -> int:
    """Customers with a purchase in [moment − churn_after, moment)."""
    row = await fetch_one(
        conn,
        f"""SELECT COUNT(DISTINCT customer_id) FROM {scope.purchases}
           WHERE purchased_at >= :start AND purchased_at < :end""",
        scope.values(Period(moment - churn_after, moment)),
    )
    return int(row[0])


async def new_customers(
    conn: aiosqlite.Connection, period: Period, scope: Scope = EVERYTHING
) -> int:
    """Customers whose first purchase ever falls in the period.

    One pass over the (customer, time) index: its first entry per customer is the first
    purchase, whatever the period's length.
    """
    row = await fetch_one(
        conn,
        f"""SELECT COUNT(*) FROM (SELECT MIN(purchased_at) AS first FROM {scope.purchases}
                                 GROUP BY customer_id)
           WHERE first >= :start AND first < :end""",
        scope.values(period),
    )
    return int(row[0])


async def retention(
    conn: aiosqlite.Connection,
    period: Period,
    churn_after: timedelta,
    scope: Scope = EVERYTHING,
) -> Retention:
    return Retention(
        at_start=await existing_at(conn, period.start, churn_after, scope),
        at_end=await existing_at(conn, period.end, churn_after, scope),
        new=await new_customers(conn, period, scope),
    )


async def purchase_stats(
    conn: aiosqlite.Connection, period: Period, currency: str, scope: Scope = EVERYTHING
) -> PurchaseStats:
    """Purchases in the period; the average check counts amounts in `currency` only."""
    row = await fetch_one(
        conn,
        f"""SELECT COUNT(*), COALESCE(SUM(n >= 2), 0), COALESCE(SUM(n), 0),
                  COALESCE(SUM(total), 0), COALESCE(SUM(priced), 0), COALESCE(SUM(visits), 0)
           FROM (SELECT COUNT(*) AS n,
                        SUM(CASE WHEN currency = :currency THEN amount_minor END) AS total,
                        COUNT(CASE WHEN currency = :currency THEN amount_minor END) AS priced,
                        SUM(amount_minor IS NULL) AS visits
                 FROM {scope.purchases}
                 WHERE purchased_at >= :start AND purchased_at < :end
                 GROUP BY customer_id)""",
        scope.values(period, currency=currency),
    )
    customers, repeat, purchases, total, priced, visits = row
    return PurchaseStats(
        purchases=purchases,
        customers=customers,
        repeat_customers=repeat,
        amount_total_minor=total,
        amount_count=priced,
        visits=visits,
    )


async def stores(conn: aiosqlite.Connection, period: Period, currency: str) -> list[StoreFigures]:
    """Purchases, average check, NPS and CSAT per store (by key, shown by its name); empty
    when no purchase or answer names a store."""
    bought = await fetch_all(
        conn,
        """SELECT store_key, COUNT(*),
                  COALESCE(SUM(CASE WHEN currency = :currency THEN amount_minor END), 0),
                  COUNT(CASE WHEN currency = :currency THEN amount_minor END)
           FROM purchases INDEXED BY purchases_by_store
           WHERE store_key IS NOT NULL AND purchased_at >= :start AND purchased_at < :end
           GROUP BY store_key""",
        _named(period, currency=currency),
    )
    scores = await fetch_all(
        conn,
        """SELECT p.store_key, a.question,
                  SUM(a.score >= :promoter_min),
                  SUM(a.score BETWEEN :passive_min AND :promoter_min - 1),
                  SUM(a.score <= :detractor_max),
                  COUNT(*), SUM(a.score), SUM(a.score >= :csat_satisfied_min)
           FROM answers a
           JOIN surveys s ON s.id = a.survey_id
           JOIN purchases p ON p.id = s.purchase_id
           WHERE a.question IN (:nps, :csat) AND a.answered_at >= :start AND a.answered_at < :end
             AND p.store_key IS NOT NULL
           GROUP BY p.store_key, a.question""",
        _named(period, nps=Question.NPS, csat=Question.CSAT),
    )
    # Surveys go out after the purchase, so a store can have answers in a period without
    # purchases in it (and the other way round): either puts it in the list.
    nps_of = {r[0]: NpsSummary(r[2], r[3], r[4]) for r in scores if r[1] == Question.NPS}
    csat_of = {r[0]: CsatSummary(r[5], r[6], r[7]) for r in scores if r[1] == Question.CSAT}
    sales = {row[0]: (row[1], row[2], row[3]) for row in bought}
    shown = await store_names(conn)
    return [
        StoreFigures(
            shown.get(key, key),
            *sales.get(key, (0, 0, 0)),
            nps=nps_of.get(key, NpsSummary(0, 0, 0)),
            csat=csat_of.get(key, CsatSummary(0, 0, 0)),
        )
        for key in sorted(sales.keys() | nps_of.keys() | csat_of.keys())
    ]


async def latest_texts(
    conn: aiosqlite.Connection, question: Question, period: Period, limit: int = LATEST
) -> list[Comment]:
    rows = await fetch_all(
        conn,
        """SELECT a.answered_at, a.text, c.first_name
           FROM answers a
           JOIN surveys s ON s.id = a.survey_id
           JOIN customers c ON c.id = s.customer_id
           WHERE a.question = ? AND a.answered_at >= ? AND a.answered_at < ?
             AND a.text IS NOT NULL
           ORDER BY a.answered_at DESC LIMIT ?""",
        (question, *_span(period), limit),
    )
    return [Comment(from_db(row[0]), row[1], row[2]) for row in rows]


async def referrals(
    conn: aiosqlite.Connection, period: Period, limit: int = LATEST
) -> tuple[int, list[ReferralNote]]:
    count = await fetch_one(
        conn,
        "SELECT COUNT(*) FROM referrals WHERE created_at >= ? AND created_at < ?",
        _span(period),
    )
    rows = await fetch_all(
        conn,
        """SELECT r.created_at, r.kind, r.name, r.phone, r.note, c.first_name
           FROM referrals r JOIN customers c ON c.id = r.referrer_id
           WHERE r.created_at >= ? AND r.created_at < ?
           ORDER BY r.created_at DESC LIMIT ?""",
        (*_span(period), limit),
    )
    notes = [ReferralNote(from_db(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]
    return int(count[0]), notes


async def alert_figures(
    conn: aiosqlite.Connection,
    period: Period,
    limit: int = LATEST,
    open_as_of: datetime | None = None,
) -> AlertFigures:
    """Alerts open at `open_as_of` (the period's end by default, a digest passes the moment
    it is built), and how fast the ones raised in the period were answered."""
    end = {"end": to_db(open_as_of or period.end)}
    # Open at the end of the period: not resolved yet, or resolved only after it.
    open_count = await fetch_one(
        conn,
        """SELECT (SELECT COUNT(*) FROM alerts WHERE resolved_at IS NULL AND created_at < :end)
                + (SELECT COUNT(*) FROM alerts WHERE resolved_at >= :end AND created_at < :end)""",
        end,
    )
    oldest = await fetch_all(
        conn,
        """SELECT a.id, a.score, a.created_at, c.first_name, a.question
           FROM alerts a JOIN surveys s ON s.id = a.survey_id
           JOIN customers c ON c.id = s.customer_id
           WHERE a.created_at < :end AND (a.resolved_at IS NULL OR a.resolved_at >= :end)
           ORDER BY a.created_at LIMIT :limit""",
        {**end, "limit": limit},
    )
    raised = await fetch_one(
        conn, "SELECT COUNT(*) FROM alerts WHERE created_at >= ? AND created_at < ?", _span(period)
    )
    answered = await fetch_all(
        conn,
        """SELECT created_at, claimed_at, resolved_at FROM alerts
           WHERE created_at >= ? AND created_at < ?
             AND (claimed_at IS NOT NULL OR resolved_at IS NOT NULL)""",
        _span(period),
    )
    response_seconds = [
        (min(from_db(stamp) for stamp in row[1:] if stamp) - from_db(row[0])).total_seconds()
        for row in answered
    ]
    return AlertFigures(
        open_count=int(open_count[0]),
        oldest_open=[OpenAlert(r[0], r[1], from_db(r[2]), r[3], r[4]) for r in oldest],
        raised=int(raised[0]),
        answered=len(response_seconds),
        median_first_response=(
            timedelta(seconds=statistics.median(response_seconds)) if response_seconds else None
        ),
    )


async def weekly_points(
    conn: aiosqlite.Connection, weeks: list[Period], tz: tzinfo, scope: Scope = EVERYTHING
) -> list[WeekPoint]:
    """NPS counts and CSAT average for each week (the chart's data)."""
    points = []
    for week in weeks:
        week_nps = await nps(conn, week, scope)
        week_csat = await csat(conn, week, scope)
        points.append(
            WeekPoint(
                week_start=week.start.astimezone(tz).date(),
                promoters=week_nps.promoters,
                passives=week_nps.passives,
                detractors=week_nps.detractors,
                csat_average=week_csat.average,
            )
        )
    return points


async def theme_figures(
    conn: aiosqlite.Connection, period: Period, scope: Scope = EVERYTHING
) -> list[ThemeFigures]:
    """Each theme named in the period (storage.themes), busiest first, with its names."""
    counted = await themes.counts(conn, period, scope.answers, **scope.values_only())
    names = {theme.key: theme.names for theme in await themes.dictionary(conn)}
    figures = [
        ThemeFigures(count.key, names[count.key], count.surveys, count.nps)
        for count in counted
        if count.key in names
    ]
    return sorted(figures, key=lambda theme: (-theme.surveys, theme.key))


async def first_purchase(conn: aiosqlite.Connection, scope: Scope = EVERYTHING) -> datetime | None:
    row = await fetch_one(
        conn, f"SELECT MIN(purchased_at) FROM {scope.purchases}", scope.values_only()
    )
    return None if row[0] is None else from_db(row[0])


async def _loyalty_spans(
    conn: aiosqlite.Connection, end: datetime, churn_after: timedelta, scope: Scope
) -> tuple[Period, Period, timedelta]:
    """What the yearly figures cover, what retention covers, and its churn window.

    A year and CHURN_AFTER_DAYS once the business has a year of purchases. Before that, the
    purchases since the first one; retention over the second half of that span, with half of
    it as the window: customers of the first half who bought again in the second.
    """
    year = Period.ending(end, YEAR)
    first = await first_purchase(conn, scope)
    if first is None or first <= year.start or first >= end - RESOLUTION:
        return year, year, churn_after
    half = (end - first) / 2  # rounded to the microsecond: the halves meet at `middle`
    middle = first + half
    return Period(first, end), Period(middle, end), min(churn_after, middle - first)


async def _previous(
    conn: aiosqlite.Connection,
    period: Period,
    currency: str,
    churn_after: timedelta,
    now: datetime | None,
) -> Report:
    """The headline figures of the period before, for the changes the digest shows."""
    return await report(
        conn, period.previous(), currency=currency, churn_after=churn_after, details=False, now=now
    )


async def report(
    conn: aiosqlite.Connection,
    period: Period,
    *,
    currency: str,
    churn_after: timedelta,
    details: bool = True,
    now: datetime | None = None,
    scope: Scope = EVERYTHING,
) -> Report:
    """Every figure of the period, with the trailing year that ends with it (or the span of
    history there is, for a younger business: analytics.report).

    Without `details` (the headline figures of /stats) the figures of the previous period,
    the stores, the comments and the referrals are left out. A store's `scope` counts that
    store's purchases, surveys and answers, and leaves the alerts out.
    """
    loyalty, retention_span, window = await _loyalty_spans(conn, period.end, churn_after, scope)
    yes, asked = await satisfied(conn, period, scope)
    report = Report(
        period=period,
        currency=currency,
        nps=await nps(conn, period, scope),
        previous_nps=NpsSummary(0, 0, 0),
        csat=await csat(conn, period, scope),
        previous_csat=CsatSummary(0, 0, 0),
        satisfied_yes=yes,
        satisfied_answers=asked,
        funnel=await funnel(conn, period, scope),
        retention=await retention(conn, period, churn_after, scope),
        purchases=await purchase_stats(conn, period, currency, scope),
        year_purchases=await purchase_stats(conn, loyalty, currency, scope),
        year_retention=await retention(conn, retention_span, window, scope),
        loyalty=loyalty,
        retention_span=retention_span,
    )
    report = replace(
        report,
        themes=await theme_figures(conn, period, scope),
        new_words=await themes.frequent_words(
            conn, period, NEW_WORDS, scope.answers, **scope.values_only()
        ),
    )
    if scope is EVERYTHING:
        report = replace(
            report,
            alerts=await alert_figures(conn, period, open_as_of=now),
            referred=await referral_credit.figures(conn, period, currency),
            leads=await leads.figures(conn, period),
        )
    if not details:
        return report
    previous = await _previous(conn, period, currency, churn_after, now)
    referral_count, referral_notes = await referrals(conn, period)
    return replace(
        report,
        previous=previous,
        previous_nps=previous.nps,
        previous_csat=previous.csat,
        stores=await stores(conn, period, currency),
        fixes=await latest_texts(conn, Question.FIX, period),
        upsells=await latest_texts(conn, Question.UPSELL, period),
        referrals=referral_count,
        referral_notes=referral_notes,
    )
