"""Net Promoter Score: % promoters (9–10) minus % detractors (0–6)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from core.scores import NPS_SCORES, PASSIVE_MIN, PROMOTER_MIN


class NpsCategory(StrEnum):
    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"


def categorize(score: int) -> NpsCategory:
    if score not in NPS_SCORES:
        raise ValueError(f"an NPS answer is 0 to 10, not {score}")
    if score >= PROMOTER_MIN:
        return NpsCategory.PROMOTER
    if score >= PASSIVE_MIN:
        return NpsCategory.PASSIVE
    return NpsCategory.DETRACTOR


@dataclass(frozen=True, slots=True)
class NpsSummary:
    promoters: int
    passives: int
    detractors: int

    @property
    def total(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        """From −100 to 100; None when nobody answered (no score is not a score of 0)."""
        if self.total == 0:
            return None
        return 100 * (self.promoters - self.detractors) / self.total


def summarize(scores: Iterable[int]) -> NpsSummary:
    counts = dict.fromkeys(NpsCategory, 0)
    for score in scores:
        counts[categorize(score)] += 1
    return NpsSummary(
        promoters=counts[NpsCategory.PROMOTER],
        passives=counts[NpsCategory.PASSIVE],
        detractors=counts[NpsCategory.DETRACTOR],
    )
