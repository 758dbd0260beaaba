"""The dashboard's trend: NPS and CSAT a week, drawn on the server as SVG.

Drawn in the page's own colours: the lines and texts carry classes the page's CSS colours
from Telegram's theme, so one drawing reads on a light and a dark theme. A week without
answers is a gap in the line, one with too few answers a hollow dot (as on the digest's
chart, analytics/chart.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from babel.dates import format_date

from analytics.chart import WeekPoint

WIDTH, HEIGHT = 360, 200
"""A phone's width in CSS pixels: the texts are drawn at the size they are read."""
LEFT, RIGHT, TOP, BOTTOM = 32, 20, 10, 22
NPS_TICKS = (-100, -50, 0, 50, 100)
CSAT_TICKS = (1, 2, 3, 4, 5)
INDUSTRY_NPS = (30, 50)
LABELS = 5
"""Week labels under the axis: a phone has room for about five."""


def _x(index: int, count: int) -> float:
    inner = WIDTH - LEFT - RIGHT
    return LEFT + (inner * index / (count - 1) if count > 1 else inner / 2)


def _y_nps(value: float) -> float:
    return TOP + (100 - value) / 200 * (HEIGHT - TOP - BOTTOM)


def _y_csat(value: float) -> float:
    return TOP + (5 - value) / 4 * (HEIGHT - TOP - BOTTOM)


def _runs(values: Sequence[float | None], y: Callable[[float], float]) -> list[str]:
    """A polyline's points for each run of weeks that have a value."""
    runs: list[str] = []
    current: list[str] = []
    for index, value in enumerate(values):
        if value is None:
            if current:
                runs.append(" ".join(current))
            current = []
            continue
        current.append(f"{_x(index, len(values)):.1f},{y(value):.1f}")
    if current:
        runs.append(" ".join(current))
    return runs


def trend_svg(points: Sequence[WeekPoint], language: str, title: str) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="trend" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    low, high = INDUSTRY_NPS
    parts.append(
        f'<rect class="band" x="{LEFT}" y="{_y_nps(high):.1f}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{_y_nps(low) - _y_nps(high):.1f}"/>'
    )
    for tick in NPS_TICKS:
        y = _y_nps(tick)
        parts.append(
            f'<line class="grid{" zero" if tick == 0 else ""}" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis nps-axis" x="{LEFT - 4}" y="{y + 3.5:.1f}" '
            f'text-anchor="end">{tick}</text>'
        )
    for tick in CSAT_TICKS:
        parts.append(
            f'<text class="axis csat-axis" x="{WIDTH - RIGHT + 5}" y="{_y_csat(tick) + 3.5:.1f}">'
            f"{tick}</text>"
        )
    count = len(points)
    step = max(1, -(-count // LABELS))
    for index in range(count - 1, -1, -step):  # the newest week always labelled
        label = format_date(points[index].week_start, "d MMM", locale=language)
        parts.append(
            f'<text class="axis" x="{_x(index, count):.1f}" y="{HEIGHT - 6}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for run in _runs([p.csat_average for p in points], _y_csat):
        parts.append(f'<polyline class="csat-line" points="{run}"/>')
    for run in _runs([p.nps for p in points], _y_nps):
        parts.append(f'<polyline class="nps-line" points="{run}"/>')
    for index, point in enumerate(points):
        if point.nps is None:
            continue
        kind = "dot few" if point.too_few else "dot"
        parts.append(
            f'<circle class="{kind}" cx="{_x(index, count):.1f}" cy="{_y_nps(point.nps):.1f}" '
            f'r="3"><title>{point.week_start.isoformat()}: NPS {point.nps:.0f}, '
            f"n={point.total}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
