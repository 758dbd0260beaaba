"""[miniapp]: the dashboard's parts that need no bot: the access check, the cache, the chart."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from analytics.chart import WeekPoint
from bot.check import webapp_line
from sandbox.web_app import sign_init_data
from webapp.access import MAX_AGE, Refused, Role, Viewer, viewer_of
from webapp.fresh_cache import FreshCache
from webapp.server import mount_path
from webapp.trend_svg import trend_svg

TOKEN = "42:token"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


class Staff:
    def is_admin(self, user_id: int) -> bool:
        return user_id in (1, 2)

    def is_owner(self, user_id: int) -> bool:
        return user_id == 1


def header(user_id: int, *, at: datetime = NOW, token: str = TOKEN) -> str:
    user = {"id": user_id, "first_name": "Olga", "language_code": "ru"}
    return "tma " + sign_init_data(token, user, auth_date=int(at.timestamp()))


def check(value: str | None, now: datetime = NOW) -> Viewer:
    return viewer_of(value, token=TOKEN, roles=Staff(), now=now, max_age=MAX_AGE)


def refusal(value: str | None, now: datetime = NOW) -> tuple[int, str]:
    with pytest.raises(Refused) as refused:
        check(value, now)
    return refused.value.status, refused.value.code


def test_init_data_is_checked_as_telegram_signs_it() -> None:
    owner = check(header(1))
    assert (owner.user_id, owner.role, owner.language_code) == (1, Role.OWNER, "ru")
    assert check(header(2)).role is Role.ADMIN
    assert refusal(header(3)) == (403, "forbidden")
    assert refusal(header(1, token="42:other")) == (401, "unauthorized")
    assert refusal(None) == (401, "unauthorized")
    assert refusal("Bearer abc") == (401, "unauthorized")
    assert refusal("tma user=%7B%7D&hash=00") == (401, "unauthorized")
    tampered = header(1).replace("Olga", "Eve")
    assert refusal(tampered) == (401, "unauthorized")


def test_init_data_expires_a_day_after_the_app_was_opened() -> None:
    assert check(header(1, at=NOW - MAX_AGE + timedelta(minutes=1)))
    assert refusal(header(1, at=NOW - MAX_AGE - timedelta(minutes=1))) == (401, "expired")
    assert check(header(1, at=NOW + timedelta(minutes=2)))  # the phone's clock is a bit ahead
    assert refusal(header(1, at=NOW + timedelta(hours=1))) == (401, "expired")


def test_the_app_is_mounted_under_webapp_urls_path() -> None:
    assert mount_path("https://bot.example.com/dashboard") == "/dashboard/"
    assert mount_path("https://bot.example.com/dashboard/") == "/dashboard/"
    assert mount_path("https://app.example.com") == "/"


def test_a_loopback_webapp_url_is_accepted_for_a_local_browser() -> None:
    local = webapp_line("http://127.0.0.1:8080/app")
    assert local.ok and "this machine's" in local.text
    assert not webapp_line("http://app.example.com").ok
    assert webapp_line("https://app.example.com/feedback").ok


async def test_the_cache_keeps_figures_while_nothing_changes() -> None:
    cache: FreshCache[int] = FreshCache(fresh=60, cheap=0.02, size=2)
    calls: list[str] = []

    def counter(key: str, takes: float = 0.0) -> Callable[[], Awaitable[int]]:
        async def compute() -> int:
            calls.append(key)
            await asyncio.sleep(takes)
            return len(calls)

        return compute

    together = await asyncio.gather(*(cache.get("a", counter("a"), 1) for _ in range(3)))
    assert together == [1, 1, 1] and calls == ["a"]  # one computation for three viewers
    assert await cache.get("a", counter("a"), 1) == 1  # nothing recorded since
    assert await cache.get("a", counter("a"), 2) == 2  # cheap: computed again at once
    await cache.get("b", counter("b"), 2)
    await cache.get("c", counter("c"), 2)
    assert await cache.get("a", counter("a"), 2) == 5  # the oldest went beyond the size


async def test_dear_figures_are_served_at_once_and_recomputed_behind() -> None:
    cache: FreshCache[int] = FreshCache(fresh=60, cheap=0.02)
    answers = iter(range(1, 10))

    async def dear() -> int:
        await asyncio.sleep(0.03)
        return next(answers)

    assert await cache.get("a", dear, 1) == 1  # never asked: waited for
    assert await cache.get("a", dear, 2) == 1  # an answer since: served stale...
    await asyncio.sleep(0.05)
    assert await cache.get("a", dear, 2) == 2  # ...and recomputed behind


def test_the_trend_leaves_a_gap_for_a_week_without_answers() -> None:
    def week(day: int, promoters: int, csat: float | None) -> WeekPoint:
        return WeekPoint(date(2026, 11, day), promoters, 0, 2 if promoters else 0, csat)

    points = [week(2, 8, 4.5), week(9, 0, None), week(16, 8, 4.0), week(23, 2, 3.0)]
    svg = trend_svg(points, "ru", "NPS <и> CSAT")
    assert svg.count('class="nps-line"') == 2  # two runs: the empty week breaks the line
    assert svg.count('class="dot"') == 2 and svg.count('class="dot few"') == 1
    assert "NPS &lt;и&gt; CSAT" in svg and "<и>" not in svg
    assert "23 нояб." in svg
