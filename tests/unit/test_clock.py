from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.clock import from_db, to_db


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 1, 16, 53, 40, 342995, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),  # no microseconds: still written with six digits
        datetime(2026, 6, 30, 23, 59, 59, 1, tzinfo=timezone(timedelta(hours=3))),
    ],
)
def test_a_stored_moment_reads_back_as_the_same_utc_moment(moment: datetime) -> None:
    text = to_db(moment)
    assert len(text) == len("2026-12-01T16:53:40.342995Z")
    read = from_db(text)
    assert read == moment
    assert read.utcoffset() == timedelta(0)


def test_a_time_without_its_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="not a stored UTC time"):
        from_db("2026-12-01T16:53:40.342995")
    with pytest.raises(ValueError, match="naive"):
        to_db(datetime(2026, 12, 1))
