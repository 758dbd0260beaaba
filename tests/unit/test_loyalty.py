from bisect import bisect_left
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.loyalty import (
    DEFAULT_CHURN_AFTER,
    PurchaseEvent,
    PurchaseStats,
    Retention,
    clv_minor,
    lifetime_years,
    purchase_stats,
    purchases_per_year,
    retention,
)

START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2024, 4, 1, tzinfo=UTC)  # 31 + 29 + 31 = 91 days
CHURN_AFTER = timedelta(days=180)
# Windows for "existing at b" are [b − 180 days, b):
#   at start: [2023-07-05, 2024-01-01);  at end: [2023-10-04, 2024-04-01).


def day(year: int, month: int, dom: int) -> datetime:
    return datetime(year, month, dom, tzinfo=UTC)


def buy(customer: int, at: datetime, amount: int | None = None) -> PurchaseEvent:
    return PurchaseEvent(customer_id=customer, at=at, amount_minor=amount)


# customer: purchases                      at start  at end  new
# 1 (A):  2023-09-01, 2024-02-10 (1000)    yes       yes     no
# 2 (B):  2023-08-01                       yes       no      no   (lapsed in the period)
# 3 (C):  2023-06-01                       no        no      no   (lapsed before it)
# 4 (D):  2023-05-01, 2024-03-01 (None)    no        yes     no   (came back)
# 5 (E):  2024-01-15 (2000), 2024-03-20 (3000)  no   yes     yes
# 6 (F):  2024-04-01 00:00 (exactly end)   no        no      no   (next period's)
# 7 (G):  2023-12-01                       yes       yes     no
# 8 (H):  2023-09-15                       yes       no      no
TIMELINE = [
    buy(1, day(2023, 9, 1), 500),
    buy(1, day(2024, 2, 10), 1000),
    buy(2, day(2023, 8, 1), 700),
    buy(3, day(2023, 6, 1), 700),
    buy(4, day(2023, 5, 1), 700),
    buy(4, day(2024, 3, 1), None),
    buy(5, day(2024, 1, 15), 2000),
    buy(5, day(2024, 3, 20), 3000),
    buy(6, END, 9000),
    buy(7, day(2023, 12, 1), 700),
    buy(8, day(2023, 9, 15), 700),
]


def test_retention_hand_computed() -> None:
    # at_start = {A, B, G, H} = 4; at_end = {A, D, E, G} = 4; new = {E} = 1.
    # CRR = (4 − 1) / 4 × 100 = 75; churn = 25.
    result = retention(TIMELINE, START, END, CHURN_AFTER)
    assert result == Retention(at_start=4, at_end=4, new=1)
    assert result.crr == pytest.approx(75.0)
    assert result.churn == pytest.approx(25.0)


def test_retention_default_churn_after_is_180_days() -> None:
    assert DEFAULT_CHURN_AFTER == CHURN_AFTER
    assert retention(TIMELINE, START, END) == retention(TIMELINE, START, END, CHURN_AFTER)


def test_retention_without_data() -> None:
    result = retention([], START, END)
    assert result == Retention(at_start=0, at_end=0, new=0)
    assert result.crr is None
    assert result.churn is None


def test_retention_is_not_clipped() -> None:
    # Period of a year with churn_after 180 days. X existed at start and lapsed;
    # Y and Z are new and lapse before the end: at_end − new = 0 − 2 → CRR = −200 %.
    start, end = day(2023, 1, 1), day(2024, 1, 1)
    events = [buy(1, day(2022, 12, 1)), buy(2, day(2023, 2, 1)), buy(3, day(2023, 3, 1))]
    result = retention(events, start, end, CHURN_AFTER)
    assert result == Retention(at_start=1, at_end=0, new=2)
    assert result.crr == pytest.approx(-200.0)
    assert result.churn == pytest.approx(300.0)


def test_purchase_exactly_at_start() -> None:
    # Counts for the period and for "existing at end", not for "existing at start".
    events = [buy(1, START, 100)]
    assert retention(events, START, END, CHURN_AFTER) == Retention(at_start=0, at_end=1, new=1)
    assert purchase_stats(events, START, END).purchases == 1


