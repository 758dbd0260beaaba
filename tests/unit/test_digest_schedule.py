"""DIGEST_SCHEDULE: parsing, the latest slot, and the whole local days a digest covers."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from core.digest_schedule import DigestSchedule, parse_digest_schedule

MOSCOW = ZoneInfo("Europe/Moscow")  # UTC+3, no DST
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon 09:00", DigestSchedule(0, time(9, 0))),
        ("  SUN 23:59 ", DigestSchedule(6, time(23, 59))),
        ("daily 7:30", DigestSchedule(None, time(7, 30))),
        ("off", None),
        ("OFF", None),
    ],
)
def test_parse(text: str, expected: DigestSchedule | None) -> None:
    assert parse_digest_schedule(text) == expected


@pytest.mark.parametrize("text", ["", "monday 09:00", "mon", "mon 24:00", "mon 9:60", "09:00"])
def test_parse_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        parse_digest_schedule(text)


def test_str_round_trips() -> None:
    for text in ("mon 09:00", "daily 18:30", "fri 00:05"):
        schedule = parse_digest_schedule(text)
        assert schedule is not None and str(schedule) == text


def test_latest_slot_weekly() -> None:
    schedule = DigestSchedule(0, time(9, 0))
    # Monday 2026-11-30 09:00 Moscow is 06:00 UTC
    slot = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert schedule.latest_slot(slot, MOSCOW) == slot
    assert schedule.latest_slot(datetime(2026, 12, 6, 20, 0, tzinfo=UTC), MOSCOW) == slot
    just_before = datetime(2026, 11, 30, 5, 59, 59, tzinfo=UTC)
    assert schedule.latest_slot(just_before, MOSCOW) == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def test_latest_slot_daily() -> None:
    schedule = DigestSchedule(None, time(9, 0))
    assert schedule.latest_slot(datetime(2026, 11, 30, 5, 0, tzinfo=UTC), MOSCOW) == datetime(
        2026, 11, 29, 6, 0, tzinfo=UTC
    )


def test_period_is_the_seven_local_days_before_the_slot() -> None:
    schedule = DigestSchedule(0, time(9, 0))
    period = schedule.period_for(datetime(2026, 11, 30, 6, 0, tzinfo=UTC), MOSCOW)
    # Monday 23.11 00:00 to Monday 30.11 00:00, Moscow time
    assert period.start == datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 29, 21, 0, tzinfo=UTC)


def test_period_across_a_dst_change_is_whole_local_days() -> None:
    schedule = DigestSchedule(0, time(9, 0))
    # Berlin leaves summer time on Sunday 2026-10-25: that week is 169 hours long
    slot = schedule.latest_slot(datetime(2026, 10, 26, 12, 0, tzinfo=UTC), BERLIN)
    period = schedule.period_for(slot, BERLIN)
    assert period.start.astimezone(BERLIN).hour == 0 and period.end.astimezone(BERLIN).hour == 0
    assert period.length.total_seconds() == 169 * 3600
