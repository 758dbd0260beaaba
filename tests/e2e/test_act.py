"""[act]: from answers to actions."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

from intake.qr import QrTarget, make_payload
from sandbox import BotMessage, EmulatedUser
from storage import customers, exports
from storage.exports import PURCHASE_HEADERS
from storage.intake import record_purchase_in
from storage.purchases import NewPurchase
from tests.e2e.conftest import Harness
from tests.e2e.steps import (
    admin_says,
    owner_says,
    past_purchase,
    press_and_next,
    purchase,
    rows,
    started_customer,
)
from tests.e2e.test_flow import FORGET_YES


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
    assert "Недовольный клиент: оценка 2/5" in alert and "Anna" in alert
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


async def test_stats_all_covers_the_whole_history_with_its_years(running: Harness) -> None:
    now = running.clock()
    since = datetime(1997, 3, 1, 12, 0, tzinfo=UTC)
    for number in range(5):
        await past_purchase(running, f"+7900000000{number}", since + timedelta(days=number))
    await past_purchase(running, "+79000000000", now - timedelta(days=3))  # the first, again
    text = (await admin_says(running, "/stats all")).text or ""
    title = text.splitlines()[0]
    assert "Mar 1, 1997\u2009–\u2009" in title and f"{now:%Y}" in title
    assert "Purchases: 6 · customers: 5" in text
    # one of five bought twice; six purchases by five customers
    assert "Repeat purchase rate: 20% (likely 4–62%) · purchase frequency: 1.2" in text


async def test_a_young_business_sees_loyalty_over_its_days(running: Harness) -> None:
    now = running.clock()
    start = now - timedelta(days=94)
    for number in range(6):
        await past_purchase(running, f"+7900000001{number}", start + timedelta(days=number))
    for number in range(3):  # half of them came back
        await past_purchase(running, f"+7900000001{number}", now - timedelta(days=number + 1))
    text = (await admin_says(running, "/stats 7d")).text or ""
    assert "Over 94 days, the whole history of purchases" in text
    assert "Retention 50% (likely 19–81%) over the second half of the span" in text


async def test_a_business_of_a_month_is_told_when_loyalty_comes(running: Harness) -> None:
    now = running.clock()
    for number in range(6):
        await past_purchase(running, f"+7900000002{number}", now - timedelta(days=30 + number))
    running.admin.send_text("/stats 30d")
    text = (await running.admin.next_message()).text or ""
    assert "shown from two months of purchases on (so far 35 days)" in text
    assert "Retention " not in text and "CLV:" not in text


async def test_the_digest_shows_each_change_against_the_week_before(running: Harness) -> None:
    now = running.clock()
    for number in range(5):  # a week ago: five purchases of 1,000
        await past_purchase(running, f"+7900000003{number}", now - timedelta(days=10))
    for number in range(6):  # this week: six purchases of 1,500
        await past_purchase(running, f"+7900000003{number}", now - timedelta(days=2), 150_000)
    running.owner.send_text("/start")
    await running.owner.next_message()
    running.owner.send_text("/digest")
    text = (await running.owner.next_message()).text or ""
    assert "Покупок: 6 · покупателей: 6" in text and "(+1 к прошлому периоду)" in text
    assert "Средний чек: 1\xa0500,00\xa0₽ (+500,00\xa0₽ к прошлому периоду)" in text


# --- stores as one list ---------------------------------------------------------------------


async def test_one_store_written_three_ways_is_one_store(running: Harness) -> None:
    assert running.app is not None
    now = running.clock()
    for number, spelling in enumerate(("Main Street", "MAIN  street", "main_street\t")):
        await past_purchase(running, f"+7900000004{number}", now, store=spelling)
    await past_purchase(running, "+79000000049", now, store=" mall ")
    customer = running.emulator.create_user(first_name="Vera", language_code="en")
    customer.send_text(f"/start {make_payload(running.app.qr_secret, QrTarget('MALL'))}")
    await customer.next_messages(2)  # the welcome and the thanks for the visit
    assert await rows(
        running, "SELECT store_key, COUNT(*) FROM purchases GROUP BY 1 ORDER BY 1"
    ) == [("main street", 3), ("mall", 2)]
    listing = (await admin_says(running, "/stores")).text or ""
    assert "Stores (2)" in listing
    assert "• Main Street: 3 purchases" in listing and "• mall: 2 purchases" in listing


async def test_an_owner_joins_a_qr_code_to_the_store_the_till_names(running: Harness) -> None:
    now = running.clock()
    for number in range(3):
        await past_purchase(running, f"+7900000005{number}", now, store="Main street")
    await past_purchase(running, "+79000000059", now, 250_000, store="main")
    await past_purchase(running, "+79000000058", now, store="Mall")
    reply = await owner_says(running, "/stores alias main = Main street")
    assert "«main» теперь считается магазином Main street" in reply  # the owner's Russian
    assert await rows(
        running, "SELECT store_key, COUNT(*) FROM purchases GROUP BY 1 ORDER BY 1"
    ) == [("main street", 4), ("mall", 1)]
    listing = (await admin_says(running, "/stores")).text or ""
    assert "• Main street: 4 purchases; also written as: main" in listing
    # a later purchase under the alias counts for the store at once
    await past_purchase(running, "+79000000057", now, store="MAIN")
    stats = (await admin_says(running, "/stats 7d main street")).text or ""
    assert "Figures: last 7 days, Main street" in stats
    assert "Purchases: 5 · customers: 5" in stats
    assert "Average check: RUB1,300.00" in stats  # (4 × 1,000 + 2,500) / 5
    everything = (await admin_says(running, "/stats 7d")).text or ""
    assert "Purchases: 6 · customers: 6" in everything
    await owner_says(running, "/stores rename Main street = Main Street, 12")
    await owner_says(running, "/stores unalias main")
    listing = (await admin_says(running, "/stores")).text or ""
    assert "• Main Street, 12: 3 purchases" in listing and "• main: 2 purchases" in listing


async def test_stores_answers_clearly_and_only_owners_change_them(running: Harness) -> None:
    await past_purchase(running, "+79000000060", running.clock(), store="Mall")
    unknown = (await admin_says(running, "/stats 7d Nowhere")).text or ""
    assert "No store is called «Nowhere»" in unknown
    only = (await admin_says(running, "/stores alias mall2 = Mall")).text or ""
    assert "Only an owner can change stores" in only
    for bad in ("/stores alias mall2", "/stores unalias", "/stores rename Mall =", "/stores merge"):
        assert "Формат: /stores" in await owner_says(running, bad), bad
    assert "Магазина «Nowhere» нет" in await owner_says(running, "/stores alias x = Nowhere")
    assert "не псевдоним" in await owner_says(running, "/stores unalias Mall")
    assert await rows(running, "SELECT key, name FROM stores") == [("mall", "Mall")]


# --- themes of what customers write ---------------------------------------------------------


async def _writes(harness: Harness, name: str, nps: str, fix: str, upsell: str) -> None:
    """A customer's survey with a written fix and wish, in Russian."""
    customer = await started_customer(harness, first_name=name, language_code="ru")
    await purchase(harness, customer, "1500")
    message = await customer.next_message()
    for label in (nps, "5", "Нет"):
        message = await press_and_next(customer, message, label)
    customer.send_text(fix)
    await customer.next_message()
    customer.send_text(upsell)
    referral = await customer.next_message()
    await press_and_next(customer, referral, "Нет")


