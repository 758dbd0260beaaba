"""Logging set-up: one line per event, as text or JSON (LOG_FORMAT), at LOG_LEVEL.

A multi-line message or a traceback is folded into its event's line (line breaks written
as `\\n`), so `grep`, journald and log shippers see one event per line. What is logged is
ids and counts: personal data (names, phones, written answers) only ever at DEBUG.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime

TEXT = "text"
JSON = "json"


def _time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = f"{_time(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text.replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False)


def configure_logging(level: str, log_format: str = TEXT) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == JSON else OneLineFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    threshold = logging.getLevelName(level)
    # APScheduler reports every run of every job at INFO: noise, not events.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, threshold))
    # aiogram reports every update it handled at INFO, one line per customer's tap: at
    # hundreds a second a cost, and our own lines say what happened. Shown at DEBUG.
    logging.getLogger("aiogram.event").setLevel(
        max(logging.WARNING, threshold) if threshold > logging.DEBUG else logging.DEBUG
    )


def log_failure(logger: logging.Logger, error: BaseException, what: str, *args: object) -> None:
    """Log that `what % args` failed with `error`: at ERROR its type and where it happened;
    its message, which may quote what a person wrote, and the traceback only at DEBUG."""
    logger.error(
        f"{what} failed with %s at\n%s",
        *args,
        type(error).__name__,
        "".join(traceback.format_tb(error.__traceback__)).rstrip(),
    )
    logger.debug(f"{what} failure details", *args, exc_info=error)
