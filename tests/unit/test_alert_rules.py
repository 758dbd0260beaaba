"""ALERT_ON: which answers raise an alert for the owners."""

from __future__ import annotations

import pytest

from core.alert_rules import DEFAULT, AlertRules, parse_alert_rules


def test_the_default_alerts_on_detractors_and_low_satisfaction() -> None:
    rules = parse_alert_rules(DEFAULT)
    assert [rules.raises("nps", score) for score in (6, 7)] == [True, False]
    assert [rules.raises("csat", score) for score in (2, 3)] == [True, False]
    assert not rules.raises("sat", None) and not rules.raises("nps", None)


@pytest.mark.parametrize(
    ("text", "shown"),
    [("nps<=6,csat<=2", "nps<=6,csat<=2"), (" CSAT <= 1 ", "csat<=1"), ("off", "off")],
)
def test_rules_read_and_write_back(text: str, shown: str) -> None:
    assert str(parse_alert_rules(text)) == shown


def test_off_raises_nothing() -> None:
    assert parse_alert_rules("off") == AlertRules()
    assert not parse_alert_rules("off").raises("nps", 0)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("nps<6", "cannot read"),
        ("csat<=7", "1 to 5"),
        ("nps<=11", "0 to 10"),
        ("nps<=6,nps<=5", "twice"),
        ("ces<=2", "cannot read"),
    ],
)
def test_a_wrong_rule_is_refused_saying_why(text: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        parse_alert_rules(text)
