import string

import pytest

from bot.texts import TEXTS, language_for, t


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_exists_in_both_languages() -> None:
    assert set(TEXTS["en"]) == set(TEXTS["ru"])


@pytest.mark.parametrize("key", sorted(TEXTS["en"]))
def test_placeholders_match(key: str) -> None:
    assert _fields(TEXTS["en"][key]) == _fields(TEXTS["ru"][key])


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