async def test_the_digest_groups_what_customers_wrote_into_themes(running: Harness) -> None:
    await _writes(running, "Anna", "3", "курьер опоздал на час", "доставку на дом")
    await _writes(running, "Boris", "9", "Доставка долгая", "онлайн-запись")
    await _writes(running, "Vera", "5", "парковки нет", "больше десертов")
    await _writes(running, "Gleb", "6", "парковка маленькая", "-")
    running.owner.send_text("/start")
    running.owner.drain()
    await running.owner.next_message()
    running.owner.drain()
    running.owner.send_text("/digest")
    text = (await running.owner.next_message()).text or ""
    assert "О чём писали клиенты" in text
    assert "Доставка: 2 (+2 к прошлому периоду) · NPS этих клиентов мало ответов" in text
    assert "Вне тем чаще всего пишут: парковка (2)" in text
    assert (await running.owner.next_message()).photo is not None  # the digest's chart
    # the owner makes parking a theme: the answers so far are read again
    reply = await owner_says(running, "/themes add Парковка = парковка, стоянка")
    assert "Новая тема «Парковка»: 2 слова." in reply
    stats = (await admin_says(running, "/stats 7d")).text or ""
    assert "Парковка: 2" in stats and "Delivery: 2" in stats
    assert "In no theme" not in stats


