import string
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from bot.texts import LANGUAGES, catalogue, catalogue_path, language_for, t


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
