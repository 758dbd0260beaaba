"""`python -m bot health`'s answer for each state of the bot's /healthz."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from bot.process.health import check, healthz_url
from core.settings import Settings
from tests.helpers import serve_on_loopback


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, health_check=True, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8080/healthz"),
        ("0.0.0.0", "http://127.0.0.1:8080/healthz"),  # every address: loopback is one
        ("::1", "http://[::1]:8080/healthz"),
        ("10.1.2.3", "http://10.1.2.3:8080/healthz"),
    ],
)
def test_the_url_is_the_bots_own_address(host: str, url: str) -> None:
    assert healthz_url(_settings(api_host=host)) == url


async def test_a_503_is_unhealthy_and_says_what_is_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # ignored: the bot is local
    body = {"status": "error", "database": "ok", "scheduler": "error"}

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response(body, status=503)

    runner, port = await serve_on_loopback("/healthz", healthz, "GET")
    try:
        healthy, line = await asyncio.to_thread(check, _settings(api_port=port))
    finally:
        await runner.cleanup()
    assert (healthy, line) == (False, f"unhealthy (503): {json.dumps(body)}")
