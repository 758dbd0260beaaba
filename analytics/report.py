"""The figures of one period, as the digest, /stats and the chart show them.

Plain data: storage.insight fills it with SQL aggregates, bot.reports.report_text renders it.
The derived yearly figures (purchases per year, lifetime, CLV) are computed here, from the
trailing 365 days that end with the period, so a weekly digest still shows yearly loyalty.
A business with less than a year of purchases gets them over the span it has (from two
months on): purchases over that span, and retention over its second half, customers of the
first half who came back (a window of churn_after would count everyone as retained), both
scaled to a year.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from analytics.loyalty import (
    YEAR,
    PurchaseStats,
    Retention,
    clv_minor,
    lifetime_years,
    purchases_per_year,
)
from analytics.nps import NpsSummary
from analytics.survey_metrics import CsatSummary, SurveyFunnel, percent
from core.period import Period


@dataclass(frozen=True, slots=True)
class Comment:
    """A free-text answer, with the first name of whoever wrote it."""

    answered_at: datetime
    text: str
    customer: str | None


@dataclass(frozen=True, slots=True)
class ReferralNote:
    created_at: datetime
    kind: str  # text, contact or link
    name: str | None
    phone: str | None
    note: str | None
    referrer: str | None


@dataclass(frozen=True, slots=True)
class StoreFigures:
    store: str
    purchases: int
    amount_total_minor: int = 0
    amount_count: int = 0
    """Purchases with an amount in the report's currency."""
    nps: NpsSummary = field(default_factory=lambda: NpsSummary(0, 0, 0))
    csat: CsatSummary = field(default_factory=lambda: CsatSummary(0, 0, 0))

    @property
    def average_check_minor(self) -> float | None:
        return self.amount_total_minor / self.amount_count if self.amount_count else None

    @classmethod
    def together(cls, name: str, stores: Iterable[StoreFigures]) -> StoreFigures:
        """Several stores as one line ("others")."""
        group = list(stores)
        return cls(
            name,
            sum(s.purchases for s in group),
            sum(s.amount_total_minor for s in group),
            sum(s.amount_count for s in group),
            NpsSummary(
                sum(s.nps.promoters for s in group),
                sum(s.nps.passives for s in group),
                sum(s.nps.detractors for s in group),
            ),
            CsatSummary(
                sum(s.csat.count for s in group),
                sum(s.csat.total for s in group),
                sum(s.csat.satisfied for s in group),
            ),
        )


@dataclass(frozen=True, slots=True)
class Referrer:
    """A customer whose friends bought in the period: how many, how often, for how much."""

    customer_id: int
    name: str | None
    friends: int
    purchases: int
    revenue_minor: int


@dataclass(frozen=True, slots=True)
class ReferredFigures:
    """Customers who came by another customer's link, and what all such customers bought."""

    arrived: int = 0
    buyers: int = 0
    purchases: int = 0
    revenue_minor: int = 0
    """In the report's currency."""
    top: list[Referrer] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LeadFigures:
    """Leads of a period: opened in it, first contacted in it, won in it; open right now."""

    opened: int = 0
    contacted: int = 0
    won: int = 0
    open_now: int = 0


@dataclass(frozen=True, slots=True)
class ThemeFigures:
    """A theme of what customers wrote: how many surveys named it, and their NPS."""

    key: str
    names: dict[str, str]
    surveys: int
    nps: NpsSummary

    def name(self, language: str) -> str:
        return self.names.get(language) or self.key


@dataclass(frozen=True, slots=True)
class OpenAlert:
    id: int
    score: int
    created_at: datetime
    customer: str | None
    question: str = "nps"  # the answer that raised it: nps or csat


@dataclass(frozen=True, slots=True)
class AlertFigures:
    open_count: int
    oldest_open: list[OpenAlert]
    raised: int  # alerts raised in the period
    median_first_response: timedelta | None  # from raising to "I'll handle it" or resolved
    answered: int = 0  # of those raised, how many had a first response (the median's base)


MIN_HISTORY = timedelta(days=60)
"""Loyalty over a business's life is shown from two months of purchases on."""


@dataclass(frozen=True, slots=True)
class Report:
    period: Period
    currency: str
    nps: NpsSummary
    previous_nps: NpsSummary
    csat: CsatSummary
    previous_csat: CsatSummary
    satisfied_yes: int
    satisfied_answers: int
    funnel: SurveyFunnel
    retention: Retention
    purchases: PurchaseStats
    year_purchases: PurchaseStats
    year_retention: Retention
    stores: list[StoreFigures] = field(default_factory=list)
    fixes: list[Comment] = field(default_factory=list)
    upsells: list[Comment] = field(default_factory=list)
    referrals: int = 0
    referral_notes: list[ReferralNote] = field(default_factory=list)
    alerts: AlertFigures = field(default_factory=lambda: AlertFigures(0, [], 0, None, 0))
    referred: ReferredFigures = field(default_factory=ReferredFigures)
    leads: LeadFigures = field(default_factory=LeadFigures)
    themes: list[ThemeFigures] = field(default_factory=list)
    """Busiest first."""
    new_words: list[tuple[str, int]] = field(default_factory=list)
    """The words written most often by answers in no theme, with how many answers."""
    loyalty: Period | None = None
    """What the yearly figures (year_purchases) cover: the trailing 365 days, or, for a
    business with less history, the span since its first purchase (None: the 365 days)."""
    retention_span: Period | None = None
    """What year_retention covers (None: as `loyalty`); see `loyalty_over`."""
    previous: Report | None = None
    """The same figures for the period before, for the changes the digest shows."""

    @property
    def loyalty_period(self) -> Period:
        return self.loyalty or Period.ending(self.period.end, YEAR)

    @property
    def loyalty_shown(self) -> bool:
        """Two months of purchases at least: less says nothing about coming back."""
        return self.loyalty_period.length >= MIN_HISTORY

    @property
    def young(self) -> bool:
        """Less than a year of purchases: the yearly figures are over the span there is."""
        return self.loyalty_period.length < YEAR

    @property
    def satisfied_share(self) -> float | None:
        """Share of customers who said they are 100% satisfied."""
        return percent(self.satisfied_yes, self.satisfied_answers)

    @property
    def purchases_per_year(self) -> float | None:
        return purchases_per_year(self.year_purchases, self.loyalty_period.length)

    @property
    def yearly_churn(self) -> float | None:
        """Churn over the retention span; over a shorter span, compounded to a year (kept
        a share r of customers over the span: r^(year/span) of them over a year)."""
        churn = self.year_retention.churn
        span = (self.retention_span or self.loyalty_period).length
        if churn is None or span >= YEAR:
            return churn
        kept = min(1.0, max(0.0, 1 - churn / 100))
        return 100 * (1 - kept ** (YEAR / span))

    @property
    def lifetime_years(self) -> float | None:
        """1 / yearly churn, capped at 10 years; see analytics.loyalty."""
        return lifetime_years(self.yearly_churn)

    @property
    def clv_minor(self) -> float | None:
        """Visits bring no amount: CLV counts the purchases that do."""
        span = self.loyalty_period.length
        paid_per_year = purchases_per_year(self.year_purchases, span, paid_only=True)
        return clv_minor(
            self.year_purchases.average_check_minor, paid_per_year, self.lifetime_years
        )

    @property
    def is_quiet(self) -> bool:
        """Nothing happened: no purchase, no survey sent, no answer, no alert."""
        return (
            self.purchases.purchases == 0
            and self.funnel.sent == 0
            and self.nps.total == 0
            and self.csat.count == 0
            and self.alerts.raised == 0
        )
