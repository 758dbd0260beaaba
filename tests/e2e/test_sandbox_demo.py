"""`make run` without a token: the scripted survey runs and its transcript is printed."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sandbox.demo import run_demo
from tests.helpers import make_run_arguments


async def test_demo_prints_a_complete_survey() -> None:
    lines: list[str] = []
    await run_demo(lines.append)
    transcript = "\n".join(lines)
    assert "Olga → bot: /purchase" in transcript
    assert "Anna pressed [9]" in transcript
    assert "Anna shared contact Ivan" in transcript
    assert "Thank you for your feedback" in transcript
    assert "6 answers stored in SQLite" in transcript


async def test_make_run_without_a_token_runs_the_sandbox(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "BOT_TOKEN"}
    env["PYTHONPATH"] = str(Path(__file__).parents[2])
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *make_run_arguments(),
        cwd=tmp_path,  # no .env
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=50)
    assert process.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0] == "BOT_TOKEN is not set: running the local sandbox (emulated Telegram)."
    assert lines[-1] == "=== The survey is complete: 6 answers stored in SQLite. ==="