async def test_themes_are_listed_and_changed_by_owners_only(running: Harness) -> None:
    listing = (await admin_says(running, "/themes")).text or ""
    assert "Themes (9)" in listing and "• Delivery: доставка, достав*" in listing
    one = (await admin_says(running, "/themes payment")).text or ""
    assert one.startswith("🏷 Payment:") and "contactless" in one
    refused = (await admin_says(running, "/themes remove Payment")).text or ""
    assert "Only an owner can change the themes" in refused
    assert "Тема «Оплата» удалена." in await owner_says(running, "/themes remove Оплата")
    assert "«Время ожидания» вошла в тему «Персонал и вежливость»" in await owner_says(
        running, "/themes merge Время ожидания = staff"
    )
    assert "Тема теперь называется «Цены и скидки»" in await owner_says(
        running, "/themes rename Цены = Цены и скидки"
    )
    for bad in ("/themes add Цены", "/themes rename Цены", "/themes merge Цены ="):
        assert "Формат: /themes" in await owner_says(running, bad), bad
    assert "Темы «Нет такой» нет" in await owner_says(running, "/themes remove Нет такой")
    names = await rows(running, "SELECT name_ru FROM themes ORDER BY position")
    assert [name for (name,) in names] == [
        "Доставка",
        "Цены и скидки",
        "Персонал и вежливость",
        "Качество",
        "Ассортимент",
        "Чистота",
        "Приложение и сайт",
    ]


# --- referrals credited ---------------------------------------------------------------------


async def _brought_by(harness: Harness, referrer: EmulatedUser, name: str) -> EmulatedUser:
    """A friend who opens the bot by the referrer's personal link."""
    (code,) = await rows(
        harness, "SELECT referral_code FROM customers WHERE telegram_user_id = ?", referrer.id
    )
    friend = harness.emulator.create_user(first_name=name, language_code="en")
    friend.send_text(f"/start ref_{code[0]}")
    await friend.next_message()  # the welcome
    return friend


async def test_a_friends_purchases_are_credited_to_who_brought_them(running: Harness) -> None:
    anna = await started_customer(running, "Anna")
    boris = await _brought_by(running, anna, "Boris")
    vera = await _brought_by(running, anna, "Vera")
    await purchase(running, boris, "1500")
    await purchase(running, boris, "2500 B-2")
    await purchase(running, vera, "1000")
    await purchase(running, anna, "9000")  # her own purchase is nobody's referral
    text = (await admin_says(running, "/stats 7d")).text or ""
    assert "New customers by a link: 2 · purchases by referred customers: 3 (buyers: 2)" in text
    assert "RUB5,000.00" in text  # 1,500 + 2,500 + 1,000
    assert "• Anna: 2 friends, 3 purchases, RUB5,000.00" in text
    with exports.snapshot(running.database_path) as tables:  # what /export writes
        purchases = list(tables[1].rows)
    referrer = PURCHASE_HEADERS.index("referrer_first_name")
    assert [row[referrer] for row in purchases] == ["Anna", "Anna", "Anna", None]
    assert await rows(running, "SELECT COUNT(*) FROM referral_rewards") == [(0,)]  # rewards off


