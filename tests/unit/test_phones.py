import pytest

from core.phones import normalize_phone


@pytest.mark.parametrize(
    "text",
    ["+7 900 123-45-67", "8 (900) 123-45-67", "79001234567", "+79001234567", "9001234567"],
)
def test_russian_numbers_in_every_usual_spelling(text: str) -> None:
    assert normalize_phone(text) == "+79001234567"


def test_foreign_number_keeps_its_country() -> None:
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize("text", ["", "abc", "123", "+7 900", "+7 900 123 45 67 89 00"])
def test_garbage_is_not_a_phone(text: str) -> None:
    assert normalize_phone(text) is None
