"""When a failed delivery is tried again: exponential backoff for up to a day.

5 s, 10 s, 20 s, ... doubling up to an hour between attempts, then hourly, until 24 hours
after the event; one last attempt falls at that mark, and after it the delivery is given
up (/hooks shows it). About thirty attempts in all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

FIRST_DELAY = timedelta(seconds=5)
LONGEST_DELAY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)


def delay_after(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1 for the first)."""
    doublings = min(max(attempts - 1, 0), 20)
    return min(FIRST_DELAY * 2**doublings, LONGEST_DELAY)


def retry_at(attempts: int, occurred_at: datetime, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed ones; None once the day is over."""
    last_chance = occurred_at + GIVE_UP_AFTER
    if now >= last_chance:
        return None
    return min(now + delay_after(attempts), last_chance)
