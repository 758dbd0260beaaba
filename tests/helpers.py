"""Small helpers shared by tests."""

from __future__ import annotations

from datetime import UTC, datetime


class FakeClock:
    """A clock that tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now
