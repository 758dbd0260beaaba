"""Industry references, so an owner sees a figure next to what is usual and what to aim for."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    BELOW = "below"
    """Below the industry range (or figure)."""
    INDUSTRY = "industry"
    """Within the industry range, or at/above the industry figure but short of the aim."""
    AIM = "aim"
    """Meets the aim."""


@dataclass(frozen=True)
class Reference:
    """An industry range [industry_low, industry_high] and an aim (>= or > depending on flag)."""

    industry_low: float
    industry_high: float
    aim: float
    aim_inclusive: bool

    def __post_init__(self) -> None:
        if not self.industry_low <= self.industry_high <= self.aim:
            raise ValueError(f"expected industry_low <= industry_high <= aim: {self}")

    def judge(self, value: float) -> Verdict:
        meets_aim = value >= self.aim if self.aim_inclusive else value > self.aim
        if meets_aim:
            return Verdict.AIM
        if value >= self.industry_low:
            return Verdict.INDUSTRY
        return Verdict.BELOW


RETENTION = Reference(industry_low=60, industry_high=70, aim=70, aim_inclusive=False)
"""Customer retention rate, %: industry 60–70, aim above 70."""

PURCHASES_PER_YEAR = Reference(industry_low=3.5, industry_high=3.5, aim=4, aim_inclusive=True)
"""Purchases per customer per year: industry 3.5, aim 4 or more."""

NPS = Reference(industry_low=30, industry_high=50, aim=50, aim_inclusive=False)
"""Net Promoter Score, points: industry 30–50, aim above 50."""
