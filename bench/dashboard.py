"""Mini App benchmark: each of the dashboard's API calls over 1,000,000 answers.

    .venv/bin/python -m bench.dashboard --purchases 200000 --requests 40

bench.digest's database (N purchases, one survey each, five answers a survey, an alert for
every detractor, leads and referrals), its written answers given their themes. The
dashboard's own server (webapp.server) is mounted on an aiohttp server on 127.0.0.1 and
asked over HTTP by an owner's signed `initData`, as the page asks, one request at a time:
for each call, the first request (cold) and the p50 / p95 / max of the next --requests.

The overview and the trend are computed once and kept for a minute (webapp.fresh_cache);
their cold figure is what the first viewer of a period and store waits for, and what a
background recomputation costs each minute the dashboard is looked at.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.digest import NOW, _make_schema, _read_themes, _seed
from bot.texts import t
from core.settings import Settings
from sandbox.web_app import sign_init_data
from storage.database import Database
from storage.live_settings import LiveSettings
from webapp.server import add_webapp_routes
from webapp.services import BotSide, PageContext

TOKEN = "100000:BENCH-token"
OWNER = 1


class _Owner:
    def is_admin(self, user_id: int) -> bool:
        return user_id == OWNER

    def is_owner(self, user_id: int) -> bool:
        return user_id == OWNER


def _bot_side() -> BotSide:
    async def nothing(alert_id: int, user_id: int) -> bool:
        return False

    async def name(user_id: int) -> str:
        return str(user_id)

    async def russian(user_id: int, code: str | None) -> str:
        return "ru"

    async def no_change(name: str) -> None:
        return None

    @asynccontextmanager
    async def no_export(kind: str, language: str) -> AsyncIterator[list[Path]]:
        raise NotImplementedError("the export is benchmarked by bench.footprint")
        yield []

    return BotSide(_Owner(), nothing, nothing, name, no_change, russian, t, no_export)


CALLS = (
    "me",
    "overview?period=7d",
    "overview?period=30d",
    "overview?period=90d",
    "overview?period=365d",
    "overview?period=all",
    "overview?period=30d&store=store 7",
    "trend?weeks=12",
    "trend?weeks=52",
    "trend?weeks=12&store=store 7",
    "alerts?state=open",
    "alerts?state=claimed",
    "alerts?state=resolved",
    "leads?status=open",
    "leads?status=all",
    "answers",
    "answers?nps=detractors",
    "answers?store=store 7",
    "answers?store=store 7&nps=promoters",
    "answers?from=2026-01-01&to=2026-01-31",
    "answers?q=сахар",
    "answers?q=nothing-like-this",
    "settings",
)


async def _measure(db_path: Path, requests: int) -> dict[str, Any]:
    db = await Database.open(db_path)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, bot_token=TOKEN, webapp_url="https://bench.example/app"
    )
    live = LiveSettings(settings)
    http = web.Application()
    context = PageContext(db, live, lambda: NOW, TOKEN, _bot_side())
    add_webapp_routes(http, context)
    runner = web.AppRunner(http, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    owner = {"id": OWNER, "first_name": "Olga"}
    init = sign_init_data(TOKEN, owner, auth_date=int(NOW.timestamp()))
    headers = {"Authorization": f"tma {init}"}
    results: dict[str, Any] = {}
    try:
        async with aiohttp.ClientSession(f"http://{host}:{port}", headers=headers) as client:

            async def timed(path: str) -> tuple[float, Any]:
                started = time.perf_counter()
                async with client.get(f"/app/data/{path}") as response:
                    body = await response.json()
                    assert response.status == 200, (path, body)
                return time.perf_counter() - started, body

            page_after = ""
            for call in CALLS:
                cold, body = await timed(call)
                warm = [(await timed(call))[0] for _ in range(requests)]
                results[call] = _figures(cold, warm)
                if call == "answers":
                    page_after = body["next"]
            # The hundredth page of the table, by its cursor.
            for _ in range(98):
                _, body = await timed(f"answers?after={page_after}")
                page_after = body["next"]
            cold, _ = await timed(f"answers?after={page_after}")
            warm = [(await timed(f"answers?after={page_after}"))[0] for _ in range(requests)]
            results["answers, page 100"] = _figures(cold, warm)
    finally:
        await runner.cleanup()
        await db.close()
    return results


def _figures(cold: float, warm: list[float]) -> dict[str, float]:
    ordered = sorted(warm)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {
        "cold_ms": round(cold * 1000, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def run(purchases: int, requests: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as workdir:
        db_path = Path(workdir) / "dashboard.db"
        asyncio.run(_make_schema(db_path))
        _seed(db_path, purchases)
        asyncio.run(_read_themes(db_path))
        return asyncio.run(_measure(db_path, requests))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    print(f"{'call':<42} {'cold':>8} {'p50':>7} {'p95':>7} {'max':>7}  (ms)")
    for call, figures in run(args.purchases, args.requests).items():
        print(
            f"{call:<42} {figures['cold_ms']:>8} {figures['p50_ms']:>7} "
            f"{figures['p95_ms']:>7} {figures['max_ms']:>7}"
        )


if __name__ == "__main__":
    main()
