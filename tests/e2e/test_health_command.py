"""`python -m bot health` against the real process: what Docker's HEALTHCHECK runs."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

from sandbox import BotAPIEmulator
from tests.e2e.conftest import TOKEN
from tests.e2e.process import BotProcess
from tests.helpers import free_port

ROOT = Path(__file__).parents[2]


async def _python_m_bot(workdir: Path, *args: str, **env: str) -> tuple[int, str, str]:
    """Run `python -m bot *args` with `env` on top of ours: (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=workdir,  # no .env of the developer's checkout
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode is not None
    return process.returncode, out.decode().strip(), err.decode().strip()


async def test_health_says_healthy_while_the_bot_runs_and_fails_once_it_stops(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    owner = emulator.create_user(first_name="Olga")
    port = str(free_port())
    env = {"HEALTH_CHECK": "on", "API_PORT": port}  # polling, no API_TOKEN, no WEBHOOK_URL
    bot = BotProcess(emulator, tmp_path, owner.id, extra_env=env)
    await bot.start()
    try:
        await emulator.wait_for(lambda: emulator.waiting_polls > 0, timeout=10)
        code, out, _ = await _python_m_bot(tmp_path, "health", **env)
        assert code == 0
        assert out == 'healthy: {"status": "ok", "database": "ok", "scheduler": "ok"}'
    finally:
        await bot.terminate()
    code, _, err = await _python_m_bot(tmp_path, "health", **env)
    assert code == 1
    assert err.startswith(f"the bot does not answer at http://127.0.0.1:{port}/healthz")


async def test_health_without_anything_serving_healthz_says_what_to_set(tmp_path: Path) -> None:
    code, out, err = await _python_m_bot(
        tmp_path, "health", HEALTH_CHECK="off", API_TOKEN="", WEBHOOK_URL=""
    )
    assert (code, out) == (1, "")
    assert err == (
        "Nothing serves /healthz: set HEALTH_CHECK=on (or API_TOKEN, or WEBHOOK_URL) "
        "and restart the bot"
    )


async def test_a_port_already_taken_stops_the_bot_with_one_clear_line(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    owner = emulator.create_user(first_name="Olga")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = await _python_m_bot(
            tmp_path,
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=emulator.base_url,
            DATABASE_PATH=str(tmp_path / "feedback.db"),
            OWNER_IDS=str(owner.id),
            HEALTH_CHECK="on",
            API_PORT=str(port),
            LOG_LEVEL="WARNING",
        )
    assert code == 2
    assert err.splitlines() == [
        f"Configuration error: cannot listen on 127.0.0.1:{port} (API_HOST, API_PORT): "
        "Address already in use"
    ]
