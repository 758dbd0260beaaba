"""Settings read from the environment and `.env`, validated once at start-up."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.alert_rules import DEFAULT as DEFAULT_ALERT_ON
from core.alert_rules import AlertRules, parse_alert_rules
from core.digest_schedule import OFF as DIGEST_OFF
from core.digest_schedule import DigestSchedule, parse_digest_schedule
from core.durations import format_duration, parse_duration
from core.event_endpoints import check_endpoint_url, check_secret
from core.quiet_hours import OFF, QuietHours, parse_quiet_hours
from core.survey_rules import SurveyRules

OFFICIAL_API_URL = "https://api.telegram.org"


DURATION_LIMITS: dict[str, tuple[timedelta, timedelta]] = {
    "survey_delay": (timedelta(0), timedelta(days=365)),
    "dispatch_interval": (timedelta(seconds=1), timedelta(hours=1)),
    "reminder_after": (timedelta(minutes=1), timedelta(days=90)),
    "survey_expires_after": (timedelta(minutes=1), timedelta(days=365)),
    "alert_remind_after": (timedelta(minutes=1), timedelta(days=30)),
    "survey_max_age": (timedelta(hours=1), timedelta(days=3650)),
}
"""The shortest and longest value each duration setting accepts."""


PROXY_SCHEMES = ("http", "socks5", "socks5h")


def check_proxy_url(url: str) -> None:
    """ValueError naming what is wrong with a PROXY_URL, without its credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(f"{redact_url(url)!r} is not a URL such as socks5://host:1080") from None
    if parts.scheme not in PROXY_SCHEMES:
        raise ValueError(
            f"{redact_url(url)!r} is not an http://, socks5:// or socks5h:// proxy address"
        )
    if not parts.hostname or port is None:
        raise ValueError(f"{redact_url(url)!r} has no host:port, such as socks5://host:1080")


