"""/stats counts each period from its own data (purchases 70, 20 and 0 days ago)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, purchase, started_customer
from tests.helpers import FakeClock


@pytest.mark.parametrize(("period", "purchases"), [("7d", 1), ("30d", 2), ("90d", 3), ("all", 3)])
async def test_each_period_counts_only_its_purchases(
    harness: Harness, period: str, purchases: int
) -> None:
    clock = FakeClock(datetime(2026, 9, 1, 9, 0, tzinfo=UTC))
    harness.clock = clock
    await harness.start()
    for name, days_later in (("Anna", 0), ("Boris", 50), ("Vera", 20)):
        clock.now += timedelta(days=days_later)
        customer = await started_customer(harness, first_name=name)
        await purchase(harness, customer, "500")
    reply = await admin_says(harness, f"/stats {period}")
    text = reply.text or ""
    assert f"Purchases: {purchases} · customers: {purchases}" in text, text
