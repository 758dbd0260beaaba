"""Failures of background work are logged as bot/process/failed_updates.py logs a failed update:
the type and where it happened at ERROR, the message (which may quote what a person wrote)
only at DEBUG."""

from __future__ import annotations

import logging
from typing import NoReturn

import pytest

from bot.process.background import Background
from scheduler.jobs import Jobs

QUOTED = "Secret complaint by Zinaida +79161234567"


async def broken_work() -> NoReturn:
    raise RuntimeError(QUOTED)


def _said(caplog: pytest.LogCaptureFixture, level: int) -> str:
    """Everything logged at exactly `level`, messages and tracebacks, as a handler writes it."""
    formatter = logging.Formatter("%(message)s")
    return "\n".join(formatter.format(r) for r in caplog.records if r.levelno == level)


def _assert_type_and_place_at_error_message_at_debug(
    caplog: pytest.LogCaptureFixture, first_line: str
) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage().splitlines()[0] for r in errors] == [first_line]
    assert "in broken_work" in errors[0].getMessage()  # where it happened
    assert QUOTED not in _said(caplog, logging.ERROR)
    assert QUOTED in _said(caplog, logging.DEBUG)  # for a maintainer who turns DEBUG on


async def test_background_work_failure(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.process.background")
    background = Background()
    background.start(broken_work(), "export")
    await background.stop(grace=1)
    _assert_type_and_place_at_error_message_at_debug(caplog, "export failed with RuntimeError at")


async def test_failed_dispatch_tick(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="scheduler.jobs")
    await Jobs._guarded(broken_work)  # the next tick still runs: nothing is raised
    _assert_type_and_place_at_error_message_at_debug(
        caplog, "survey dispatch failed with RuntimeError at"
    )
