"""Retries double from 5 s to an hour and stop a day after the event."""

from datetime import UTC, datetime, timedelta

from hooks.backoff import delay_after, retry_at

EVENT = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_the_wait_doubles_up_to_an_hour() -> None:
    waits = [delay_after(n).total_seconds() for n in range(1, 13)]
    assert waits == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]


def test_the_last_attempt_falls_on_the_days_end_then_none() -> None:
    near_end = EVENT + timedelta(hours=23, minutes=30)
    assert retry_at(20, EVENT, near_end) == EVENT + timedelta(hours=24)
    assert retry_at(21, EVENT, EVENT + timedelta(hours=24)) is None
    assert retry_at(1, EVENT, EVENT) == EVENT + timedelta(seconds=5)


def test_a_day_of_failures_is_about_thirty_attempts() -> None:
    now, attempts = EVENT, 0
    while (after := retry_at(attempts + 1, EVENT, now)) is not None:
        attempts, now = attempts + 1, after
    assert now == EVENT + timedelta(hours=24) and 25 <= attempts + 1 <= 35
