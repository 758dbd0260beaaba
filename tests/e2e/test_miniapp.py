"""[miniapp]: the owners' dashboard in a real browser, against the real bot and emulator."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from sandbox import BotMessage, EmulatedUser
from sandbox.web_app import DARK_THEME, launch_url, sign_init_data
from tests.browser import PHONE, chromium, screenshot
from tests.e2e.conftest import Harness
from tests.e2e.steps import owner_says, press_and_next, purchase, rows, started_customer
from tests.helpers import free_port


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest.fixture
async def dashboard(harness: Harness) -> Harness:
    """The bot with its Mini App on a free port of 127.0.0.1."""
    port = free_port()
    harness.overrides.update(api_port=str(port), webapp_url=f"http://127.0.0.1:{port}/app")
    await harness.start()
    harness.owner.send_text("/start")
    await harness.owner.next_message()
    return harness


async def _answered(harness: Harness, customer: EmulatedUser, nps: str, csat: str) -> BotMessage:
    """The two scores given; the next question ("100% satisfied?")."""
    await purchase(harness, customer)
    question = await press_and_next(customer, await customer.next_message(), nps)
    return await press_and_next(customer, question, csat)


async def _open(browser: Browser, url: str) -> Page:
    page = await browser.new_page(viewport=PHONE)
    await page.goto(url)
    return page


async def _dashboard_url(harness: Harness, user: EmulatedUser, **launch: object) -> str:
    user.send_text("/dashboard")
    reply = await user.next_message()
    label = "Панель" if user.language_code == "ru" else "Dashboard"
    return user.open_web_app(reply.web_app_url(label), **launch)  # type: ignore[arg-type]


async def test_the_dashboard_shows_the_nps_the_bot_computed(
    dashboard: Harness, browser: Browser
) -> None:
    for name, nps in (("Anna", "10"), ("Boris", "9"), ("Vera", "3")):
        await _answered(dashboard, await started_customer(dashboard, name), nps, "4")
    await dashboard.owner.next_message()  # Vera's alert
    stats = await owner_says(dashboard, "/stats 30d")
    computed = re.search(r"NPS ([+−-]?\d+)", stats)
    assert computed is not None, stats
    page = await _open(browser, await _dashboard_url(dashboard, dashboard.owner))
    await expect(page.locator("#nps-score")).to_have_text(computed.group(1).replace("−", "-"))
    await expect(page.locator("#title")).to_have_text("Панель")
    await screenshot(page, "miniapp-overview-ru")


async def test_forged_init_data_gets_the_error_screen_and_no_data(
    dashboard: Harness, browser: Browser
) -> None:
    await _answered(dashboard, await started_customer(dashboard), "10", "5")
    url = await _dashboard_url(dashboard, dashboard.owner)
    owner = {"id": dashboard.owner.id, "first_name": "Olga", "language_code": "ru"}
    forged = launch_url(url, sign_init_data("123456:NOT-the-bots-token", owner))
    page = await _open(browser, forged)
    await expect(page.locator("#error")).to_be_visible()
    await expect(page.locator("#error-text")).to_contain_text("signature")
    await expect(page.locator("#nps-score")).to_have_count(0)
    await screenshot(page, "miniapp-forged")


async def test_handling_an_alert_on_the_page_changes_it_in_the_owners_chat(
    dashboard: Harness, browser: Browser
) -> None:
    customer = await started_customer(dashboard)
    await _answered(dashboard, customer, "2", "1")
    alert = await dashboard.owner.next_message()
    assert alert.button_labels == ["Беру на себя", "Решено"]
    url = await _dashboard_url(dashboard, dashboard.owner, theme=DARK_THEME)
    page = await _open(browser, url)
    await page.locator('[data-tab="alerts"]').click()
    card = page.locator("[data-alert-id]").first
    await expect(card).to_have_attribute("data-state", "open")
    await card.locator('[data-action="claim"]').click()
    await expect(page.locator("[data-alert-id]").first).to_have_attribute("data-state", "claimed")
    await dashboard.emulator.wait_for(
        lambda: dashboard.owner.message(alert.message_id).button_labels == ["Решено"], timeout=5
    )
    assert "Olga" in (dashboard.owner.message(alert.message_id).text or "")
    await screenshot(page, "miniapp-alert-claimed-dark")
    await page.locator('[data-alert-id] [data-action="resolve"]').first.click()
    await expect(page.locator("[data-alert-id]").first).to_have_attribute("data-state", "resolved")
    await dashboard.emulator.wait_for(
        lambda: dashboard.owner.message(alert.message_id).button_labels == [], timeout=5
    )
    assert await rows(dashboard, "SELECT claimed_by, resolved_by FROM alerts") == [
        (dashboard.owner.id, dashboard.owner.id)
    ]


async def test_an_admin_searches_the_answers_and_wins_a_lead_on_the_page(
    dashboard: Harness, browser: Browser
) -> None:
    customer = await started_customer(dashboard, "Anna", language_code="ru")
    satisfied = await _answered(dashboard, customer, "9", "5")
    await press_and_next(customer, satisfied, "Да")
    customer.send_text("Торт на заказ")
    await press_and_next(customer, await customer.next_message(), "Нет")
    await _answered(dashboard, await started_customer(dashboard, "Boris"), "7", "3")
    dashboard.admin.send_text("/start")
    await dashboard.admin.next_message()
    page = await _open(browser, await _dashboard_url(dashboard, dashboard.admin))
    await page.locator('[data-tab="answers"]').click()
    table = page.locator("#answers-table tbody tr")
    await expect(table).to_have_count(2)
    await page.locator("#answers-search").fill("торт")
    await page.locator("#answers-search").press("Enter")
    await expect(table).to_have_count(1)
    await expect(table.first).to_contain_text("Торт на заказ")
    await screenshot(page, "miniapp-answers-en")
    await page.locator('[data-tab="leads"]').click()
    lead = page.locator("[data-lead-id]").first
    await expect(lead).to_contain_text("Торт на заказ")
    await lead.get_by_role("button", name="Won").click()
    await expect(page.locator("[data-lead-id] .badge").first).to_have_text("won")
    await expect(page.locator('.segment[data-leads="open"]')).to_have_text("Open · 0")
    assert await rows(dashboard, "SELECT status, status_by FROM leads") == [
        ("won", dashboard.admin.id)
    ]
    await screenshot(page, "miniapp-leads-en")
