import pytest

from analytics.references import NPS, PURCHASES_PER_YEAR, RETENTION, Reference, Verdict


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        (0.0, Verdict.BELOW),
        (59.99, Verdict.BELOW),
        (60.0, Verdict.INDUSTRY),
        (65.0, Verdict.INDUSTRY),
        (70.0, Verdict.INDUSTRY),  # aim is strictly above 70
        (70.01, Verdict.AIM),
        (100.0, Verdict.AIM),
        (150.0, Verdict.AIM),  # returning customers can push CRR above 100
    ],
)
def test_retention(value: float, verdict: Verdict) -> None:
    assert RETENTION.judge(value) is verdict


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        (3.49, Verdict.BELOW),
        (3.5, Verdict.INDUSTRY),  # at the industry figure
        (3.99, Verdict.INDUSTRY),  # above it, short of the aim
        (4.0, Verdict.AIM),  # aim is 4 or more
        (6.0, Verdict.AIM),
    ],
)
def test_purchases_per_year(value: float, verdict: Verdict) -> None:
    assert PURCHASES_PER_YEAR.judge(value) is verdict


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        (-100.0, Verdict.BELOW),
        (29.99, Verdict.BELOW),
        (30.0, Verdict.INDUSTRY),
        (50.0, Verdict.INDUSTRY),  # aim is strictly above 50
        (50.01, Verdict.AIM),
        (100.0, Verdict.AIM),
    ],
)
def test_nps(value: float, verdict: Verdict) -> None:
    assert NPS.judge(value) is verdict


def test_reference_figures() -> None:
    assert (RETENTION.industry_low, RETENTION.industry_high, RETENTION.aim) == (60, 70, 70)
    assert not RETENTION.aim_inclusive
    assert (PURCHASES_PER_YEAR.industry_low, PURCHASES_PER_YEAR.industry_high) == (3.5, 3.5)
    assert PURCHASES_PER_YEAR.aim == 4 and PURCHASES_PER_YEAR.aim_inclusive
    assert (NPS.industry_low, NPS.industry_high, NPS.aim) == (30, 50, 50)
    assert not NPS.aim_inclusive


def test_gap_between_range_and_aim_is_industry() -> None:
    reference = Reference(industry_low=10, industry_high=20, aim=30, aim_inclusive=True)
    assert reference.judge(25) is Verdict.INDUSTRY
    assert reference.judge(30) is Verdict.AIM


def test_inconsistent_reference_is_refused() -> None:
    with pytest.raises(ValueError):
        Reference(industry_low=70, industry_high=60, aim=80, aim_inclusive=False)
    with pytest.raises(ValueError):
        Reference(industry_low=60, industry_high=70, aim=65, aim_inclusive=False)


def test_verdict_values() -> None:
    assert [str(v) for v in Verdict] == ["below", "industry", "aim"]
