"""[start]: the first run on a real network, as `python -m bot` meets it.

Telegram unreachable, a token it refuses, a proxy in between, and `python -m bot check`:
each against the real process, the emulator and closed ports.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import sqlite3
import sys
from pathlib import Path

import aiohttp

from bot.app import create_app
from sandbox import BotAPIEmulator
from sandbox.faults import Fault
from storage.migrations import MIGRATIONS
from tests.e2e.conftest import BOT_USERNAME, TOKEN, Harness
from tests.e2e.connect_proxy import ConnectProxy
from tests.e2e.process import BotProcess
from tests.e2e.test_health_command import ROOT, _python_m_bot
from tests.helpers import free_port


async def _lines_of(stream: asyncio.StreamReader, count: int) -> list[str]:
    lines: list[str] = []
    while len(lines) < count:
        line = await stream.readline()
        assert line, f"the process ended; it said: {lines}"
        lines.append(line.decode().rstrip("\n"))
    return lines


async def _bot_process(workdir: Path, **env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=workdir,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": TOKEN,
            "DATABASE_PATH": str(workdir / "feedback.db"),
            "OWNER_IDS": "1",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "text",
            **env,
        },
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def _stopped(process: asyncio.subprocess.Process) -> str:
    """SIGTERM, then everything it said on stderr that was not read yet."""
    if process.returncode is None:
        process.terminate()
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    return err.decode()


# --- start-up that explains itself --------------------------------------------------------


async def test_unreachable_telegram_is_one_line_a_try_then_the_bot_starts(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = await _bot_process(tmp_path, TELEGRAM_API_URL=url)
    assert process.stderr is not None
    try:
        async with asyncio.timeout(20):
            first, second = await _lines_of(process.stderr, 2)
        for line, delay in ((first, 1), (second, 2)):
            assert line.endswith(
                f"Telegram cannot be reached at {url}: connection refused. Check the network, "
                f"PROXY_URL and TELEGRAM_API_URL; trying again in {delay} s"
            ), line
            assert " WARNING " in line
        assert process.returncode is None  # it keeps trying instead of exiting
        emulator = BotAPIEmulator(token=TOKEN, bot_username=BOT_USERNAME)
        await emulator.start(port=port)  # Telegram comes up where the bot looks for it
        try:
            await emulator.wait_for(lambda: bool(emulator.calls("setMyCommands")), timeout=20)
            customer = emulator.create_user(first_name="Anna")
            customer.send_text("/start")
            assert "Anna" in ((await customer.next_message(timeout=10)).text or "")
            said = await _stopped(process)
        finally:
            await emulator.stop()
    finally:
        if process.returncode is None:
            process.kill()
    assert "Traceback" not in said
    assert f"Telegram answers at {url} after" in said


async def test_a_token_telegram_refuses_is_exit_2_and_one_line(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    process = await _bot_process(
        tmp_path, TELEGRAM_API_URL=emulator.base_url, BOT_TOKEN="654321:REVOKED-token"
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert err.decode().strip().splitlines() == [
        "Telegram does not accept BOT_TOKEN: check it with @BotFather"
    ]


async def test_an_outage_while_running_is_one_line_and_one_when_it_is_back(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    owner = emulator.create_user(first_name="Olga")
    bot = BotProcess(emulator, tmp_path, owner.id)
    await bot.start()
    try:
        for _ in range(4):  # four failed getUpdates in a row
            emulator.inject("getUpdates", Fault.server_error(), 1)
            await emulator.wait_for(lambda: emulator.faults.pending == 0, timeout=20)
        customer = emulator.create_user(first_name="Anna")
        customer.send_text("/start")
        await customer.next_message(timeout=20)  # polling is back
    finally:
        said = (await bot.terminate()).decode()
    outage = [line for line in said.splitlines() if "Telegram" in line]
    assert len(outage) == 2, said
    assert "Telegram cannot be reached at " in outage[0] and "Polling keeps trying" in outage[0]
    assert "Telegram answers again at " in outage[1]
    assert "Traceback" not in said and "Failed to fetch updates" not in said


# --- PROXY_URL ------------------------------------------------------------------------------


async def test_every_call_to_telegram_goes_through_proxy_url(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    owner = emulator.create_user(first_name="Olga")
    async with ConnectProxy().running() as proxy:
        proxy_url = f"http://shop:s3cret-pass@127.0.0.1:{proxy.port}"
        port = str(free_port())
        env = {"PROXY_URL": proxy_url, "LOG_LEVEL": "DEBUG", "HEALTH_CHECK": "on", "API_PORT": port}
        bot = BotProcess(emulator, tmp_path, owner.id, extra_env=env)
        await bot.start()
        try:
            customer = emulator.create_user(first_name="Anna")
            customer.send_text("/start")
            await customer.next_message(timeout=10)
            code, _, _ = await _python_m_bot(tmp_path, "health", HEALTH_CHECK="on", API_PORT=port)
            assert code == 0  # its own HTTP server answers directly
        finally:
            said = (await bot.terminate()).decode()
    credentials = "Basic " + base64.b64encode(b"shop:s3cret-pass").decode()
    emulator_address = emulator.base_url.removeprefix("http://")
    assert proxy.requests  # every call is in one of these tunnels
    assert set(proxy.requests) == {(f"CONNECT {emulator_address}", credentials)}
    assert "s3cret-pass" not in said and "shop:" not in said


# --- python -m bot check ----------------------------------------------------------------


async def _check(tmp_path: Path, **env: str) -> tuple[int, list[str]]:
    settings = {
        "BOT_TOKEN": TOKEN,
        "DATABASE_PATH": str(tmp_path / "data" / "feedback.db"),
        "OWNER_IDS": "",
        "ADMIN_IDS": "",
        "API_TOKEN": "",
        "WEBHOOK_URL": "",
        "WEBAPP_URL": "",
        "HEALTH_CHECK": "off",
        "PROXY_URL": "",
        **env,
    }
    code, out, err = await _python_m_bot(tmp_path, "check", **settings)
    assert err == ""
    return code, out.splitlines()


async def test_check_all_green(emulator: BotAPIEmulator, tmp_path: Path) -> None:
    olga = emulator.create_user(first_name="Olga")
    boris = emulator.create_user(first_name="Boris")
    port = free_port()
    bot = BotProcess(
        emulator, tmp_path, olga.id, extra_env={"HEALTH_CHECK": "on", "API_PORT": str(port)}
    )
    await bot.start()
    olga.send_text("/start")
    await olga.next_message()
    await bot.terminate()
    code, lines = await _check(
        tmp_path,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_PATH=str(tmp_path / "feedback.db"),
        OWNER_IDS=f"{olga.id},{boris.id}",
        HEALTH_CHECK="on",
        API_PORT=str(port),
        WEBAPP_URL="https://app.example.com/feedback",
    )
    assert lines == [
        "✅ Settings: valid",
        f"✅ Database: {tmp_path / 'feedback.db'} opens; "
        f"schema version {len(MIGRATIONS)} (current)",
        f"✅ Telegram: reachable; BOT_TOKEN is @{BOT_USERNAME}'s",
        f"✅ OWNER_IDS: 2; not started the bot yet: {boris.id} (open the bot in Telegram and "
        "press Start, or alerts cannot reach them)",
        f"✅ API port: 127.0.0.1:{port} is free",
        "✅ WEBHOOK_URL: not set; the bot polls Telegram for updates",
        "✅ WEBAPP_URL: https://app.example.com/feedback is HTTPS",
    ]
    assert code == 0


async def test_check_says_what_is_wrong_line_by_line(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    code, lines = await _check(tmp_path, CURRENCY="rubles")
    assert code == 1
    assert lines == [
        "❌ Configuration error: CURRENCY: 'rubles' is not a three-letter ISO 4217 currency "
        "code (.env or the environment)"
    ]

    closed = f"http://127.0.0.1:{free_port()}"
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, lines = await _check(
            tmp_path,
            TELEGRAM_API_URL=closed,
            DATABASE_PATH=str(newer),
            API_TOKEN="till-secret",
            API_PORT=str(port),
            WEBHOOK_URL="http://bot.example.com/tg",
            WEBAPP_URL="http://app.example.com",
        )
    assert code == 1
    assert lines == [
        "✅ Settings: valid",
        f"❌ Database: {newer} has schema version {len(MIGRATIONS) + 1}, newer than this bot's "
        f"{len(MIGRATIONS)}: run the newer version of the bot, or restore a backup",
        f"❌ Telegram cannot be reached at {closed}: connection refused. Check the network, "
        "PROXY_URL and TELEGRAM_API_URL",
        "❌ OWNER_IDS is empty: put your Telegram user id in it (@userinfobot tells it); owners "
        "get the alerts and the digests",
        f"❌ API port: cannot listen on 127.0.0.1:{port} (Address already in use): another "
        "program holds it; change API_PORT or stop that program",
        "❌ WEBHOOK_URL: http://bot.example.com/tg is not HTTPS: Telegram sends updates only to "
        "https:// addresses (put a reverse proxy with a certificate in front)",
        "❌ WEBAPP_URL: http://app.example.com is not HTTPS: Telegram opens Mini Apps over "
        "https:// only",
    ]

    code, lines = await _check(
        tmp_path, TELEGRAM_API_URL=emulator.base_url, BOT_TOKEN="654321:REVOKED-token"
    )
    assert "❌ Telegram: Telegram does not accept BOT_TOKEN: check it with @BotFather" in lines


async def test_check_compares_the_webhook_with_telegrams(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    hook = f"https://127.0.0.1:{free_port()}/tg"  # nothing listens there
    env = {"TELEGRAM_API_URL": emulator.base_url, "WEBHOOK_URL": hook, "OWNER_IDS": "1"}
    code, lines = await _check(tmp_path, **env)
    assert code == 1
    assert (
        f"❌ WEBHOOK_URL: Telegram sends updates to none, not {hook}: start the bot (it "
        "registers WEBHOOK_URL), then check again"
    ) in lines
    await _set_webhook(emulator, hook)  # as the bot registers it
    code, lines = await _check(tmp_path, **env)
    assert "✅ WEBHOOK_URL: registered with Telegram, no delivery errors" in lines
    assert code == 0
    emulator.create_user(first_name="Anna").send_text("/start")  # its delivery fails
    await emulator.wait_for(lambda: bool(emulator.webhook.last_error), timeout=10)
    code, lines = await _check(tmp_path, **env)
    assert code == 1
    assert any(
        line.startswith("❌ WEBHOOK_URL: registered, and Telegram's last delivery failed: ")
        and line.endswith(". Check that the address reaches the bot's API_PORT")
        for line in lines
    ), lines


async def _set_webhook(emulator: BotAPIEmulator, url: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emulator.base_url}/bot{TOKEN}/setWebhook", json={"url": url}) as reply,
    ):
        assert (await reply.json())["ok"] is True


async def test_a_stop_while_the_bot_is_still_starting_ends_it(harness: Harness) -> None:
    """SIGTERM between reaching Telegram and the first poll: polling never begins."""
    harness.emulator.inject("deleteWebhook", Fault.slow(1.0), 1)
    app = await create_app(harness.settings(), clock=harness.clock)
    running = asyncio.create_task(app.run(handle_signals=False, polling_timeout=1))
    await harness.emulator.wait_for(lambda: harness.emulator.faults.pending == 0, timeout=5)
    await app.stop()  # deleteWebhook is still on its way
    await asyncio.wait_for(running, timeout=5)
    assert harness.emulator.calls("getUpdates") == []
