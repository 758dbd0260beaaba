"""Survey figures beyond the bare NPS: its uncertainty, CSAT, the response funnel.

Every ratio returns None when its denominator is zero: "nobody answered" must not be shown
as 0 %, and the caller decides how to word it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from analytics.nps import NpsSummary
from core.scores import CSAT_SATISFIED_MIN, CSAT_SCORES

MIN_SAMPLE = 5
"""Fewer answers (or customers) than this and a rate is not shown as a figure: "too few"."""
SMALL_SAMPLE = 30
"""Fewer than this and a rate is shown with the range it may well be in."""


def is_small_sample(summary: NpsSummary) -> bool:
    return summary.total < SMALL_SAMPLE


def nps_interval(summary: NpsSummary, z: float = 1.96) -> tuple[float, float] | None:
    """Confidence interval of the NPS in points (z=1.96: 95 %), clipped to [−100, 100].

    Each answer is +1, 0 or −1, so the NPS is a mean of a trinomial variable with
    var = (p + d − (p − d)²) / n (p, d: the promoter and detractor shares). The spread is
    taken with one pseudo-answer added to each category (n + 3 answers), so that a small
    sample whose answers are all alike still gets a wide interval instead of a certain
    one; the interval stays centred on the observed NPS. Computed from integer counts, so
    it is exact and never slightly negative. None when nobody answered.
    """
    n = summary.total
    if n == 0:
        return None
    promoters, detractors = summary.promoters + 1, summary.detractors + 1
    m = n + 3
    net = promoters - detractors
    # (p + d − (p − d)²) / m == (m·(P + D) − (P − D)²) / m³, an exact non-negative ratio.
    spread_numerator = m * (promoters + detractors) - net * net
    half_width = z * math.sqrt(spread_numerator / m**3)
    centre = (summary.promoters - summary.detractors) / n
    low = max(-100.0, 100 * (centre - half_width))
    high = min(100.0, 100 * (centre + half_width))
    return low, high


def share_interval(part: int, whole: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval of part/whole in percent (z=1.96: 95 %); None without a
    whole. Unlike part/whole ± a normal spread, it stays within 0-100 and is not a point
    for 0 of 3 or 3 of 3."""
    if whole <= 0:
        return None
    share = part / whole
    denominator = 1 + z * z / whole
    centre = (share + z * z / (2 * whole)) / denominator
    half = z * math.sqrt(share * (1 - share) / whole + z * z / (4 * whole * whole)) / denominator
    return max(0.0, 100 * (centre - half)), min(100.0, 100 * (centre + half))


def percent(part: int, whole: int) -> float | None:
    """100·part/whole, None when there is no whole to be a share of."""
    if whole <= 0:
        return None
    return 100 * part / whole


def change(current: float | None, previous: float | None) -> float | None:
    """Difference from the previous period; None when either side has no figure."""
    if current is None or previous is None:
        return None
    return current - previous


@dataclass(frozen=True, slots=True)
class CsatSummary:
    """CSAT answers on a 1–5 scale; "satisfied" means 4 or 5."""

    count: int
    total: int
    satisfied: int

    @property
    def average(self) -> float | None:
        if self.count == 0:
            return None
        return self.total / self.count

    @property
    def satisfied_share(self) -> float | None:
        """Percent of answers that are 4 or 5."""
        return percent(self.satisfied, self.count)


def summarize_csat(scores: Iterable[int]) -> CsatSummary:
    count = total = satisfied = 0
    for score in scores:
        if score not in CSAT_SCORES:
            raise ValueError(f"a CSAT answer is 1 to 5, not {score}")
        count += 1
        total += score
        satisfied += score >= CSAT_SATISFIED_MIN
    return CsatSummary(count=count, total=total, satisfied=satisfied)


@dataclass(frozen=True, slots=True)
class SurveyFunnel:
    """Counts of surveys at each step, for one period."""

    sent: int
    started: int
    nps_answered: int
    completed: int
    commented: int
    """Surveys with at least one free-text answer."""

    @property
    def response_rate(self) -> float | None:
        """Percent of sent surveys that got an NPS answer."""
        return percent(self.nps_answered, self.sent)

    @property
    def completion_rate(self) -> float | None:
        """Percent of started surveys that were finished."""
        return percent(self.completed, self.started)

    @property
    def comment_rate(self) -> float | None:
        """Percent of started surveys with a free-text answer."""
        return percent(self.commented, self.started)
