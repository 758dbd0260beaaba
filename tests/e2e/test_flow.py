"""[flow]: no customer waits, gets stuck or is surveyed by mistake.

No dead end (every question has a button, one nudge for who stops halfway), history is
stored but never surveyed, one date parser for every way in, one visit a day from a store's
QR code, clear answers (a phone held by another account, /forget of a shared contact, when
a survey really goes out, a CSV file's repeated and conflicting lines), and surveys for
customers the bot cannot write to yet wait outside everything the scheduler reads.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp

from core.clock import utc_now
from intake.qr import QrTarget, make_payload
from sandbox import BotMessage, EmulatedUser
from tests.e2e.conftest import Harness
from tests.e2e.steps import (
    admin_says,
    owner_says,
    press_and_next,
    purchase,
    purchase_by_phone_only,
    rows,
    started_customer,
)
from tests.helpers import FakeClock, eventually

MOSCOW = ZoneInfo("Europe/Moscow")
API_TOKEN = "flow-token"
FORGET_YES = "Yes, delete my data"


async def _to_what_to_fix(customer: EmulatedUser, first: BotMessage) -> BotMessage:
    message = await press_and_next(customer, first, "6")
    message = await press_and_next(customer, message, "3")
    return await press_and_next(customer, message, "No")  # not 100% satisfied


# --- no dead ends ---------------------------------------------------------------------------


async def test_what_to_fix_can_be_left_with_a_button(running: Harness) -> None:
    customer = await started_customer(running)
    await purchase(running, customer)
    fix = await _to_what_to_fix(customer, await customer.next_message())
    assert "What should we fix" in (fix.text or "") and fix.button_labels == ["Skip"]
    upsell = await press_and_next(customer, fix, "Skip")
    assert "offer" in (upsell.text or "")
    assert "Skip" in ((await customer.wait_edited(fix)).text or "")  # the answer under it
    assert await rows(running, "SELECT choice, text FROM answers WHERE question = 'fix'") == [
        ("skip", None)
    ]


async def test_a_written_answer_costs_no_edit_of_its_question(running: Harness) -> None:
    """The answer is in the chat already: only the next question is sent."""
    customer = await started_customer(running)
    await purchase(running, customer)
    fix = await _to_what_to_fix(customer, await customer.next_message())
    edits_before = len(running.emulator.calls("editMessageText"))
    customer.send_text("Slow delivery")
    assert "offer" in ((await customer.next_message()).text or "")
    assert len(running.emulator.calls("editMessageText")) == edits_before
    assert customer.message(fix.message_id).text == fix.text


async def test_who_stops_halfway_is_nudged_once_with_that_questions_buttons(
    harness: Harness,
) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))  # 11:00 in Moscow
    harness.clock = clock
    harness.overrides["reminder_after"] = "2h"
    await harness.start()
    customer = await started_customer(harness)
    await purchase(harness, customer)
    satisfied = await press_and_next(
        customer, await press_and_next(customer, await customer.next_message(), "9"), "5"
    )
    assert "100%" in (satisfied.text or "")

    async def recorded() -> bool:  # the bot records the question once its send returned
        asked = await rows(harness, "SELECT prompt_message_id FROM surveys")
        return asked == [(satisfied.message_id,)]

    await eventually(recorded)
    clock.now += timedelta(hours=1)
    await harness.app.jobs.dispatch_surveys()  # type: ignore[union-attr]
    assert customer.pending_messages() == []  # not yet
    clock.now += timedelta(hours=1, seconds=1)
    await harness.app.jobs.dispatch_surveys()  # type: ignore[union-attr]
    nudge = await customer.next_message()
    assert "stopped halfway" in (nudge.text or "") and "100%" in (nudge.text or "")
    assert nudge.button_labels == ["Yes", "No"]
    assert (await customer.wait_edited(satisfied)).buttons == []  # one live copy
    clock.now += timedelta(days=1)
    await harness.app.jobs.dispatch_surveys()  # type: ignore[union-attr]
    assert customer.pending_messages() == []  # once
    assert "offer" in ((await press_and_next(customer, nudge, "Yes")).text or "")


# --- history is stored, never surveyed ------------------------------------------------------


async def _post(harness: Harness, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    assert harness.app is not None and harness.app.api_runner is not None
    host, port = harness.app.api_runner.addresses[0][:2]
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"http://{host}:{port}/api/purchases",
            json=body,
            headers={"Authorization": f"Bearer {API_TOKEN}"},
        ) as response,
    ):
        return response.status, json.loads(await response.text())


async def test_history_from_the_api_and_a_csv_is_counted_but_never_surveyed(
    harness: Harness,
) -> None:
    harness.overrides["api_token"] = API_TOKEN
    await harness.start()
    customer = await started_customer(harness)
    old = (utc_now() - timedelta(days=200)).astimezone(MOSCOW)
    status, body = await _post(
        harness,
        {
            "order_id": "OLD-1",
            "amount": 900,
            "telegram_user_id": customer.id,
            "purchased_at": old.date().isoformat(),
        },  # a date alone, as the CSV takes it
    )
    assert status == 201 and body["survey"] is None and body["survey_skipped"] == "too_old"
    content = (
        "order_id;amount;telegram_user_id;purchased_at\n"
        f"OLD-2;500;{customer.id};{old:%d.%m.%Y}\n"
        f"NEW-1;700;{customer.id};\n"
    ).encode()
    harness.admin.send_document(filename="history.csv", content=content)
    report = (await harness.admin.next_message()).text or ""
    assert "purchases imported: 2" in report and "(history): 1" in report
    assert "recommend" in ((await customer.next_message()).text or "")  # NEW-1 only
    assert await rows(
        harness, "SELECT p.order_id FROM surveys s JOIN purchases p ON p.id = s.purchase_id"
    ) == [("NEW-1",)]
    assert await rows(harness, "SELECT COUNT(*) FROM purchases") == [(3,)]


async def test_survey_max_age_is_a_setting_owners_can_turn_off(running: Harness) -> None:
    assert "survey_max_age = 3d" in ((await admin_says(running, "/settings")).text or "")
    assert "survey_max_age = off" in await owner_says(running, "/settings survey_max_age off")
    customer = await started_customer(running)
    old = (utc_now() - timedelta(days=200)).astimezone(MOSCOW)
    running.admin.send_document(
        filename="old.csv",
        content=f"order_id;amount;telegram_user_id;purchased_at\nO-1;500;{customer.id};"
        f"{old:%Y-%m-%d}\n".encode(),
    )
    assert "(history)" not in ((await running.admin.next_message()).text or "")
    assert "recommend" in ((await customer.next_message()).text or "")


# --- QR visits ------------------------------------------------------------------------------


async def test_scans_of_a_stores_code_make_one_visit_a_day(harness: Harness) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    harness.clock = clock
    harness.overrides["survey_throttle_days"] = 0
    await harness.start()
    assert harness.app is not None
    link = f"/start {make_payload(harness.app.qr_secret, QrTarget('main'))}"
    customer = harness.emulator.create_user(first_name="Vera", language_code="en")
    for _ in range(3):
        customer.send_text(link)
        await customer.next_messages(2)  # the welcome and the thanks
    assert await rows(harness, "SELECT COUNT(*), amount_minor FROM purchases") == [(1, None)]
    clock.now += timedelta(days=1)
    customer.send_text(link)
    await customer.next_messages(2)
    assert await rows(harness, "SELECT COUNT(*) FROM purchases") == [(2,)]
    stats = (await admin_says(harness, "/stats all")).text or ""
    assert "visits from a store's QR code, without an amount: 2" in stats
    assert "Average check" not in stats  # no amount, no average


# --- clear answers --------------------------------------------------------------------------


async def test_a_phone_held_by_another_account_is_refused_clearly(running: Harness) -> None:
    anna = await started_customer(running, "Anna")
    boris = await started_customer(running, "Boris")
    anna.send_contact("+79001234567", first_name="Anna", user_id=anna.id)
    assert "saved" in ((await anna.next_message()).text or "")
    boris.send_contact("+79001234567", first_name="Boris", user_id=boris.id)
    reply = (await boris.next_message()).text or ""
    assert "already linked to another Telegram account" in reply
    assert await rows(
        running, "SELECT phone FROM customers WHERE telegram_user_id = ?", boris.id
    ) == [(None,)]
    assert await rows(
        running, "SELECT phone FROM customers WHERE telegram_user_id = ?", anna.id
    ) == [("+79001234567",)]


async def test_forget_erases_the_person_where_another_customer_shared_them(
    running: Harness,
) -> None:
    ivan = await started_customer(running, "Ivan")
    ivan.send_contact("+79005556677", first_name="Ivan", user_id=ivan.id)
    await ivan.next_message()
    anna = await started_customer(running, "Anna")
    await purchase(running, anna)
    message = await anna.next_message()
    for label in ("10", "5", "Yes", "No, thanks"):
        message = await press_and_next(anna, message, label)
    anna.send_contact("8 900 555-66-77", first_name="Ivan", last_name="P")  # no account given
    await anna.next_message()  # the thank-you
    assert await rows(running, "SELECT name, phone FROM referrals") == [("Ivan P", "+79005556677")]
    ivan.send_text("/forget")
    confirm = await ivan.next_message()
    ivan.press(confirm, FORGET_YES)
    await ivan.wait_edited(confirm)
    assert await rows(running, "SELECT name, phone, telegram_user_id FROM referrals") == [
        (None, None, None)
    ]


async def test_purchase_says_when_the_survey_really_goes_out(harness: Harness) -> None:
    now = datetime.now(MOSCOW)
    window = f"{now - timedelta(hours=1):%H:%M}-{now + timedelta(hours=2):%H:%M}"
    harness.overrides["quiet_hours"] = window
    await harness.start()
    customer = await started_customer(harness)
    reply = (await purchase(harness, customer)).text or ""
    end = (now + timedelta(hours=2)).strftime("%-I:%M\u202f%p")  # as English writes it
    assert f"{end} (Moscow time), when quiet hours end" in reply
    await admin_says(harness, "/pause")
    other = await started_customer(harness, "Boris")  # one not surveyed within the throttle
    held = (await purchase(harness, other, "700")).text or ""
    assert "once surveys are resumed" in held


async def test_a_csv_lists_repeated_and_conflicting_order_ids_by_line(running: Harness) -> None:
    anna = await started_customer(running)
    first = f"order_id;amount;telegram_user_id\nA-1;100;{anna.id}\nA-2;200;{anna.id}\n"
    running.admin.send_document(filename="day1.csv", content=first.encode())
    await running.admin.next_message()
    second = (
        "order_id;amount;telegram_user_id\n"
        f"A-1;100;{anna.id}\n"  # line 2: imported before, same data
        f"A-2;999;{anna.id}\n"  # line 3: stored with another amount
        f"A-3;300;{anna.id}\n"
        f"A-3;300;{anna.id}\n"  # line 5: repeated in the file
    )
    running.admin.send_document(filename="day2.csv", content=second.encode())
    report = (await running.admin.next_message()).text or ""
    assert "skipped: lines 2, 5" in report
    assert "other data, nothing changed: lines 3" in report
    assert await rows(running, "SELECT amount_minor FROM purchases WHERE order_id = 'A-2'") == [
        (20000,)
    ]


# --- nobody to write to yet -----------------------------------------------------------------


async def test_purchases_by_phone_wait_outside_the_dispatch_until_the_phone_is_shared(
    running: Harness,
) -> None:
    await purchase_by_phone_only(running, "+79007778899", "PH-1")
    assert await rows(running, "SELECT status FROM surveys") == [("waiting",)]
    await running.app.jobs.dispatch_surveys()  # type: ignore[union-attr]
    assert await rows(running, "SELECT status FROM surveys") == [("waiting",)]  # not expired
    customer = await started_customer(running, "Gleb")
    customer.send_contact("+7 900 777-88-99", first_name="Gleb", user_id=customer.id)
    assert "saved" in ((await customer.next_message()).text or "")
    assert "recommend" in ((await customer.next_message()).text or "")
