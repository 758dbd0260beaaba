"""When a purchase gets a survey: the owner's rules as one value, read from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class SurveyRules:
    """`delay` after the purchase, and not within `throttle` of the customer's last survey."""

    delay: timedelta
    throttle: timedelta | None = None
