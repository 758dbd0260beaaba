"""[voice]: counts that agree with their nouns, and values written as each language writes them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, owner_says, past_purchase, purchase, started_customer


async def test_store_counts_agree_with_their_nouns_in_both_languages(running: Harness) -> None:
    now = running.clock()
    phone = 0
    for store, count in (("Один", 1), ("Два", 2), ("Пять", 5)):
        for _ in range(count):
            phone += 1
            await past_purchase(running, f"+7900000{phone:04d}", now, store=store)
    russian = await owner_says(running, "/stores")
    for line in ("• Пять: 5 покупок", "• Два: 2 покупки", "• Один: 1 покупка"):
        assert line in russian
    english = (await admin_says(running, "/stores")).text or ""
    for line in ("• Пять: 5 purchases", "• Два: 2 purchases", "• Один: 1 purchase\n"):
        assert line in english + "\n"


async def test_a_purchase_is_written_in_the_readers_money_format(running: Harness) -> None:
    customer = await started_customer(running, "Vera")
    russian = await owner_says(running, f"/purchase {customer.id} 1500.50 R-1")
    assert "1\xa0500,50\xa0₽" in russian
    english = (await admin_says(running, f"/purchase {customer.id} 99 R-2")).text or ""
    assert "RUB99.00" in english


async def test_help_says_when_the_survey_goes_in_words(harness: Harness) -> None:
    harness.overrides["survey_delay"] = "2h"
    await harness.start()
    assert "клиент получит опрос через 2 часа" in await owner_says(harness, "/help")
    english = (await admin_says(harness, "/help")).text or ""
    assert "the customer gets a survey in 2 hours" in english


@pytest.mark.parametrize(
    ("language", "title", "clock"),
    [
        ("Русский", "Недовольный клиент: 3/10", "(время: Москва)"),
        ("English", "Detractor: 3/10", "(Moscow time)"),
    ],
)
async def test_an_alert_and_the_stats_name_the_owners_clock(
    running: Harness, language: str, title: str, clock: str
) -> None:
    running.owner.send_text("/start")
    await running.owner.next_message()
    running.owner.send_text("/language")
    choice = await running.owner.next_message()
    running.owner.press(choice, language)
    await running.owner.wait_edited(choice)
    customer = await started_customer(running, "Vera")
    await purchase(running, customer)
    customer.press(await customer.next_message(), "3")
    alert = await running.owner.next_message(timeout=10)
    assert title in (alert.text or "") and clock in (alert.text or "")
    stats = (await admin_says(running, "/stats 7d")).text or ""
    assert stats.splitlines()[0].endswith("· Moscow time")
    assert "detractors 1; answers: 1" in stats


@pytest.mark.parametrize(
    ("days", "russian", "english"),
    [(1, "1 день", "1 day"), (2, "2 дня", "2 days"), (5, "5 дней", "5 days")],
)
async def test_stats_and_the_digest_count_days_in_both_languages(
    running: Harness, days: int, russian: str, english: str
) -> None:
    now = running.clock()
    await past_purchase(running, "+79000000001", now - timedelta(days=days, hours=1))
    running.owner.send_text("/start")
    await running.owner.next_message()
    stats = await owner_says(running, "/stats all")
    assert f"(пока — {russian})." in stats
    running.admin.send_text("/digest")
    digest = "\n".join(m.text or "" for m in await running.admin.next_messages(1))
    assert f"(so far {english})." in digest