async def test_the_referrer_gets_a_pool_code_for_each_friends_first_purchase(
    running: Harness,
) -> None:
    turned_on = await owner_says(running, "/reward referral on")
    assert "a code from the pool, once per friend" in turned_on or "код из пула" in turned_on
    await owner_says(running, "/reward pool GIFT-1")
    anna = await started_customer(running, "Anna")
    boris = await _brought_by(running, anna, "Boris")
    vera = await _brought_by(running, anna, "Vera")
    await purchase(running, boris, "1500")
    await purchase(running, boris, "2500 B-2")  # not his first: no second code
    gift = await anna.next_message(timeout=10)
    assert "A friend you invited has made their first purchase" in (gift.text or "")
    assert "GIFT-1" in (gift.text or "")
    await purchase(running, vera, "1000")  # the pool is empty now: owed until codes come
    await asyncio.sleep(1.5)
    assert [m.text for m in anna.pending_messages() if "GIFT" in (m.text or "")] == []
    await owner_says(running, "/reward pool GIFT-2 GIFT-3")
    gift = await anna.next_message(timeout=10)
    assert "GIFT-2" in (gift.text or "")
    assert await rows(
        running, "SELECT code, friend_id IS NOT NULL FROM reward_codes ORDER BY id"
    ) == [("GIFT-1", 1), ("GIFT-2", 1), ("GIFT-3", 0)]
    running.owner.send_text("/reward")
    replies = [m.text or "" for m in await running.owner.next_messages(3)]  # + two notices
    status = next(text for text in replies if text.startswith("🎁"))
    assert "Первая покупка друга приносит пригласившему код из пула" in status


# --- leads --------------------------------------------------------------------------------


async def _leads_from(harness: Harness, name: str, fix: str, upsell: str) -> EmulatedUser:
    """A survey whose three follow-ups bring three leads; the friend is shared as a contact."""
    customer = await started_customer(harness, first_name=name)
    assert harness.app is not None
    now = harness.clock()
    async with harness.app.db.transaction() as conn:  # as the till's API records it
        known = await customers.get_by_telegram_id(conn, customer.id)
        assert known is not None
        order = f"L-{known.id}"
        new = NewPurchase(known.id, 150_000, "RUB", now, "api", order_id=order, store="Main street")
        await record_purchase_in(conn, new, harness.app.settings.survey_rules, now=now)
    message = await customer.next_message()
    for label in ("6", "3", "No"):
        message = await press_and_next(customer, message, label)
    customer.send_text(fix)
    await customer.next_message()
    customer.send_text(upsell)
    await customer.next_message()
    customer.send_contact("+79001234567", first_name="Pyotr", user_id=555)
    await customer.next_message()  # thank you
    return customer


def _link_ids(message: BotMessage) -> list[str]:
    return [e["url"] for e in message.entities if e["type"] == "text_link"]


