"""Retention metrics from purchases.

These definitions are the contract: the SQL behind `/stats` and the export must count exactly
the same way, so they are spelled out here and followed literally.

- A period is half-open: [start, end). A purchase exactly at `end` belongs to the next period.
- A customer **exists at a boundary b** if they have a purchase p with
  ``b − churn_after <= p.at < b`` (churn_after defaults to 180 days). So a purchase exactly at
  `start` counts for the period and for "existing at end", but not for "existing at start";
  a purchase exactly `churn_after` before a boundary still counts, one microsecond earlier
  does not.
- **new**: customers whose first purchase ever (over all events given) is in [start, end).
- **CRR** (customer retention rate) = (at_end − new) / at_start × 100; **churn** = 100 − CRR.
  Both None when at_start is 0. Not clipped: a customer who lapsed before `start` and bought
  again in the period counts as retained (CRR can exceed 100), and in a period longer than
  churn_after new customers can lapse before `end` (CRR can go below 0).
- **Purchase statistics** count purchases with start <= at < end. An unknown amount (None)
  counts as a purchase but is left out of the average check.
- **Average customer lifetime** is estimated as 1 / yearly churn rate, where yearly churn is
  measured over the trailing 365 days with the same definition of churn; capped at 10 years.
- **CLV** = average check × purchases per year × lifetime in years, purchases without an
  amount (visits) left out of both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_CHURN_AFTER = timedelta(days=180)
YEAR = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class PurchaseEvent:
    customer_id: int
    at: datetime
    """Timezone-aware."""
    amount_minor: int | None
    """None: the amount is unknown."""


@dataclass(frozen=True, slots=True)
class Retention:
    """Customer counts around one period; see the module docstring for the definitions."""

    at_start: int
    at_end: int
    new: int

    @property
    def crr(self) -> float | None:
        if self.at_start == 0:
            return None
        return 100 * (self.at_end - self.new) / self.at_start

    @property
    def churn(self) -> float | None:
        """100 − CRR, computed from the counts so that round figures stay exact."""
        if self.at_start == 0:
            return None
        return 100 * (self.at_start - self.at_end + self.new) / self.at_start


def _check_period(start: datetime, end: datetime) -> None:
    if end <= start:
        raise ValueError(f"the period must end after it starts: [{start}, {end})")


def retention(
    events: Iterable[PurchaseEvent],
    start: datetime,
    end: datetime,
    churn_after: timedelta = DEFAULT_CHURN_AFTER,
) -> Retention:
    """Count customers existing at `start`, at `end`, and new in [start, end)."""
    _check_period(start, end)
    if churn_after <= timedelta(0):
        raise ValueError(f"churn_after must be positive, not {churn_after}")
    at_start: set[int] = set()
    at_end: set[int] = set()
    first_purchase: dict[int, datetime] = {}
    for event in events:
        if start - churn_after <= event.at < start:
            at_start.add(event.customer_id)
        if end - churn_after <= event.at < end:
            at_end.add(event.customer_id)
        first = first_purchase.get(event.customer_id)
        if first is None or event.at < first:
            first_purchase[event.customer_id] = event.at
    new = sum(start <= first < end for first in first_purchase.values())
    return Retention(at_start=len(at_start), at_end=len(at_end), new=new)


@dataclass(frozen=True, slots=True)
class PurchaseStats:
    """Purchases in one period; amounts in minor units."""

    purchases: int
    customers: int
    repeat_customers: int
    """Customers with two or more purchases in the period."""
    amount_total_minor: int
    amount_count: int
    """Purchases with a known amount."""
    visits: int = 0
    """Purchases without an amount: visits recorded from a store's QR code. They count as
    the customer coming back (frequency, repeat rate) and never in an amount figure."""

    @property
    def repeat_rate(self) -> float | None:
        """Percent of the period's customers who bought more than once in it."""
        if self.customers == 0:
            return None
        return 100 * self.repeat_customers / self.customers

    @property
    def frequency(self) -> float | None:
        """Purchases per customer in the period."""
        if self.customers == 0:
            return None
        return self.purchases / self.customers

    @property
    def paid_frequency(self) -> float | None:
        """Purchases with an amount per customer in the period: what revenue comes from."""
        if self.customers == 0:
            return None
        return (self.purchases - self.visits) / self.customers

    @property
    def average_check_minor(self) -> float | None:
        if self.amount_count == 0:
            return None
        return self.amount_total_minor / self.amount_count


def purchase_stats(
    events: Iterable[PurchaseEvent], start: datetime, end: datetime
) -> PurchaseStats:
    _check_period(start, end)
    per_customer: dict[int, int] = {}
    purchases = amount_total = amount_count = visits = 0
    for event in events:
        if not start <= event.at < end:
            continue
        purchases += 1
        per_customer[event.customer_id] = per_customer.get(event.customer_id, 0) + 1
        if event.amount_minor is None:
            visits += 1
        else:
            amount_total += event.amount_minor
            amount_count += 1
    return PurchaseStats(
        purchases=purchases,
        customers=len(per_customer),
        repeat_customers=sum(count >= 2 for count in per_customer.values()),
        amount_total_minor=amount_total,
        amount_count=amount_count,
        visits=visits,
    )


def purchases_per_year(
    stats: PurchaseStats, period: timedelta, *, paid_only: bool = False
) -> float | None:
    """The period's purchase frequency scaled to 365 days (`paid_only`: visits left out)."""
    if period <= timedelta(0):
        raise ValueError(f"the period must be positive, not {period}")
    frequency = stats.paid_frequency if paid_only else stats.frequency
    if frequency is None:
        return None
    return frequency * (YEAR / period)


def lifetime_years(annual_churn_percent: float | None, cap_years: float = 10.0) -> float | None:
    """1 / yearly churn, capped: with no churn the formula would promise customers forever."""
    if annual_churn_percent is None:
        return None
    if annual_churn_percent <= 0:
        return cap_years
    return min(cap_years, 100 / annual_churn_percent)


def clv_minor(
    average_check_minor: float | None,
    purchases_per_year: float | None,
    lifetime_years: float | None,
) -> float | None:
    """Customer lifetime value in minor units; None when any factor is unknown."""
    if average_check_minor is None or purchases_per_year is None or lifetime_years is None:
        return None
    return average_check_minor * purchases_per_year * lifetime_years