def test_purchase_exactly_at_end_belongs_to_next_period() -> None:
    events = [buy(1, END, 100)]
    assert retention(events, START, END, CHURN_AFTER) == Retention(at_start=0, at_end=0, new=0)
    assert purchase_stats(events, START, END).purchases == 0


@pytest.mark.parametrize(
    ("offset", "exists"),
    [(timedelta(0), True), (timedelta(microseconds=1), False)],
)
def test_churn_after_boundary(offset: timedelta, exists: bool) -> None:
    # A purchase exactly churn_after before a boundary still counts; 1 µs earlier does not.
    at_start = buy(1, START - CHURN_AFTER - offset)
    at_end = buy(2, END - CHURN_AFTER - offset)
    result = retention([at_start, at_end], START, END, CHURN_AFTER)
    assert result.at_start == (2 if exists else 1)  # customer 2's purchase is also before START
    assert result.at_end == (1 if exists else 0)


def test_retention_refuses_empty_period_and_churn_after() -> None:
    with pytest.raises(ValueError):
        retention([], END, START)
    with pytest.raises(ValueError):
        retention([], START, START)
    with pytest.raises(ValueError):
        retention([], START, END, timedelta(0))


def test_purchase_stats_hand_computed() -> None:
    # In [2024-01-01, 2024-04-01): A 02-10 (1000), D 03-01 (None), E 01-15 (2000), 03-20 (3000).
    # purchases 4, customers {A, D, E} = 3, repeat {E} = 1 → 33.33 %, frequency 4/3;
    # known amounts 1000 + 2000 + 3000 = 6000 over 3 → average check 2000.
    stats = purchase_stats(TIMELINE, START, END)
    assert stats == PurchaseStats(
        purchases=4,
        customers=3,
        repeat_customers=1,
        amount_total_minor=6000,
        amount_count=3,
        visits=1,  # D's purchase without an amount
    )
    assert stats.repeat_rate == pytest.approx(100 / 3)
    assert stats.frequency == pytest.approx(4 / 3)
    assert stats.average_check_minor == pytest.approx(2000.0)
    # Per year: 4/3 × 365/91 = 5.347985.
    assert purchases_per_year(stats, END - START) == pytest.approx(5.347985, abs=1e-6)


def test_purchase_stats_without_data() -> None:
    stats = purchase_stats([], START, END)
    assert stats == PurchaseStats(0, 0, 0, 0, 0)
    assert stats.repeat_rate is None
    assert stats.frequency is None
    assert stats.average_check_minor is None
    assert purchases_per_year(stats, END - START) is None


def test_unknown_amounts_only() -> None:
    stats = purchase_stats([buy(1, START), buy(1, START + timedelta(days=1))], START, END)
    assert (stats.purchases, stats.repeat_customers, stats.amount_count) == (2, 1, 0)
    assert stats.repeat_rate == pytest.approx(100.0)
    assert stats.average_check_minor is None
    assert stats.visits == 2 and stats.paid_frequency == 0


def test_visits_count_as_coming_back_but_not_in_what_customers_spend() -> None:
    """A store's QR code records a visit without an amount: one customer, two visits and
    one purchase of 3000 buys three times a period, and pays for one of them."""
    events = [buy(1, START), buy(1, START + timedelta(days=1)), buy(1, START, 3000)]
    stats = purchase_stats(events, START, END)
    assert (stats.frequency, stats.paid_frequency, stats.visits) == (3, 1, 2)
    assert stats.average_check_minor == 3000
    year = timedelta(days=365)
    paid = purchases_per_year(stats, year, paid_only=True)
    assert purchases_per_year(stats, year) == 3 and paid == 1
    assert clv_minor(stats.average_check_minor, paid, 2.0) == 6000  # not 18000


def test_purchases_per_year_refuses_empty_period() -> None:
    with pytest.raises(ValueError):
        purchases_per_year(PurchaseStats(1, 1, 0, 0, 0), timedelta(0))


