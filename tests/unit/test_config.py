from datetime import timedelta

import pytest

from core.durations import format_duration, parse_duration
from core.settings import ConfigError, load_settings, require_token


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", timedelta(0)),
        ("45", timedelta(seconds=45)),
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        (" 3H ", timedelta(hours=3)),
    ],
)
def test_parse_duration_accepts_the_documented_forms(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "-5", "2 hours", "1.5h", "h", "5w", "1h30m"])
def test_parse_duration_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("duration", "text"),
    [(timedelta(0), "0s"), (timedelta(hours=2), "2h"), (timedelta(minutes=90), "90m")],
)
def test_format_duration_round_trips(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text
    assert parse_duration(text) == duration


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    for name in ("BOT_TOKEN", "OWNER_IDS", "ADMIN_IDS", "SURVEY_DELAY", "TIMEZONE", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.survey_delay == timedelta(hours=2)
    assert settings.timezone == "Europe/Moscow"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert str(settings.database_path) == "data/feedback.db"
    assert settings.owner_ids == [] and settings.admin_ids == []


def test_reads_environment_and_comma_separated_ids(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("OWNER_IDS", "1, 2")
    clean_env.setenv("ADMIN_IDS", "3")
    clean_env.setenv("SURVEY_DELAY", "15m")
    settings = load_settings()
    assert settings.owner_ids == [1, 2]
    assert settings.admin_ids == [3]
    assert settings.survey_delay == timedelta(minutes=15)


def test_reads_dotenv_file(clean_env: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / ".env").write_text("SURVEY_DELAY=1d\nTIMEZONE=Asia/Almaty\n", encoding="utf-8")
    settings = load_settings()
    assert settings.survey_delay == timedelta(days=1)
    assert settings.timezone == "Asia/Almaty"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OWNER_IDS", "12,abc"),
        ("SURVEY_DELAY", "soon"),
        ("TIMEZONE", "Mars/Olympus"),
        ("LOG_LEVEL", "LOUD"),
        ("TELEGRAM_API_URL", "not a url"),
        ("SURVEY_DELAY", "366d"),
        ("SURVEY_DELAY", "99999999999d"),
        ("SURVEY_EXPIRES_AFTER", "0"),
        ("SURVEY_EXPIRES_AFTER", "3000000d"),
        ("REMINDER_AFTER", "91d"),
        ("ALERT_REMIND_AFTER", "0"),
        ("DISPATCH_INTERVAL", "0"),
        ("SEND_RATE", "0.0001"),
        ("SEND_RATE", "31"),
        ("WEBHOOK_URL", "bot.example.com"),
        ("WEBHOOK_SECRET", "has spaces"),
    ],
)
def test_malformed_setting_is_one_line_naming_it(
    clean_env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("Configuration error: ")
    assert name in message


def test_missing_token_is_named(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="BOT_TOKEN is not set"):
        require_token(load_settings())
    clean_env.setenv("BOT_TOKEN", "nonsense")
    with pytest.raises(ConfigError, match="BOT_TOKEN does not look like"):
        require_token(load_settings())
    clean_env.setenv("BOT_TOKEN", "123:abc-DEF_1")
    assert require_token(load_settings()) == "123:abc-DEF_1"


def test_env_example_lists_every_setting_with_a_comment() -> None:
    from pathlib import Path

    from core.settings import Settings

    lines = (Path(__file__).parents[2] / ".env.example").read_text(encoding="utf-8").splitlines()
    listed = [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]
    assert sorted(listed) == sorted(name.upper() for name in Settings.model_fields)
    for index, line in enumerate(lines):
        if line and not line.startswith("#"):
            assert lines[index - 1].startswith("#"), f"{line} has no comment above it"


@pytest.mark.parametrize(
    ("environment", "serves"),
    [
        ({}, False),
        ({"HEALTH_CHECK": "on"}, True),
        ({"HEALTH_CHECK": "off", "API_TOKEN": "t"}, True),
        ({"HEALTH_CHECK": "off", "WEBHOOK_URL": "https://bot.example.com/hook"}, True),
    ],
)
def test_the_http_server_runs_for_the_api_the_webhook_or_health_check(
    clean_env: pytest.MonkeyPatch, environment: dict[str, str], serves: bool
) -> None:
    for name in ("HEALTH_CHECK", "API_TOKEN", "WEBHOOK_URL"):
        clean_env.delenv(name, raising=False)
    for name, value in environment.items():
        clean_env.setenv(name, value)
    assert load_settings().serves_http is serves
