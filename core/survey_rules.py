"""When a purchase gets a survey: the owner's rules as one value, read from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class SurveyRules:
    """`delay` after the purchase, not within `throttle` of the customer's last survey, and
    never for a purchase made more than `max_age` ago (history is stored, not surveyed)."""

    delay: timedelta
    throttle: timedelta | None = None
    max_age: timedelta | None = None

    def too_old(self, purchased_at: datetime, now: datetime) -> bool:
        return self.max_age is not None and purchased_at < now - self.max_age

    def bought_since(self, now: datetime) -> datetime | None:
        """The oldest purchase time that still gets a survey (None: any)."""
        return None if self.max_age is None else now - self.max_age
