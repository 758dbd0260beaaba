"""Answers read for their themes in a child process: the same topics as in this one."""

from __future__ import annotations

import pytest

from analytics.theme_defaults import DEFAULT_THEMES
from analytics.themes import Normaliser, ThemeMatcher
from bot.process import theme_process
from bot.process.theme_process import ThemeReadingError, read_in_child

ANSWERS = [
    (1, "курьер опоздал на час"),
    (2, "Доставка долгая"),
    (3, "the staff were rude"),
    (4, "парковки нет"),
]


async def test_the_child_reads_what_this_process_would() -> None:
    matcher = ThemeMatcher(DEFAULT_THEMES, Normaliser())
    expected = [(answer_id, matcher.topics(text)) for answer_id, text in ANSWERS]
    assert await read_in_child(DEFAULT_THEMES, ANSWERS) == expected
    assert expected[0][1].themes == ("delivery",)


async def test_a_failing_child_is_an_error_not_a_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(theme_process, "WORKER", ("-c", "raise SystemExit(3)"))
    with pytest.raises(ThemeReadingError, match="exited with 3"):
        await read_in_child(DEFAULT_THEMES, ANSWERS)
