import pytest

from analytics.nps import NpsSummary, summarize
from analytics.survey_metrics import (
    SMALL_SAMPLE,
    CsatSummary,
    SurveyFunnel,
    change,
    is_small_sample,
    nps_interval,
    percent,
    summarize_csat,
)


def test_nps_interval_hand_computed() -> None:
    # [10,10,9,9,8,7,6,3,0,10]: 5 promoters, 2 passives, 3 detractors, n = 10, NPS 20.
    # With one pseudo-answer per category: P = 6, D = 4, m = 13.
    # var = (13·10 − 2²) / 13³ = 126 / 2197 = 0.057351; sqrt = 0.239481; × 1.96 = 0.469382
    # → 100·(0.2 ± 0.469382) = (−26.9382, 66.9382), centred on the observed 20.
    summary = summarize([10, 10, 9, 9, 8, 7, 6, 3, 0, 10])
    assert summary.score == pytest.approx(20.0)
    interval = nps_interval(summary)
    assert interval is not None
    assert interval == pytest.approx((-26.9382, 66.9382), abs=1e-4)


def test_nps_interval_narrows_with_z() -> None:
    # Same counts with z = 1: half-width 100 · 0.239481 = 23.9481 → (−3.9481, 43.9481).
    interval = nps_interval(NpsSummary(promoters=5, passives=2, detractors=3), z=1.0)
    assert interval == pytest.approx((-3.9481, 43.9481), abs=1e-4)


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        # One promoter: P = 2, D = 1, m = 4: var = (4·3 − 1)/64 = 0.171875,
        # 1.96 · sqrt = 0.812573 → (18.7427, 181.26), high clipped to 100.
        (NpsSummary(promoters=1, passives=0, detractors=0), (18.7427, 100.0)),
        # One passive: P = D = 1, m = 4: var = 8/64 = 0.125 → ± 69.2965 around 0.
        (NpsSummary(promoters=0, passives=1, detractors=0), (-69.2965, 69.2965)),
        # All of 7 detractors: not a certain −100. P = 1, D = 8, m = 10:
        # var = (10·9 − 49)/1000 = 0.041, 1.96 · sqrt = 0.396871 → (−139.69, −60.313).
        (NpsSummary(promoters=0, passives=0, detractors=7), (-100.0, -60.313)),
        # 1 promoter, 9 detractors: P = 2, D = 10, m = 13: var = (156 − 64)/2197,
        # 1.96 · sqrt = 0.401084 → (−120.11, −39.8916), low clipped to −100.
        (NpsSummary(promoters=1, passives=0, detractors=9), (-100.0, -39.8916)),
        # 3 promoters, 1 passive: P = 4, D = 1, m = 7: var = (35 − 9)/343 = 0.075802,
        # 1.96 · sqrt = 0.53963 → (21.037, 128.96), high clipped to 100.
        (NpsSummary(promoters=3, passives=1, detractors=0), (21.037, 100.0)),
    ],
)
def test_nps_interval_small_samples_and_clipping(
    summary: NpsSummary, expected: tuple[float, float]
) -> None:
    assert nps_interval(summary) == pytest.approx(expected, abs=1e-4)


def test_nps_interval_without_answers() -> None:
    assert nps_interval(NpsSummary(0, 0, 0)) is None


@pytest.mark.parametrize(
    ("total", "small"), [(0, True), (1, True), (SMALL_SAMPLE - 1, True), (SMALL_SAMPLE, False)]
)
def test_small_sample(total: int, small: bool) -> None:
    assert SMALL_SAMPLE == 30
    assert is_small_sample(NpsSummary(promoters=total, passives=0, detractors=0)) is small


def test_csat_hand_computed() -> None:
    # [5, 4, 3, 1]: total 13, average 13/4 = 3.25; satisfied (4 or 5) = 2 of 4 = 50 %.
    summary = summarize_csat([5, 4, 3, 1])
    assert summary == CsatSummary(count=4, total=13, satisfied=2)
    assert summary.average == pytest.approx(3.25)
    assert summary.satisfied_share == pytest.approx(50.0)


def test_csat_empty() -> None:
    summary = summarize_csat([])
    assert summary == CsatSummary(count=0, total=0, satisfied=0)
    assert summary.average is None
    assert summary.satisfied_share is None


@pytest.mark.parametrize("score", [0, 6, -1])
def test_csat_refuses_out_of_range(score: int) -> None:
    with pytest.raises(ValueError):
        summarize_csat([5, score])


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(1, 4, 25.0), (0, 3, 0.0), (3, 3, 100.0), (1, 3, 100 / 3), (1, 0, None), (0, 0, None)],
)
def test_percent(part: int, whole: int, expected: float | None) -> None:
    assert percent(part, whole) == (None if expected is None else pytest.approx(expected))


def test_funnel_rates() -> None:
    # 40 sent, 20 started, 16 answered NPS, 15 completed, 5 commented:
    # response 16/40 = 40 %, completion 15/20 = 75 %, comments 5/20 = 25 %.
    funnel = SurveyFunnel(sent=40, started=20, nps_answered=16, completed=15, commented=5)
    assert funnel.response_rate == pytest.approx(40.0)
    assert funnel.completion_rate == pytest.approx(75.0)
    assert funnel.comment_rate == pytest.approx(25.0)


def test_funnel_without_data() -> None:
    funnel = SurveyFunnel(sent=0, started=0, nps_answered=0, completed=0, commented=0)
    assert funnel.response_rate is None
    assert funnel.completion_rate is None
    assert funnel.comment_rate is None


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [(20.0, 12.5, 7.5), (-10.0, 5.0, -15.0), (None, 5.0, None), (5.0, None, None)],
)
def test_change(current: float | None, previous: float | None, expected: float | None) -> None:
    assert change(current, previous) == expected
