"""The digest and /stats texts: honest small samples, references, packing, escaping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics.loyalty import PurchaseStats, Retention
from analytics.nps import NpsSummary, summarize
from analytics.report import AlertFigures, Comment, OpenAlert, Report, StoreFigures
from analytics.survey_metrics import CsatSummary, SurveyFunnel, summarize_csat
from bot.formats import day_span, money, number
from bot.reports.report_text import (
    TELEGRAM_LIMIT,
    digest_messages,
    pack,
    stats_message,
)
from core.period import Period

MOSCOW = ZoneInfo("Europe/Moscow")
WEEK = Period(datetime(2026, 11, 22, 21, 0, tzinfo=UTC), datetime(2026, 11, 29, 21, 0, tzinfo=UTC))
EMPTY_STATS = PurchaseStats(0, 0, 0, 0, 0)


def _report(**changes: object) -> Report:
    values: dict[str, object] = {
        "period": WEEK,
        "currency": "RUB",
        "nps": summarize([10, 10, 9, 9, 8, 7, 6, 3, 0, 10]),
        "previous_nps": NpsSummary(1, 0, 1),
        "csat": summarize_csat([5, 4, 3, 1, 5, 4]),
        "previous_csat": CsatSummary(0, 0, 0),
        "satisfied_yes": 7,
        "satisfied_answers": 10,
        "funnel": SurveyFunnel(sent=20, started=10, nps_answered=10, completed=8, commented=4),
        "retention": Retention(at_start=40, at_end=38, new=6),
        "purchases": PurchaseStats(12, 10, 2, 1_205_000, 12),
        "year_purchases": PurchaseStats(400, 100, 60, 40_000_000, 400),
        "year_retention": Retention(at_start=80, at_end=90, new=30),
    }
    values.update(changes)
    return Report(**values)  # type: ignore[arg-type]


def test_english_digest_has_every_headline_figure() -> None:
    text = "\n".join(digest_messages(_report(), "en", MOSCOW))
    assert "Weekly digest</b> · Nov 23\u2009–\u200929, 2026 · Moscow time" in text
    assert "<b>NPS 20</b> (promoters 5 · passives 2 · detractors 3; answers: 10)" in text
    assert "Few answers (10): the true NPS is likely between -27 and 67." in text
    assert "Change: +20 against the previous period (0)." in text
    assert "Industry 30–50, aim above 50: ⚠️ below the industry" in text
    # 4 of 6 gave 4-5: the Wilson interval of a small sample, 30-90%
    assert "<b>CSAT 3.67</b> / 5 · gave 4–5: 67% (likely 30–90%) · answers: 6" in text
    assert "100% satisfied: 70% (likely 40–89%) (7 of 10)" in text
    assert "Surveys sent: 20 · answered: 10 (50%)" in text
    assert "Purchases: 12 · customers: 10, new among them: 6" in text
    assert "Average check: RUB1,004.17" in text  # 1,205,000 kopecks / 12
    # the period's own purchases: 2 of its 10 customers bought twice; 12 / 10
    assert "Repeat purchase rate: 20% (likely 6–51%) · purchase frequency: 1.2" in text
    # judged over the trailing year: CRR = (90 − 30) / 80 = 75%, not the week's (38 − 6) / 40
    assert "<i>Last 365 days</i>" in text
    assert "Retention 75%, churn 25%" in text and "✅ meets the aim" in text
    assert "Purchases per customer per year: 4." in text
    # yearly churn = (80 − 90 + 30) / 80 = 25% → lifetime 4 years; CLV = 1000 × 4 × 4
    assert "CLV: RUB16,000.00" in text and "lifetime in years, 4," in text


def test_russian_uses_decimal_commas() -> None:
    text = "\n".join(digest_messages(_report(), "ru", MOSCOW))
    assert "<b>CSAT 3,67</b> / 5" in text
    assert "Средний чек: 1\xa0004,17\xa0₽" in text


def test_too_few_answers_to_judge() -> None:
    text = "\n".join(digest_messages(_report(nps=NpsSummary(1, 0, 1)), "en", MOSCOW))
    assert "Too few answers to judge." in text
    assert "likely between" not in text and "Industry 30–50" not in text


def test_thirty_answers_are_not_a_small_sample() -> None:
    text = "\n".join(digest_messages(_report(nps=NpsSummary(20, 5, 5)), "en", MOSCOW))
    assert "NPS 50" in text and "likely between" not in text
    assert "➖ industry level" in text


def test_a_quiet_week_is_short_and_says_so() -> None:
    quiet = _report(
        nps=NpsSummary(0, 0, 0),
        csat=CsatSummary(0, 0, 0),
        satisfied_yes=0,
        satisfied_answers=0,
        funnel=SurveyFunnel(0, 0, 0, 0, 0),
        purchases=EMPTY_STATS,
        alerts=AlertFigures(2, [OpenAlert(1, 3, WEEK.start, "Boris")], 0, None),
    )
    messages = digest_messages(quiet, "en", MOSCOW)
    assert len(messages) == 1
    assert "A quiet period" in messages[0]
    assert "Unhappy customers without a response: 2" in messages[0]
    assert "3/10 — Boris" in messages[0]
    assert "0%" not in messages[0]


def test_customer_text_is_escaped_in_the_digest() -> None:
    evil = Comment(WEEK.start, "</b><script>alert(1)</script> & more", "<i>Eve</i>")
    text = "\n".join(digest_messages(_report(fixes=[evil]), "en", MOSCOW))
    assert "<script>" not in text and "<i>Eve</i>" not in text
    assert "&lt;/b&gt;&lt;script&gt;" in text and "&lt;i&gt;Eve&lt;/i&gt;" in text


def test_long_digests_are_split_between_sections_within_the_limit() -> None:
    comments = [Comment(WEEK.start, "слово " * 80, f"Клиент{i}") for i in range(5)]
    stores = [StoreFigures(f"store-{i:03d}", i, nps=NpsSummary(i, 1, 1)) for i in range(150)]
    messages = digest_messages(
        _report(fixes=comments, upsells=comments, stores=stores), "ru", MOSCOW
    )
    assert len(messages) > 1
    assert all(len(message) <= TELEGRAM_LIMIT for message in messages)
    text = "".join(messages)
    assert "store-149" in text and "store-140" in text and "store-139" not in text
    assert "Ещё 140 магазинов: покупок 9730" in text  # 0 + 1 + … + 139


def test_pack_splits_only_an_oversized_section_and_only_between_lines() -> None:
    assert pack(["a" * 10, "b" * 10, "c" * 10], limit=25) == [
        "a" * 10 + "\n\n" + "b" * 10,
        "c" * 10,
    ]
    assert pack(["x" * 10 + "\n" + "y" * 10 + "\n" + "z" * 10], limit=25) == [
        "x" * 10 + "\n" + "y" * 10,
        "z" * 10,
    ]
    with pytest.raises(ValueError):
        pack(["x" * 30], limit=25)


def test_stats_message_is_one_message_without_comparison() -> None:
    text = stats_message(_report(), "en", MOSCOW, "last 7 days")
    assert text.startswith("📈 <b>Figures: last 7 days</b> · Nov 23\u2009–\u200929, 2026")
    assert "NPS 20" in text and "Change:" not in text
    assert len(text) <= TELEGRAM_LIMIT


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [(12.0, "en", "12"), (12.5, "ru", "12,5"), (-0.04, "en", "0"), (3.25, "en", "3.2")],
)
def test_number(value: float, language: str, expected: str) -> None:
    assert number(value, language) == expected


def test_money_groups_thousands() -> None:
    assert money(123_456_789, "RUB", "en") == "RUB1,234,567.89"
    assert money(1500, "JPY", "ru") == "1\xa0500\xa0¥"


def test_day_span_uses_local_days_with_their_years() -> None:
    assert day_span(WEEK, MOSCOW, "ru") == "23—29 нояб. 2026\u202fг."
    assert day_span(WEEK, MOSCOW, "en") == "Nov 23\u2009–\u200929, 2026"
    one_day = Period.ending(WEEK.end, timedelta(days=1))
    assert day_span(one_day, MOSCOW, "en") == "Nov 29, 2026"
    since_1997 = Period(datetime(1996, 12, 31, 21, 0, tzinfo=UTC), WEEK.end)
    assert day_span(since_1997, MOSCOW, "ru") == "1 янв. 1997\u202fг. — 29 нояб. 2026\u202fг."


def _previous(**changes: object) -> Report:
    figures: dict[str, object] = {
        "period": WEEK.previous(),
        "csat": summarize_csat([5, 5, 5, 4, 3, 2]),
        "satisfied_yes": 5,
        "satisfied_answers": 10,
        "funnel": SurveyFunnel(sent=20, started=8, nps_answered=8, completed=6, commented=2),
        "purchases": PurchaseStats(10, 10, 0, 1_000_000, 10),
        "year_purchases": PurchaseStats(380, 100, 55, 36_000_000, 380),
        "year_retention": Retention(at_start=80, at_end=84, new=28),
    }
    figures.update(changes)
    return _report(**figures)


def test_every_digest_figure_shows_its_change_against_the_period_before() -> None:
    text = "\n".join(digest_messages(_report(previous=_previous()), "en", MOSCOW))
    assert "answered: 10 (50%) (+10 pp against the period before)" in text  # 8 of 20 before
    assert "<b>CSAT 3.67</b> / 5 (-0.33 against the period before)" in text  # 4.00 before
    assert "(7 of 10) (+20 pp against the period before)" in text  # 70% against 50%
    assert "new among them: 6 (+2 against the period before)" in text  # 12 purchases against 10
    assert "RUB1,004.17 (+RUB4.17 against the period before)" in text
    assert "(likely 6–51%) (+20 pp against the period before)" in text  # repeat 20% against 0
    assert "frequency: 1.2 (+0.2 against the period before)" in text
    # retention 75% against (84 − 28) / 80 = 70%; 4 purchases a year against 3.8
    assert "Retention 75% (+5 pp against the period before)" in text
    assert "Purchases per customer per year: 4 (+0.2 against the period before)." in text
    assert "at most 10) (+RUB4,000.00 against the period before)" in text


def test_without_the_period_before_no_change_is_invented() -> None:
    text = "\n".join(digest_messages(_report(), "en", MOSCOW))
    assert "against the period before" not in text


def test_every_rate_says_too_few_below_five() -> None:
    few = _report(
        csat=summarize_csat([5, 1, 4]),
        satisfied_yes=2,
        satisfied_answers=3,
        purchases=PurchaseStats(5, 4, 1, 500_000, 5),
        year_retention=Retention(at_start=3, at_end=4, new=2),
        stores=[
            StoreFigures("Main", 4, nps=NpsSummary(2, 0, 1), csat=summarize_csat([5, 4])),
            StoreFigures(
                "Mall", 40, 4_000_000, 40, NpsSummary(6, 2, 2), summarize_csat([5] * 6 + [4] * 4)
            ),
        ],
    )
    text = "\n".join(digest_messages(few, "en", MOSCOW))
    assert "CSAT: too few answers to judge (3)." in text and "CSAT 3.33" not in text
    assert "100% satisfied: too few to judge (2 of 3)" in text
    assert "Repeat purchase rate: too few to judge" in text
    assert "Retention: too few customers to judge (3)." in text and "Retention 1" not in text
    assert "Main: purchases 4 · average check — · NPS too few answers (answers: 3)" in text
    assert "(answers: 3) · CSAT too few answers" in text
    # ten answers, NPS 40: a range the true score is likely in
    assert (
        "Mall: purchases 40 · average check RUB1,000.00 · NPS 40 (likely from -5 to 85)"
        " (answers: 10) · CSAT 4.6"
    ) in text


def test_the_digest_lists_the_busiest_stores_and_the_rest_as_others() -> None:
    stores = [
        StoreFigures(f"Shop {i}", 100 - i, (100 - i) * 1000, 100 - i, NpsSummary(3, 1, 1))
        for i in range(12)
    ]
    text = "\n".join(digest_messages(_report(stores=stores), "en", MOSCOW))
    assert text.index("Shop 0:") < text.index("Shop 9:")  # the busiest first
    assert "Shop 10" not in text and "Shop 11" not in text
    # 90 + 89 purchases, all at 10.00, NPS of 6 + 2 + 2 answers together
    assert "2 other stores: purchases 179 · average check RUB10.00 · NPS 40" in text
    eleven = "\n".join(digest_messages(_report(stores=stores[:11]), "en", MOSCOW))
    assert "Shop 10:" in eleven and "Others" not in eleven  # one store is not "others"


def test_a_young_business_sees_loyalty_over_the_span_it_has() -> None:
    span = Period.ending(WEEK.end, timedelta(days=94))
    young = _report(loyalty=span, retention_span=Period.ending(WEEK.end, timedelta(days=47)))
    text = "\n".join(digest_messages(young, "en", MOSCOW))
    assert (
        "<i>Over 94 days, the whole history of purchases</i>" in text
        and "Last 365 days" not in text
    )
    assert "Retention 75% over the second half of the span" in text
    # 400 purchases by 100 customers in 94 days: 15.5 a year
    assert "Purchases per customer per year: 15.5." in text
    # 75% kept over 47 days: 0.75^(365/47) ≈ 11% kept over a year
    assert "churn 89% a year at that rate" in text


def test_loyalty_waits_for_two_months_of_purchases() -> None:
    young = _report(loyalty=Period.ending(WEEK.end, timedelta(days=40)))
    text = "\n".join(digest_messages(young, "ru", MOSCOW))
    assert "появятся, когда истории покупок будет два месяца (пока — 40 дней)" in text
    assert "Удержание 7" not in text and "LTV (сколько" not in text
