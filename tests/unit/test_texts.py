import re
import string
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.pofile import read_po

from bot.texts import LANGUAGES, catalogue, catalogue_path, forms, language_for, plural_forms, t


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


ENGLISH_KEYS = sorted(catalogue("en"))


def test_every_key_exists_in_both_languages() -> None:
    assert set(catalogue("en")) == set(catalogue("ru"))
    assert len(ENGLISH_KEYS) > 100  # the catalogues were read, not found empty


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_fuzzy_untranslated_or_repeated_entries(language: str) -> None:
    with catalogue_path(language).open("rb") as file:
        po = read_po(file, locale=language)
    entries = [message for message in po if message.id]
    assert [m.id for m in entries if m.fuzzy or not m.string] == []
    with catalogue_path(language).open(encoding="utf-8") as file:
        ids = [line for line in file if line.startswith("msgid ")]
    assert len(ids) == len(set(ids)) == len(entries) + 1  # + the header


@pytest.mark.parametrize("key", ENGLISH_KEYS)
def test_placeholders_match(key: str) -> None:
    assert _fields(catalogue("en")[key]) == _fields(catalogue("ru")[key])


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("ru", "ru"),
        ("uk", "ru"),
        ("be", "ru"),
        ("kk", "ru"),
        ("ru-RU", "ru"),
        ("en", "en"),
        ("de", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_language_for(code: str | None, language: str) -> None:
    assert language_for(code) == language


def test_values_are_html_escaped() -> None:
    assert t("en", "welcome_back", name="<b>Eve</b> & co").startswith(
        "Welcome back, &lt;b&gt;Eve&lt;/b&gt; &amp; co!"
    )


def test_russian_comes_from_its_own_catalogue() -> None:
    assert t("ru", "btn_yes") == "Да"
    assert t("de", "btn_yes") == "Yes"  # an unknown language falls back to English


TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
TELEGRAM_TAGS |= {"tg-spoiler", "tg-emoji", "blockquote", "span"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.unknown: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.unknown.append(tag)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_html_telegram_accepts(language: str) -> None:
    """A `<name>` written in a usage line is a tag to Telegram, which refuses the message."""
    unknown = {}
    for key, template in catalogue(language).items():
        parser = _Tags()
        parser.feed(template)
        if parser.unknown:
            unknown[key] = parser.unknown
    assert unknown == {}


# --- texts with a count -----------------------------------------------------------------

COUNTS = (0, 1, 2, 5, 11, 21, 22, 25, 101, 111)
PLURAL_KEYS = sorted(plural_forms("en"))
CLDR_ORDER = {"ru": ("one", "few", "many"), "en": ("one", "other")}
"""The gettext forms of each catalogue, in the order of its Plural-Forms rule."""


def test_the_same_texts_have_a_count_in_both_languages() -> None:
    assert set(plural_forms("en")) == set(plural_forms("ru"))
    assert len(PLURAL_KEYS) >= 10
    assert not set(plural_forms("en")) & set(catalogue("en"))


@pytest.mark.parametrize("key", PLURAL_KEYS)
def test_every_form_has_the_placeholders_of_the_others(key: str) -> None:
    fields = {frozenset(_fields(form)) for language in LANGUAGES for form in forms(language, key)}
    assert len(fields) == 1 and "count" in next(iter(fields))
    assert len(forms("ru", key)) == 3 and len(forms("en", key)) == 2


@pytest.mark.parametrize("key", PLURAL_KEYS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_count_gets_the_form_of_its_languages_plural_rule(key: str, language: str) -> None:
    """gettext chooses by the catalogue's Plural-Forms; Babel's CLDR rules say which form
    each count takes in the language: the two must agree for every count."""
    rule = Locale.parse(language).plural_form
    values = {name: "X" for name in _fields(forms(language, key)[0]) if name != "count"}
    for count in COUNTS:
        expected = forms(language, key)[CLDR_ORDER[language].index(rule(count))]
        rendered = t(language, key, count=count, **values)
        assert rendered == expected.format(count=count, **values), (key, count)


@pytest.mark.parametrize("language", LANGUAGES)
def test_counts_are_written_as_the_language_writes_numbers(language: str) -> None:
    rendered = t(language, "n_purchases", count=1500)
    assert rendered == {"ru": "1\xa0500 покупок", "en": "1,500 purchases"}[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_form_is_html_telegram_accepts(language: str) -> None:
    for key in PLURAL_KEYS:
        for form in forms(language, key):
            parser = _Tags()
            parser.feed(form)
            assert parser.unknown == [], key


# --- no English in a Russian message --------------------------------------------------------

KNOWN_LEAKS = re.compile(
    r"\b(MB|MiB|KB|min|h|hours?|days?|pts|pp|link|contact|text|answers?|customers?|"
    r"purchases?|stores?|words?)\b"
)


@pytest.mark.parametrize("key", sorted({*catalogue("ru"), *plural_forms("ru")}))
def test_no_russian_text_carries_a_known_english_leak(key: str) -> None:
    for form in forms("ru", key):
        # what is not prose: code spans (a field's name), markup, values, commands
        words = re.sub(r"<code>.*?</code>|<[^>]+>|\{\w+\}|/\w+|&\w+;", " ", form)
        assert not KNOWN_LEAKS.search(words), (key, form)


def test_values_a_russian_message_is_filled_with_are_russian() -> None:
    from datetime import timedelta

    from bot.formats import file_size, money, number, percent, span
    from bot.texts import from_now

    shown = [
        money(150050, "RUB", "ru"),
        file_size(6_400_000, "ru"),
        span(timedelta(hours=2), "ru"),
        from_now(timedelta(hours=2), "ru"),
        from_now(timedelta(0), "ru"),
        percent(49.6, "ru"),
        number(1500.5, "ru"),
    ]
    assert shown == [
        "1\xa0500,50\xa0₽",
        "6,1 МБ",
        "2 часа",
        "через 2 часа",
        "сразу",
        "50\xa0%",
        "1\xa0500,5",
    ]
    assert not any(re.search("[A-Za-z]", value) for value in shown)


def test_the_backup_caption_says_to_restore_as_the_readme_does() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "python -m bot restore" in readme
    for language in LANGUAGES:
        caption = catalogue(language)["backup_caption"]
        assert "python -m bot restore" in caption and "DATABASE_PATH" not in caption
