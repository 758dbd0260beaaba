import json
import logging
import sys
from collections.abc import Iterator

import pytest

from core.logs import JsonFormatter, OneLineFormatter, configure_logging


def _record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord("bot.test", logging.ERROR, __file__, 1, message, args, exc_info)


def test_text_is_one_line_even_with_a_traceback() -> None:
    line = OneLineFormatter().format(_record("update %s failed at\n%s", 7, "frame", exc=True))
    assert "\n" not in line
    assert " ERROR bot.test: update 7 failed at\\nframe\\nTraceback" in line
    assert line.endswith("ValueError: boom\\nsecond line")


def test_json_is_one_object_per_line() -> None:
    line = JsonFormatter().format(_record("survey %s sent", 12, exc=True))
    assert "\n" not in line
    event = json.loads(line)
    assert (event["level"], event["logger"], event["message"]) == (
        "ERROR",
        "bot.test",
        "survey 12 sent",
    )
    assert event["time"].endswith("Z") and "ValueError: boom" in event["exception"]


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    names = ("apscheduler", "aiogram.event")
    saved = root.handlers[:], root.level, [logging.getLogger(n).level for n in names]
    try:
        yield
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for name, level in zip(names, saved[2], strict=True):
            logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("restored_logging")
def test_info_leaves_out_a_line_per_handled_update_and_debug_shows_it() -> None:
    configure_logging("INFO")
    assert logging.getLogger("bot.survey.conversation").isEnabledFor(logging.INFO)
    assert not logging.getLogger("aiogram.event").isEnabledFor(logging.INFO)
    assert logging.getLogger("aiogram.event").isEnabledFor(logging.WARNING)
    assert not logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.INFO)
    configure_logging("DEBUG")
    assert logging.getLogger("aiogram.event").isEnabledFor(logging.INFO)
    configure_logging("ERROR")
    assert not logging.getLogger("aiogram.event").isEnabledFor(logging.WARNING)
