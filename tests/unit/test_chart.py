import io
import struct
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from analytics.chart import LABELS, WeekPoint, render_weekly_chart, weekly_chart_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIRST_MONDAY = date(2024, 9, 2)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first after the signature."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def weeks(count: int, *, seed: int = 0) -> list[WeekPoint]:
    result = []
    for index in range(count):
        promoters = (index * 7 + seed) % 20 + 1
        passives = (index * 3 + seed) % 9
        detractors = (index * 5 + seed) % 11
        csat = 1 + ((index + seed) % 9) / 2
        result.append(
            WeekPoint(FIRST_MONDAY + timedelta(weeks=index), promoters, passives, detractors, csat)
        )
    return result


def empty_weeks(count: int) -> list[WeekPoint]:
    return [WeekPoint(FIRST_MONDAY + timedelta(weeks=i), 0, 0, 0, None) for i in range(count)]


def pixels_differ(a: bytes, b: bytes) -> bool:
    with Image.open(io.BytesIO(a)) as first, Image.open(io.BytesIO(b)) as second:
        return (
            ImageChops.difference(first.convert("RGB"), second.convert("RGB")).getbbox() is not None
        )


CASES = {
    "no weeks": [],
    "one week": weeks(1),
    "all weeks empty": empty_weeks(4),
    "twelve weeks": weeks(12),
    "twelve weeks with gaps": [
        WeekPoint(w.week_start, 0, 0, 0, None) if i in (0, 5, 6, 11) else w
        for i, w in enumerate(weeks(12))
    ],
    "csat only in some weeks": [
        WeekPoint(w.week_start, w.promoters, w.passives, w.detractors, None if i % 2 else 4.2)
        for i, w in enumerate(weeks(5))
    ],
}


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("case", CASES)
def test_every_shape_of_data_renders_a_phone_sized_png(case: str, language: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = render_weekly_chart(CASES[case], language)
    assert [str(w.message) for w in caught] == []  # no missing Cyrillic glyphs, no NaN noise
    assert png_size(data) == (1000, 900)
    with Image.open(io.BytesIO(data)) as image:
        image.verify()


def _busiest(count: int) -> list[WeekPoint]:
    """Weeks whose labels are as long as they get: five-digit answer counts."""
    return [WeekPoint(w.week_start, 40_000, 30_000, 29_999, 4.2) for w in weeks(count)]


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("data", [weeks(1), weeks(8), weeks(9), weeks(12), _busiest(12)])
def test_every_text_stays_inside_the_picture_and_off_the_other_plot(
    data: list[WeekPoint], language: str
) -> None:
    from matplotlib.text import Text

    figure = weekly_chart_figure(data, language)
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    figure.draw(renderer)
    picture = figure.bbox.padded(0.5)  # half a pixel of rounding
    scores, mix = figure.axes[0], figure.axes[1]
    for text in figure.findobj(Text):
        if not (text.get_visible() and text.get_text()):
            continue
        extent = text.get_window_extent(renderer)
        assert picture.containsx(extent.x0) and picture.containsx(extent.x1), text
        assert picture.containsy(extent.y0) and picture.containsy(extent.y1), text
    # The mix's title and legend sit in the gap between the plots, clear of the scores plot.
    mix_legend = mix.get_legend()
    assert mix_legend is not None
    above_mix = [mix.title.get_window_extent(renderer), mix_legend.get_window_extent(renderer)]
    scores_plot = scores.get_tightbbox(renderer)
    assert scores_plot is not None
    assert all(extent.y1 <= scores_plot.y0 + 0.5 for extent in above_mix)


def test_different_data_gives_a_different_picture() -> None:
    assert pixels_differ(
        render_weekly_chart(weeks(12), "en"), render_weekly_chart(weeks(12, seed=5), "en")
    )


def test_the_same_data_gives_the_same_bytes() -> None:
    assert render_weekly_chart(weeks(6), "ru") == render_weekly_chart(weeks(6), "ru")


def test_order_of_weeks_does_not_matter() -> None:
    data = weeks(6)
    assert render_weekly_chart(data[::-1], "en") == render_weekly_chart(data, "en")


def test_an_empty_week_is_not_drawn_like_a_zero_score() -> None:
    data = weeks(5)
    gap = [*data[:2], WeekPoint(data[2].week_start, 0, 0, 0, None), *data[3:]]
    zero = [*data[:2], WeekPoint(data[2].week_start, 1, 0, 1, None), *data[3:]]
    assert gap[2].nps is None and zero[2].nps == 0
    assert pixels_differ(render_weekly_chart(gap, "en"), render_weekly_chart(zero, "en"))


@pytest.mark.parametrize("data", [[], weeks(8)], ids=["no data", "eight weeks"])
def test_language_changes_the_texts(data: list[WeekPoint]) -> None:
    assert pixels_differ(render_weekly_chart(data, "ru"), render_weekly_chart(data, "en"))


def test_regional_tags_and_unknown_languages() -> None:
    data = weeks(3)
    assert render_weekly_chart(data, "ru-RU") == render_weekly_chart(data, "ru")
    assert render_weekly_chart(data, "de") == render_weekly_chart(data, "en")


def test_labels_exist_in_both_languages() -> None:
    assert LABELS.keys() == {"ru", "en"}
    assert LABELS["ru"].keys() == LABELS["en"].keys()


def test_safe_to_render_from_two_threads_at_once() -> None:
    inputs = [(weeks(12), "ru"), (weeks(12, seed=3), "en")] * 3
    expected = [render_weekly_chart(data, language) for data, language in inputs]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda args: render_weekly_chart(*args), inputs))
    for result in results:
        assert png_size(result) == (1000, 900)
    assert results == expected


