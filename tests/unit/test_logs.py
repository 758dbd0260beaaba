import json
import logging
import sys

from bot.logs import JsonFormatter, OneLineFormatter


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
