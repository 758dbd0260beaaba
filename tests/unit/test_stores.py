"""One key per store, however a till, a QR code or a CSV file writes its name."""

import pytest

from core.stores import display_name, store_key


@pytest.mark.parametrize(
    "written",
    ["Main Street", "main street", "MAIN  STREET", " main-street ", "main_street", "Main\tStreet"],
)
def test_case_and_separators_are_folded(written: str) -> None:
    assert store_key(written) == "main street"


def test_words_that_differ_stay_apart_until_an_owner_joins_them() -> None:
    assert store_key("Main street") != store_key("main")


def test_russian_names_fold_case_and_yo() -> None:
    assert store_key("Ёлки на Тверской") == store_key("елки НА тверской") == "елки на тверской"


def test_full_width_and_compatibility_forms_are_the_same_letters() -> None:
    assert store_key("ＭＡＩＮ") == "main"


@pytest.mark.parametrize("empty", [None, "", "   ", "-", "__"])
def test_no_name_is_no_store(empty: str | None) -> None:
    assert store_key(empty) is None


def test_a_store_is_shown_as_written_with_its_spaces_tidied() -> None:
    assert display_name("  Main   Street, 12 ") == "Main Street, 12"