async def test_follow_up_answers_become_leads_staff_work_through(running: Harness) -> None:
    anna = await _leads_from(running, "Anna", "The coffee was cold", "Cakes to take away")
    running.admin.send_text("/leads")
    referral, upsell, fix, footer = await running.admin.next_messages(4)
    assert footer.text == "Open leads: 3. Newest first; /leads all shows every lead."
    assert (upsell.text or "").startswith("💡 Lead #2: a wish\nCustomer: Anna @anna\n")
    assert f"tg://user?id={anna.id}" in _link_ids(upsell)
    assert re.search(r"Purchase: L-\d+ · store: Main street · RUB1,500\.00", upsell.text or "")
    assert "«Cakes to take away»" in (upsell.text or "") and "Status: open" in (upsell.text or "")
    assert "«The coffee was cold»" in (fix.text or "")
    assert "Recommended by: Anna" in (referral.text or "")
    assert "Person: Pyotr\nPhone: +79001234567" in (referral.text or "")
    assert "tg://user?id=555" in _link_ids(referral)
    assert upsell.button_labels == ["Contacted", "Won", "Not interested"]

    pressed = running.admin.press(upsell, "Contacted")
    assert (await running.admin.callback_answer(pressed)).text == "Lead #2: contacted."
    upsell = await running.admin.wait_edited(upsell)
    assert "Status: 📞 contacted" in (upsell.text or "")
    running.admin.press(upsell, "Won")
    upsell = await running.admin.wait_edited(upsell)
    assert "Status: 🏆 won" in (upsell.text or "")
    running.admin.press(fix, "Not interested")
    assert "Status: ✖ not interested" in ((await running.admin.wait_edited(fix)).text or "")
    assert await rows(running, "SELECT id, status, contacted_at IS NOT NULL FROM leads") == [
        (1, "lost", 1),
        (2, "won", 1),
        (3, "open", 0),
    ]

    running.admin.send_text("/leads")
    only, footer = await running.admin.next_messages(2)
    assert (only.text or "").startswith("🤝 Lead #3") and footer.text.startswith("Open leads: 1.")
    running.admin.send_text("/leads all")
    assert len(await running.admin.next_messages(4)) == 4
    running.admin.send_text("/digest")
    digest = (await running.admin.next_message()).text or ""
    assert "New: 3 (+3 against the period before) · contacted: 2 · won: 1" in digest
    assert "open now: 1" in digest


async def test_leads_answer_bad_input_and_stale_buttons(running: Harness) -> None:
    assert "Usage: /leads" in ((await admin_says(running, "/leads closed")).text or "")
    empty = await admin_says(running, "/leads")
    assert (empty.text or "").startswith("No open leads.")
    await _leads_from(running, "Anna", "cold", "cakes")
    running.admin.send_text("/leads")
    card, *_ = await running.admin.next_messages(4)
    forged = running.admin.press_data(card.message_id, "lead:999:won")
    assert (await running.admin.callback_answer(forged)).text == "This lead is no longer there."
    nonsense = running.admin.press_data(card.message_id, "lead:1:sold")
    await running.admin.callback_answer(nonsense)
    assert await rows(running, "SELECT DISTINCT status FROM leads") == [("open",)]


async def test_older_leads_come_a_page_at_a_time(running: Harness) -> None:
    await _leads_from(running, "Anna", "cold", "cakes")
    await _leads_from(running, "Boris", "slow", "pies")
    running.admin.send_text("/leads")
    *cards, footer = await running.admin.next_messages(6)
    assert [(c.text or "").split(":")[0] for c in cards] == [
        f"{icon} Lead #{n}" for icon, n in zip("🤝💡🛠🤝💡", (6, 5, 4, 3, 2), strict=True)
    ]
    assert footer.button_labels == ["Older leads"]
    running.admin.press(footer, "Older leads")
    last, end = await running.admin.next_messages(2)
    assert (last.text or "").startswith("🛠 Lead #1") and end.button_labels == []
    assert (await running.admin.wait_edited(footer)).button_labels == []


async def test_a_forgotten_customers_leads_keep_their_status_and_lose_their_words(
    running: Harness,
) -> None:
    anna = await _leads_from(running, "Anna", "The coffee was cold", "Cakes")
    running.admin.send_text("/leads")
    await running.admin.next_messages(4)
    anna.send_text("/forget")
    confirm = await anna.next_message()
    anna.press(confirm, FORGET_YES)
    await anna.wait_edited(confirm)
    running.admin.send_text("/leads")
    referral, upsell, fix, _ = await running.admin.next_messages(4)
    for card in (upsell, fix):
        assert "Anna" not in (card.text or "") and "The words are erased" in (card.text or "")
    assert "Pyotr" not in (referral.text or "")
    assert await rows(running, "SELECT COUNT(*) FROM leads") == [(3,)]