def test_pyplot_is_never_imported() -> None:
    code = (
        "import sys\n"
        "from analytics.chart import render_weekly_chart\n"
        "render_weekly_chart([], 'en')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, cwd=root)


def test_nps_of_a_week() -> None:
    assert WeekPoint(FIRST_MONDAY, 5, 2, 3, None).nps == pytest.approx(20.0)
    assert WeekPoint(FIRST_MONDAY, 0, 0, 0, None).nps is None
    assert WeekPoint(FIRST_MONDAY, 0, 0, 2, None).nps == -100


@pytest.mark.parametrize(
    ("counts", "csat"), [((-1, 0, 0), None), ((1, 0, 0), 0.5), ((1, 0, 0), 5.1)]
)
def test_impossible_weeks_are_refused(counts: tuple[int, int, int], csat: float | None) -> None:
    with pytest.raises(ValueError):
        WeekPoint(FIRST_MONDAY, *counts, csat)


def _mix_legend(data: list[WeekPoint], language: str = "en") -> list[str]:
    figure = weekly_chart_figure(data, language)
    legend = figure.axes[1].get_legend()
    assert legend is not None
    return [text.get_text() for text in legend.get_texts()]


def test_weeks_with_too_few_answers_are_marked() -> None:
    judged = [WeekPoint(FIRST_MONDAY + timedelta(weeks=i), 5, 2, 1, 4.0) for i in range(3)]
    assert _mix_legend(judged) == ["promoters", "passives", "detractors"]
    few = [*judged, WeekPoint(FIRST_MONDAY + timedelta(weeks=3), 2, 1, 0, 4.5)]
    assert _mix_legend(few)[-1] == "n<5: too few"
    assert _mix_legend(few, "ru")[-1] == "n<5: мало"
    hatched = [bar.get_hatch() for bar in weekly_chart_figure(few, "en").axes[1].patches]
    assert hatched.count("////") == 3  # the fourth week's three bars, and only those
    assert pixels_differ(
        render_weekly_chart(judged + few[3:], "en"),
        render_weekly_chart([*judged, WeekPoint(few[3].week_start, 20, 10, 0, 4.5)], "en"),
    )
