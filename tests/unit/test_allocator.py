"""The process keeps one glibc malloc arena, unless MALLOC_ARENA_MAX says otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.allocator import limit_malloc_arenas
from tests.helpers import GLIBC

# Four threads allocate, then glibc prints one "Arena N:" block per arena it made.
_THREADS_THEN_STATS = """
import ctypes, sys, threading
from bot.allocator import limit_malloc_arenas
if sys.argv[1] == "limit":
    assert limit_malloc_arenas()
def allocate():
    kept = [bytearray(200_000) for _ in range(20)]
threads = [threading.Thread(target=allocate) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL(None).malloc_stats()
"""


def _arenas(mode: str) -> int:
    env = {key: value for key, value in os.environ.items() if key != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", _THREADS_THEN_STATS, mode],
        cwd=Path(__file__).parents[2],  # where `bot` is
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return sum(1 for line in done.stderr.splitlines() if line.startswith("Arena "))


@pytest.mark.skipif(not GLIBC, reason="malloc arenas are glibc's")
def test_threads_share_one_arena_once_limited() -> None:
    assert _arenas("default") > 1  # the premise: left alone, threads get arenas of their own
    assert _arenas("limit") == 1


def test_malloc_arena_max_in_the_environment_is_left_to_glibc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
