"""The settings owners may change from the chat (/settings): their names, how each value is
shown, and a copy of the settings with one of them changed, validated by `.env`'s rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from core.durations import format_duration
from core.quiet_hours import OFF
from core.settings import Settings

RUNTIME = (
    "survey_delay",
    "survey_throttle_days",
    "survey_max_age",
    "quiet_hours",
    "reminder_after",
    "survey_expires_after",
    "digest_schedule",
    "timezone",
    "send_rate",
)
"""The settings /settings may change, in the order it lists them."""


class SettingError(ValueError):
    """A value the setting does not accept; the message says why in one line."""


def runtime_name(text: str) -> str | None:
    """`survey_delay` from `survey_delay`, `SURVEY_DELAY` or `survey-delay`; None if unknown."""
    name = text.strip().lower().replace("-", "_")
    return name if name in RUNTIME else None


def shown(settings: Settings, name: str) -> str:
    """A setting's value as an owner writes it (`2h`, `21:00-09:00`, `25`)."""
    value: Any = getattr(settings, name)
    if value is None:
        return OFF  # a duration that is off (survey_max_age)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, float):
        return repr(value).removesuffix(".0")  # every digit: the stored value is the one in force
    return str(value)


def with_setting(settings: Settings, name: str, value: Any) -> Settings:
    """`settings` with one field replaced, validated by the same rules as `.env`."""
    values = settings.model_dump()
    values[name] = value
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        reasons = [str(item["msg"]).removeprefix("Value error, ") for item in error.errors()]
        raise SettingError("; ".join(reasons)) from None