def redact_url(url: str) -> str:
    """`url` with any user name and password replaced by ***."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return "***" if "@" in url else url
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}://{authority}{slash}{path}"


def _parse_id_list(value: Any) -> list[int]:
    if value is None or value == "":
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list | tuple | set):
        items = list(value)
    else:
        items = [part for part in str(value).replace(";", ",").split(",")]
    ids: list[int] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        if not text.lstrip("-").isdigit():
            raise ValueError(f"{text!r} is not a Telegram user id (comma-separated numbers)")
        ids.append(int(text))
    return ids


class Settings(BaseSettings):
    """Everything an owner configures. `.env.example` documents each field."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    bot_token: SecretStr = SecretStr("")
    telegram_api_url: str = OFFICIAL_API_URL
    proxy_url: SecretStr = SecretStr("")
    database_path: Path = Path("data/feedback.db")
    owner_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    survey_delay: timedelta = timedelta(hours=2)
    timezone: str = "Europe/Moscow"
    log_level: str = "INFO"
    log_format: str = "text"
    currency: str = "RUB"
    dispatch_interval: timedelta = timedelta(seconds=10)
    survey_throttle_days: int = Field(default=30, ge=0, le=3650)
    survey_max_age: timedelta | None = timedelta(days=3)
    quiet_hours: str = "21:00-09:00"
    reminder_after: timedelta = timedelta(hours=24)
    survey_expires_after: timedelta = timedelta(days=7)
    send_rate: float = Field(default=25.0, ge=0.1, le=30)
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=0, le=65535)
    api_token: SecretStr = SecretStr("")
    qr_secret: SecretStr = SecretStr("")
    digest_schedule: str = "mon 09:00"
    churn_after_days: int = Field(default=180, ge=1, le=3650)
    alert_remind_after: timedelta = timedelta(hours=24)
    alert_on: str = DEFAULT_ALERT_ON
    retention_days: str = "off"
    webhook_url: str = ""
    webhook_secret: SecretStr = SecretStr("")
    webapp_url: str = ""
    health_check: bool = False
    events_url: str = ""
    events_secret: SecretStr = SecretStr("")
    metrics: bool = False
    backup_schedule: str = OFF
    backup_dir: Path = Path("data/backups")
    backup_keep: int = Field(default=7, ge=1, le=1000)

    @field_validator("owner_ids", "admin_ids", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> list[int]:
        return _parse_id_list(value)

    @field_validator(
        "survey_delay",
        "dispatch_interval",
        "reminder_after",
        "survey_expires_after",
        "alert_remind_after",
        mode="before",
    )
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        return parse_duration(value)

    @field_validator("survey_max_age", mode="before")
    @classmethod
    def _duration_or_off(cls, value: Any) -> timedelta | None:
        if value is None or str(value).strip().lower() == OFF:
            return None
        return parse_duration(value)

    @field_validator(*DURATION_LIMITS)
    @classmethod
    def _duration_in_range(cls, value: timedelta | None, info: ValidationInfo) -> timedelta | None:
        shortest, longest = DURATION_LIMITS[str(info.field_name)]
        if value is not None and not shortest <= value <= longest:
            raise ValueError(
                f"must be from {format_duration(shortest)} to {format_duration(longest)}"
            )
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        window = parse_quiet_hours(value)
        return OFF if window is None else str(window)

    @field_validator("alert_on")
    @classmethod
    def _alert_on(cls, value: str) -> str:
        return str(parse_alert_rules(value))

    @field_validator("digest_schedule")
    @classmethod
    def _digest_schedule(cls, value: str) -> str:
        schedule = parse_digest_schedule(value)
        return DIGEST_OFF if schedule is None else str(schedule)

    @field_validator("retention_days")
    @classmethod
    def _retention_days(cls, value: str) -> str:
        text = str(value).strip().lower()
        if text == "off":
            return text
        if not text.isdigit() or not 1 <= int(text) <= 36500:
            raise ValueError(f"{value!r} is not a number of days (1 or more) or off")
        return str(int(text))

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Moscow") from error
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"{value!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        fmt = value.strip().lower()
        if fmt not in ("text", "json"):
            raise ValueError(f"{value!r} is not text or json")
        return fmt

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError(f"{value!r} is not a three-letter ISO 4217 currency code")
        return code

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        url = value.strip()
        if url and not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", url):
            raise ValueError(f"{value!r} is not an https:// URL such as https://bot.example.com/tg")
        return url

    @field_validator("webapp_url")
    @classmethod
    def _webapp_url(cls, value: str) -> str:
        url = value.strip()
        if url and not re.match(r"^https?://[^\s/?#]+", url):
            raise ValueError(f"{value!r} is not an https:// URL such as https://app.example.com")
        return url

    @field_validator("events_url")
    @classmethod
    def _events_url(cls, value: str) -> str:
        return check_endpoint_url(value) if value.strip() else ""

    @field_validator("events_secret")
    @classmethod
    def _events_secret(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value().strip()
        return SecretStr(check_secret(secret) if secret else "")

    @model_validator(mode="after")
    def _events_secret_with_url(self) -> Settings:
        if self.events_url and not self.events_secret.get_secret_value():
            raise ValueError(
                "EVENTS_SECRET is required with EVENTS_URL: whsec_ and 32 random bytes in "
                "base64 (`python -m bot new-secret` prints one)"
            )
        return self

    @field_validator("backup_schedule")
    @classmethod
    def _backup_schedule(cls, value: str) -> str:
        schedule = parse_digest_schedule(value, what="backup schedule")
        return DIGEST_OFF if schedule is None else str(schedule)

    @field_validator("proxy_url")
    @classmethod
    def _proxy_url(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value().strip()
        if url:
            check_proxy_url(url)
        return SecretStr(url)

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value().strip()
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return SecretStr(secret)

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        if not re.match(r"^https?://[^\s/]+", url):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return url

    @property
    def proxy(self) -> str | None:
        """PROXY_URL as aiogram's session takes it (credentials included); None: direct."""
        url = self.proxy_url.get_secret_value()
        if not url:
            return None
        # aiogram has the proxy resolve names in every case (`rdns`), which socks5h names.
        return "socks5://" + url.removeprefix("socks5h://") if url.startswith("socks5h") else url

    @property
    def proxy_shown(self) -> str:
        """PROXY_URL fit for logs and messages: its credentials replaced by ***."""
        return redact_url(self.proxy_url.get_secret_value())

    def without_secrets(self, text: str) -> str:
        """`text` (an error's message) with the token and the proxy's credentials as ***."""
        proxy = urlsplit(self.proxy_url.get_secret_value())
        for secret in (self.bot_token.get_secret_value(), proxy.username, proxy.password):
            if secret and len(secret) > 2:
                text = text.replace(secret, "***")
        return text

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet_window(self) -> QuietHours | None:
        return parse_quiet_hours(self.quiet_hours)

    @property
    def alert_rules(self) -> AlertRules:
        return parse_alert_rules(self.alert_on)

    @property
    def digest(self) -> DigestSchedule | None:
        return parse_digest_schedule(self.digest_schedule)

    @property
    def free_text_kept(self) -> timedelta | None:
        """How long customers' written answers are kept; None: for good."""
        return None if self.retention_days == "off" else timedelta(days=int(self.retention_days))

    @property
    def churn_after(self) -> timedelta:
        return timedelta(days=self.churn_after_days)

    @property
    def survey_throttle(self) -> timedelta | None:
        """No new survey within this long of the customer's last one; None when off."""
        return timedelta(days=self.survey_throttle_days) if self.survey_throttle_days else None

    @property
    def survey_rules(self) -> SurveyRules:
        return SurveyRules(
            delay=self.survey_delay, throttle=self.survey_throttle, max_age=self.survey_max_age
        )

    @property
    def webhook_mode(self) -> bool:
        """Telegram pushes updates to WEBHOOK_URL instead of the bot polling for them."""
        return bool(self.webhook_url)

    @property
    def api_enabled(self) -> bool:
        return bool(self.api_token.get_secret_value().strip())

    @property
    def serves_http(self) -> bool:
        """The HTTP server runs: for the intake API, the webhook, HEALTH_CHECK's /healthz,
        the Mini App (WEBAPP_URL) or METRICS' /metrics."""
        return (
            self.api_enabled
            or self.webhook_mode
            or self.health_check
            or bool(self.webapp_url)
            or self.metrics
        )

    @property
    def backups(self) -> DigestSchedule | None:
        """BACKUP_SCHEDULE: when a checked copy goes to BACKUP_DIR; None: off."""
        return parse_digest_schedule(self.backup_schedule)

    @property
    def has_token(self) -> bool:
        return bool(self.bot_token.get_secret_value().strip())


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


def describe_validation_error(error: ValidationError) -> str:
    """One line naming each bad setting as the owner writes it in `.env`."""
    parts = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]).upper()  # none: settings together
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{name}: {message}" if name else message)
    return "Configuration error: " + "; ".join(parts)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; raise ConfigError with one clear line if any is wrong."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error)) from None


def require_token(settings: Settings) -> str:
    if not settings.has_token:
        raise ConfigError(
            "Configuration error: BOT_TOKEN is not set (get one from @BotFather and put it in .env)"
        )
    token = settings.bot_token.get_secret_value().strip()
    if not re.fullmatch(r"\d+:[\w-]+", token):
        raise ConfigError("Configuration error: BOT_TOKEN does not look like 123456:ABC-token")
    return token