@pytest.mark.parametrize(
    ("churn", "years"),
    [
        (25.0, 4.0),  # 1 / 0.25
        (50.0, 2.0),  # 1 / 0.5
        (10.0, 10.0),  # 1 / 0.1 = 10, exactly the cap
        (5.0, 10.0),  # 1 / 0.05 = 20, capped
        (0.0, 10.0),  # nobody churns: the cap
        (-20.0, 10.0),  # more came back than left: the cap
        (None, None),
    ],
)
def test_lifetime_years(churn: float | None, years: float | None) -> None:
    assert lifetime_years(churn) == (None if years is None else pytest.approx(years))


def test_lifetime_years_custom_cap() -> None:
    assert lifetime_years(5.0, cap_years=3.0) == pytest.approx(3.0)


def test_clv() -> None:
    # 2000 per check × 4 purchases a year × 4 years = 32000.
    assert clv_minor(2000.0, 4.0, 4.0) == pytest.approx(32000.0)
    assert clv_minor(None, 4.0, 4.0) is None
    assert clv_minor(2000.0, None, 4.0) is None
    assert clv_minor(2000.0, 4.0, None) is None


# Property tests: times are whole hours from a base, so boundaries are hit often.
BASE = datetime(2024, 1, 1, tzinfo=UTC)
hours = st.integers(min_value=0, max_value=24 * 60)
events_strategy = st.lists(
    st.builds(
        PurchaseEvent,
        customer_id=st.integers(min_value=1, max_value=6),
        at=hours.map(lambda h: BASE + timedelta(hours=h)),
        amount_minor=st.one_of(st.none(), st.integers(min_value=1, max_value=10**6)),
    ),
    max_size=40,
)


def recount(
    events: list[PurchaseEvent], start: datetime, end: datetime, churn_after: timedelta
) -> tuple[int, int, int]:
    """Brute force from per-customer sorted purchase times, using bisect rather than a scan."""
    times: dict[int, list[datetime]] = defaultdict(list)
    for event in events:
        times[event.customer_id].append(event.at)

    def exists(history: list[datetime], boundary: datetime) -> bool:
        i = bisect_left(history, boundary - churn_after)  # first purchase >= window start
        return i < len(history) and history[i] < boundary

    at_start = at_end = new = 0
    for history in times.values():
        history.sort()
        at_start += exists(history, start)
        at_end += exists(history, end)
        new += start <= history[0] < end
    return at_start, at_end, new


@settings(database=None, max_examples=300)
@given(
    events=events_strategy,
    start_h=hours,
    length_h=st.integers(min_value=1, max_value=24 * 30),
    churn_h=st.integers(min_value=1, max_value=24 * 20),
)
def test_retention_matches_brute_force(
    events: list[PurchaseEvent], start_h: int, length_h: int, churn_h: int
) -> None:
    start = BASE + timedelta(hours=start_h)
    end = start + timedelta(hours=length_h)
    churn_after = timedelta(hours=churn_h)
    result = retention(events, start, end, churn_after)
    at_start, at_end, new = recount(events, start, end, churn_after)
    assert (result.at_start, result.at_end, result.new) == (at_start, at_end, new)
    expected_crr = None if at_start == 0 else 100 * (at_end - new) / at_start
    assert result.crr == expected_crr
    if result.crr is not None:
        assert result.churn == pytest.approx(100 - result.crr)


@settings(database=None, max_examples=300)
@given(events=events_strategy, start_h=hours, length_h=st.integers(min_value=1, max_value=24 * 60))
def test_purchase_stats_bounds(events: list[PurchaseEvent], start_h: int, length_h: int) -> None:
    start = BASE + timedelta(hours=start_h)
    stats = purchase_stats(events, start, start + timedelta(hours=length_h))
    in_period = [e for e in events if start <= e.at < start + timedelta(hours=length_h)]
    assert stats.purchases == len(in_period)
    assert stats.customers == len({e.customer_id for e in in_period})
    if stats.repeat_rate is None:
        assert stats.customers == 0
    else:
        assert 0 <= stats.repeat_rate <= 100
        assert stats.frequency is not None and stats.frequency >= 1
