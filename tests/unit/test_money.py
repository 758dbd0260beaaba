import pytest

from intake.money import AmountError, parse_amount


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1500", "RUB", 150000),
        ("1500.50", "RUB", 150050),
        ("1500,5", "RUB", 150050),
        ("0.01", "USD", 1),
        ("1 500", "RUB", 150000),
        ("300", "JPY", 300),
    ],
)
def test_parse_amount(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("0", "RUB"),
        ("-5", "RUB"),
        ("abc", "RUB"),
        ("1e5", "RUB"),
        ("1.005", "RUB"),
        ("", "RUB"),
        ("1.5", "JPY"),
        ("99999999999999999", "RUB"),
        ("NaN", "RUB"),
    ],
)
def test_parse_amount_refuses(text: str, currency: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text, currency)
