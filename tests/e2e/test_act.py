"""[act]: from answers to actions."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import Harness
from tests.e2e.steps import press_and_next, purchase, rows, started_customer


async def _owner_listening(harness: Harness) -> None:
    harness.owner.send_text("/start")
    await harness.owner.next_message()


async def test_a_low_satisfaction_raises_an_alert_like_a_detractor(running: Harness) -> None:
    await _owner_listening(running)
    customer = await started_customer(running)
    await purchase(running, customer)
    csat = await press_and_next(customer, await customer.next_message(), "8")  # a passive
    await press_and_next(customer, csat, "2")
    alert = (await running.owner.next_message()).text or ""
    assert "Низкая оценка: 2/5" in alert and "Anna" in alert
    assert await rows(running, "SELECT question, score FROM alerts") == [("csat", 2)]


async def test_alert_on_decides_which_answers_alert(harness: Harness) -> None:
    harness.overrides["alert_on"] = "nps<=6"
    await harness.start()
    await _owner_listening(harness)
    customer = await started_customer(harness)
    await purchase(harness, customer)
    csat = await press_and_next(customer, await customer.next_message(), "9")
    await press_and_next(customer, csat, "1")
    await asyncio.sleep(1.5)  # a tick: nothing owed either
    assert harness.owner.pending_messages() == []
    assert await rows(harness, "SELECT COUNT(*) FROM alerts") == [(0,)]
