import pytest

from analytics.nps import NpsCategory, categorize, summarize


def test_categories_follow_the_definition() -> None:
    assert [categorize(s) for s in range(11)] == [NpsCategory.DETRACTOR] * 7 + [
        NpsCategory.PASSIVE
    ] * 2 + [NpsCategory.PROMOTER] * 2


def test_score_is_promoters_minus_detractors_percent() -> None:
    summary = summarize([10, 10, 9, 9, 8, 7, 6, 3, 0, 10])
    assert (summary.promoters, summary.passives, summary.detractors) == (5, 2, 3)
    assert summary.score == pytest.approx(20.0)


def test_extremes_and_empty() -> None:
    assert summarize([10, 9]).score == 100
    assert summarize([0, 6, 1]).score == -100
    assert summarize([7, 8]).score == 0
    assert summarize([]).score is None


def test_out_of_range_score_is_refused() -> None:
    with pytest.raises(ValueError):
        categorize(11)
