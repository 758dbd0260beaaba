"""`python -m analytics.chart_worker`: the weekly chart as PNG on stdout, for the language and
weeks given as JSON on stdin. The bot draws its charts in this short-lived process
(bot/reports/chart_process.py says why)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import date
from typing import Any

from analytics.chart import WeekPoint, import_matplotlib, render_weekly_chart


def request(weeks: list[WeekPoint], language: str) -> bytes:
    """What the worker reads on stdin."""
    encoded = [{**asdict(week), "week_start": week.week_start.isoformat()} for week in weeks]
    return json.dumps({"language": language, "weeks": encoded}).encode()


def _weeks(raw: list[dict[str, Any]]) -> list[WeekPoint]:
    return [
        WeekPoint(**{**week, "week_start": date.fromisoformat(week["week_start"])}) for week in raw
    ]


def main() -> None:
    import_matplotlib()  # first: the bot starts this process before it knows the weeks
    asked = json.load(sys.stdin.buffer)
    sys.stdout.buffer.write(render_weekly_chart(_weeks(asked["weeks"]), asked["language"]))


if __name__ == "__main__":
    main()
