"""Reading the themes of written answers: forms, stems, negations, typos, two languages."""

from __future__ import annotations

import pytest

from analytics.theme_defaults import DEFAULT_THEMES
from analytics.themes import Normaliser, Theme, ThemeMatcher
from bench.themes import LANGUAGES, labelled, macro_f1, score


@pytest.fixture(scope="module")
def normaliser() -> Normaliser:
    return Normaliser()


@pytest.fixture(scope="module")
def defaults(normaliser: Normaliser) -> ThemeMatcher:
    return ThemeMatcher(DEFAULT_THEMES, normaliser)


def _themes(matcher: ThemeMatcher, text: str) -> tuple[str, ...]:
    return matcher.topics(text).themes


@pytest.mark.parametrize(
    ("text", "themes"),
    [
        ("Доставкой недоволен", ("delivery",)),  # any case of the word
        ("курьерша опоздала", ("delivery",)),  # a stem
        ("скидок никаких", ("price",)),  # the stem of the dictionary form
        ("офицант нахамил", ("staff",)),  # a typo, and a stem
        ("delivry was late again", ("delivery",)),
        ("доставка slow и курьер грубый", ("delivery", "staff", "waiting")),  # mixed languages
        ("всё не вкусно", ("quality",)),  # "не вкусно" is "невкусно"
        ("не дорого, но невкусно", ("quality",)),  # not about price
        ("the latte was not fresh", ("quality",)),
        ("not expensive at all", ()),
        ("не довезли половину", ("delivery",)),  # a verb keeps its own meaning
        ("more baristas so we dont wait", ("staff", "waiting")),
        ("нужен пункт выдачи рядом", ("delivery",)),  # two words
        ("ботинки на зиму", ()),  # "бот" is a word, not a stem
    ],
)
def test_default_themes_read_answers(defaults: ThemeMatcher, text: str, themes: tuple) -> None:
    assert _themes(defaults, text) == themes


def test_an_answer_in_no_theme_keeps_its_telling_words(defaults: ThemeMatcher) -> None:
    topics = defaults.topics("Негде поставить машину, парковки нет совсем")
    assert topics.themes == ()
    assert "парковка" in topics.words and "машина" in topics.words
    assert "нет" not in topics.words and "негде" not in topics.words  # say nothing alone
    assert defaults.topics("парковка маленькая").words[0] == "парковка"
    assert defaults.topics("доставка").words == ()  # an answer in a theme keeps none


def test_words_that_say_nothing_name_no_group(defaults: ThemeMatcher) -> None:
    assert defaults.topics("всё очень хорошо, спасибо").words == ()
    assert defaults.topics("it was all good thanks").words == ()


def test_an_owners_theme_reads_any_form_of_its_words(normaliser: Normaliser) -> None:
    parking = Theme("parking", {"ru": "Парковка", "en": "Parking"}, ("парковкой", "parking lot"))
    matcher = ThemeMatcher((*DEFAULT_THEMES, parking), normaliser)
    assert _themes(matcher, "парковки нет") == ("parking",)
    assert _themes(matcher, "the parking lots are full") == ("parking",)


def test_themes_come_in_dictionary_order(normaliser: Normaliser) -> None:
    first = Theme("a", {"ru": "A", "en": "A"}, ("кофе",))
    second = Theme("b", {"ru": "B", "en": "B"}, ("чай",))
    assert ThemeMatcher((second, first), normaliser).topics("чай и кофе").themes == ("b", "a")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_defaults_read_the_labelled_answers_well(defaults: ThemeMatcher, language: str) -> None:
    """bench/themes.py prints the details; docs/metrics.md has the figures."""
    assert macro_f1(score(defaults, labelled(language))) >= 0.85
