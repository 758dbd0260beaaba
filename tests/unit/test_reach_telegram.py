"""What an owner reads when Telegram cannot be reached, and what PROXY_URL accepts."""

from __future__ import annotations

import logging

import pytest

from bot.process.reach_telegram import OneLinePerOutage, Route, cause_of, unreachable_line
from core.settings import ConfigError, load_settings, redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("socks5h://shop:pa55@proxy.example:1080", "socks5h://***@proxy.example:1080"),
        ("http://proxy.example:3128", "http://proxy.example:3128"),
        ("http://user@proxy:3128/path", "http://***@proxy:3128/path"),
    ],
)
def test_proxy_credentials_never_show(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    settings = load_settings(proxy_url=url, _env_file=None)
    assert settings.proxy_shown == shown
    assert "pa55" not in repr(settings)


def test_socks5h_reaches_aiogram_as_socks5_with_names_resolved_by_the_proxy() -> None:
    settings = load_settings(proxy_url="socks5h://a:b@h:1080", _env_file=None)
    assert settings.proxy == "socks5://a:b@h:1080"
    assert load_settings(_env_file=None).proxy is None


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://u:secret@h:21", "'ftp://***@h:21' is not an http://, socks5:// or socks5h://"),
        ("socks5://u:secret@h", "'socks5://***@h' has no host:port"),
        ("socks5://u:secret@h:99999", "'socks5://***@h:99999' is not a URL"),
    ],
)
def test_a_bad_proxy_url_is_named_without_its_password(url: str, says: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(proxy_url=url, _env_file=None)
    assert says in str(error.value) and "secret" not in str(error.value)


def test_secrets_are_scrubbed_from_what_an_error_quotes() -> None:
    settings = load_settings(
        bot_token="123:TOKEN-x", proxy_url="http://shop:pa55@h:1", _env_file=None
    )
    said = "POST /bot123:TOKEN-x/getMe via shop:pa55@h"
    assert settings.without_secrets(said) == "POST /bot***/getMe via ***:***@h"


def test_the_cause_of_a_refused_connection() -> None:
    try:
        raise OSError("wrapped") from ConnectionRefusedError(111, "Connection refused")
    except OSError as error:
        assert cause_of(error) == "connection refused"
    line = unreachable_line(Route("https://api.telegram.org", "socks5://***@h:1"), "x", 4)
    assert line == (
        "Telegram cannot be reached at https://api.telegram.org through socks5://***@h:1: x. "
        "Check the network, PROXY_URL and TELEGRAM_API_URL; trying again in 4 s"
    )


def _record(level: int, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("aiogram.dispatcher", level, __file__, 1, msg, args, None)


def test_an_outage_is_one_line_and_its_end_another() -> None:
    logger = logging.getLogger("test.outage")
    logger.setLevel(logging.WARNING)
    outage = OneLinePerOutage(Route("http://api"), lambda text: text.replace("pw", "***"))
    outage.install(logger)
    try:
        assert logger.level == logging.INFO  # aiogram's "back" is INFO
        passed = []
        for _ in range(3):
            failed = _record(logging.ERROR, "Failed to fetch updates - %s: %s", "E", "pw down")
            sleep = _record(logging.WARNING, "Sleep for %f seconds and try again", 1.0)
            passed += [r.getMessage() for r in (failed, sleep) if outage.filter(r)]
        back = _record(logging.INFO, "Connection established (tryings = %d)", 3)
        passed += [back.getMessage()] if outage.filter(back) else []
        assert not outage.filter(_record(logging.INFO, "Start polling"))  # below WARNING
        assert (
            passed[0] == "Telegram cannot be reached at http://api: *** down. Polling keeps trying"
        )
        assert passed[1].startswith("Telegram answers again at http://api after ")
        assert len(passed) == 2
    finally:
        outage.uninstall(logger)
    assert logger.level == logging.WARNING and outage not in logger.filters
