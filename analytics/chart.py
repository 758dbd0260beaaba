"""The weekly digest picture: NPS and CSAT per week above the promoter/passive/detractor mix.

Built on a bare `Figure` with the Agg canvas, never pyplot: pyplot keeps global state and is
not thread-safe, and the bot renders from `asyncio.to_thread`. Sized for a phone (1000×900 px
at 200 dpi, so text stays legible when the picture is shown ~400 points wide).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final

from analytics.survey_metrics import MIN_SAMPLE

if TYPE_CHECKING:  # matplotlib (with numpy) is heavy to import, in memory and in time:
    # it is loaded when the first chart is drawn, not when the bot starts.
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Every text on the picture, per language; any language but Russian gets English.
LABELS: Final[dict[str, dict[str, str]]] = {
    "ru": {
        "title": "NPS и CSAT по неделям",
        "nps": "NPS",
        "csat": "CSAT (1–5)",
        "band": "типичный NPS 30–50",
        "aim": "цель 50",
        "mix_title": "Доля ответов, %",
        "promoters": "промоутеры",
        "passives": "нейтралы",
        "detractors": "критики",
        "answers": "n={n}",
        "few": "n<{min}: мало",
        "no_data": "Пока нет данных:\nответы появятся здесь после первых опросов",
    },
    "en": {
        "title": "NPS and CSAT by week",
        "nps": "NPS",
        "csat": "CSAT (1–5)",
        "band": "typical NPS 30–50",
        "aim": "aim 50",
        "mix_title": "Answers, %",
        "promoters": "promoters",
        "passives": "passives",
        "detractors": "detractors",
        "answers": "n={n}",
        "few": "n<{min}: too few",
        "no_data": "No data yet:\nanswers will appear here after the first surveys",
    },
}

# Fixed English month names: strftime("%b") would follow the process locale.
_MONTHS_EN: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

_SIZE_INCHES: Final = (5.0, 4.5)
_DPI: Final = 200
# Where the two plots sit, as fractions of the picture: the margins matplotlib's constrained
# layout finds for this size and these texts (tick labels, two-line week labels, the
# legends above each plot), kept fixed because finding them took a third of the drawing.
# test_chart.py checks that every text stays inside the picture and off the other plot.
_MARGINS: Final = {"left": 0.113, "right": 0.927, "bottom": 0.083, "top": 0.912, "hspace": 0.256}
_NPS_COLOUR: Final = "#1f5fa8"
_CSAT_COLOUR: Final = "#e08a00"
_BAND_COLOUR: Final = "#2e9e4f"
_PROMOTER_COLOUR: Final = "#2e9e4f"
_PASSIVE_COLOUR: Final = "#a6a6a6"
_DETRACTOR_COLOUR: Final = "#d03b3b"
_SMALL: Final = 7.0
_FEW_HATCH: Final = "////"
_MIX: Final = (
    ("promoters", _PROMOTER_COLOUR),
    ("passives", _PASSIVE_COLOUR),
    ("detractors", _DETRACTOR_COLOUR),
)


@dataclass(frozen=True, slots=True)
class WeekPoint:
    """One week of answers; a week with no answers is drawn as a gap, never as zero."""

    week_start: date  # Monday of the week, in the owner's time zone
    promoters: int
    passives: int
    detractors: int
    csat_average: float | None  # 1..5, None when no CSAT answers that week

    def __post_init__(self) -> None:
        if min(self.promoters, self.passives, self.detractors) < 0:
            raise ValueError("answer counts cannot be negative")
        if self.csat_average is not None and not 1 <= self.csat_average <= 5:
            raise ValueError(f"a CSAT average is 1 to 5, not {self.csat_average}")

    @property
    def total(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def too_few(self) -> bool:
        """Some answers, too few to judge by: drawn hollow and hatched, not like the rest."""
        return 0 < self.total < MIN_SAMPLE

    @property
    def nps(self) -> float | None:
        """From −100 to 100; None when nobody answered."""
        if self.total == 0:
            return None
        return 100 * (self.promoters - self.detractors) / self.total


def import_matplotlib() -> None:
    """Import what `render_weekly_chart` draws with, ahead of drawing (most of a second)."""
    from matplotlib import figure, lines, patches  # noqa: F401
    from matplotlib.backends import backend_agg  # noqa: F401


def render_weekly_chart(weeks: Sequence[WeekPoint], language: str) -> bytes:
    """PNG bytes of the digest picture, weeks in date order; safe to call from several threads."""
    buffer = io.BytesIO()
    weekly_chart_figure(weeks, language).savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def weekly_chart_figure(weeks: Sequence[WeekPoint], language: str) -> Figure:
    """The digest picture before it is saved, with the Agg canvas attached."""
    labels = _labels(language)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=_SIZE_INCHES, dpi=_DPI)
    FigureCanvasAgg(fig)
    ordered = sorted(weeks, key=lambda week: week.week_start)
    if ordered:
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2), gridspec_kw=_MARGINS)
        _draw_scores(top, ordered, labels)
        _draw_mix(bottom, ordered, labels)
    else:
        _draw_no_data(fig, labels)
    return fig


def _labels(language: str) -> dict[str, str]:
    # Telegram sends IETF tags: "ru", "ru-RU"; only the primary subtag matters here.
    primary = language.replace("_", "-").split("-", 1)[0].lower()
    return LABELS["ru" if primary == "ru" else "en"]


def _week_label(day: date, labels: dict[str, str]) -> str:
    if labels is LABELS["ru"]:
        return f"{day.day:02d}.{day.month:02d}"
    return f"{_MONTHS_EN[day.month - 1]} {day.day:02d}"


def _gap(value: float | None) -> float:
    """NaN breaks a matplotlib line, so an empty week is a gap rather than a dip to zero."""
    return math.nan if value is None else value


def _draw_scores(ax: Axes, weeks: Sequence[WeekPoint], labels: dict[str, str]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    x = range(len(weeks))
    ax.axhspan(30, 50, color=_BAND_COLOUR, alpha=0.12, linewidth=0)
    ax.axhline(50, color=_BAND_COLOUR, linestyle="--", linewidth=1)
    ax.axhline(0, color="#cccccc", linewidth=0.6)
    ax.plot(x, [_gap(w.nps) for w in weeks], color=_NPS_COLOUR, marker="o", markersize=4)
    few = [(i, w.nps) for i, w in enumerate(weeks) if w.too_few]
    if few:  # hollow: a score of a handful of answers, not to be read like the others
        ax.plot(
            [i for i, _ in few],
            [_gap(score) for _, score in few],
            linestyle="none",
            marker="o",
            markersize=4,
            markerfacecolor="white",
            markeredgecolor=_NPS_COLOUR,
        )
    ax.set_ylim(-100, 100)
    ax.set_yticks([-100, -50, 0, 50, 100])
    ax.set_ylabel(labels["nps"], color=_NPS_COLOUR, fontsize=_SMALL + 1)
    ax.tick_params(labelsize=_SMALL)
    ax.grid(axis="x", color="#eeeeee", linewidth=0.6)
    ax.set_xlim(-0.5, len(weeks) - 0.5)

    csat_ax = ax.twinx()
    csat_ax.plot(
        x,
        [_gap(w.csat_average) for w in weeks],
        color=_CSAT_COLOUR,
        marker="s",
        markersize=3.5,
        linewidth=1.2,
    )
    csat_ax.set_ylim(1, 5)
    csat_ax.set_yticks([1, 2, 3, 4, 5])
    csat_ax.set_ylabel(labels["csat"], color=_CSAT_COLOUR, fontsize=_SMALL + 1)
    csat_ax.tick_params(labelsize=_SMALL)

    handles = [
        Line2D([], [], color=_NPS_COLOUR, marker="o", markersize=4, label=labels["nps"]),
        Line2D([], [], color=_CSAT_COLOUR, marker="s", markersize=3.5, label=labels["csat"]),
        Patch(color=_BAND_COLOUR, alpha=0.12, label=labels["band"]),
        Line2D([], [], color=_BAND_COLOUR, linestyle="--", linewidth=1, label=labels["aim"]),
    ]
    # Above the plot area, so it never hides a point whatever the data.
    ax.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=4,
        fontsize=_SMALL - 0.5,
        frameon=False,
        handlelength=1.6,
        columnspacing=1.0,
        borderaxespad=0.2,
    )
    ax.set_title(labels["title"], fontsize=_SMALL + 3, pad=18)


def _draw_mix(ax: Axes, weeks: Sequence[WeekPoint], labels: dict[str, str]) -> None:
    from matplotlib.patches import Patch

    x = list(range(len(weeks)))
    shares = [_shares(w) for w in weeks]
    bottom = [0.0] * len(weeks)
    for index, (key, colour) in enumerate(_MIX):
        heights = [share[index] for share in shares]
        bars = ax.bar(x, heights, bottom=bottom, width=0.7, color=colour, label=labels[key])
        for bar, week in zip(bars, weeks, strict=True):
            if week.too_few:
                bar.set_alpha(0.45)
                bar.set_hatch(_FEW_HATCH)
                bar.set_edgecolor("white")  # the hatch's colour
                bar.set_linewidth(0)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_ylim(0, 100)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.tick_params(labelsize=_SMALL)
    ax.set_xticks(x)
    ax.set_xticklabels(
        [
            f"{_week_label(w.week_start, labels)}\n{labels['answers'].format(n=w.total)}"
            for w in weeks
        ],
        fontsize=_SMALL - 1 if len(weeks) > 8 else _SMALL,
    )
    ax.set_title(labels["mix_title"], fontsize=_SMALL + 1, pad=14)
    handles = [Patch(color=colour, label=labels[key]) for key, colour in _MIX]
    if any(week.too_few for week in weeks):
        handles.append(
            Patch(
                facecolor=_PASSIVE_COLOUR,
                alpha=0.45,
                edgecolor="white",
                hatch=_FEW_HATCH,
                label=labels["few"].format(min=MIN_SAMPLE),
            )
        )
    ax.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=len(handles),
        fontsize=_SMALL - 0.5,
        frameon=False,
        handlelength=1.2,
        borderaxespad=0.1,
    )


def _shares(week: WeekPoint) -> tuple[float, float, float]:
    """Percentages of promoters, passives, detractors; zeros (an empty bar) with no answers."""
    if week.total == 0:
        return (0.0, 0.0, 0.0)
    return (
        100 * week.promoters / week.total,
        100 * week.passives / week.total,
        100 * week.detractors / week.total,
    )


def _draw_no_data(fig: Figure, labels: dict[str, str]) -> None:
    fig.text(
        0.5,
        0.55,
        labels["title"],
        ha="center",
        va="center",
        fontsize=_SMALL + 5,
        color="#333333",
    )
    fig.text(
        0.5,
        0.42,
        labels["no_data"],
        ha="center",
        va="center",
        fontsize=_SMALL + 2,
        color="#777777",
        linespacing=1.5,
    )
