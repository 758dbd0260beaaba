"""Customers saying no: /stop, "Don't ask me again", /start again, /language."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp

from sandbox.faults import Fault
from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, purchase, rows, started_customer
from tests.helpers import FakeClock

TICKS = 2.5  # seconds: more than two scheduler ticks at DISPATCH_INTERVAL=1s


async def test_stop_cancels_the_running_survey_and_no_new_one_is_sent(running: Harness) -> None:
    customer = await started_customer(running)
    await purchase(running, customer)
    question = await customer.next_message()
    assert "Don't ask me again" in question.button_labels
    customer.send_text("/stop")
    reply = await customer.next_message()
    assert "you will not get any more surveys" in (reply.text or "")
    assert (await customer.wait_edited(question)).buttons == []
    assert await rows(running, "SELECT status FROM surveys") == [("cancelled",)]

    # a later purchase is stored, but the dispatcher sends nothing
    answer = await admin_says(running, f"/purchase {customer.id} 990 AFTER-STOP")
    assert "asked not to be surveyed" in (answer.text or "")
    await asyncio.sleep(TICKS)
    assert customer.pending_messages() == []
    assert await rows(running, "SELECT COUNT(*) FROM purchases") == [(2,)]
    assert await rows(running, "SELECT COUNT(*) FROM surveys") == [(1,)]


async def test_dont_ask_me_again_button(running: Harness) -> None:
    customer = await started_customer(running, language_code="ru")
    await purchase(running, customer)
    question = await customer.next_message()
    customer.press(question, "Больше не спрашивать")
    reply = await customer.next_message()
    assert "больше опросов от нас не будет" in (reply.text or "")
    assert (await customer.wait_edited(question)).buttons == []
    assert await rows(running, "SELECT opted_out_at IS NOT NULL FROM customers") == [(1,)]


async def test_someone_elses_opt_out_button_changes_nothing(running: Harness) -> None:
    anna = await started_customer(running, "Anna")
    boris = await started_customer(running, "Boris")
    await purchase(running, anna)
    question = await anna.next_message()
    data = next(
        button["callback_data"]
        for row in (question.reply_markup or {})["inline_keyboard"]
        for button in row
        if button["text"] == "Don't ask me again"
    )
    boris.send_text("/help")
    help_message = await boris.next_message()
    update = boris.press_data(help_message.message_id, data)
    assert (await boris.callback_answer(update)).text == "This button is not for you."
    opted_out = "SELECT COUNT(*) FROM customers WHERE opted_out_at IS NOT NULL"
    assert await rows(running, opted_out) == [(0,)]
    assert await rows(running, "SELECT status FROM surveys") == [("active",)]


async def test_start_again_subscribes_again(running: Harness) -> None:
    customer = await started_customer(running)
    customer.send_text("/stop")
    await customer.next_message()
    customer.send_text("/start")
    assert "surveys after purchases again" in ((await customer.next_message()).text or "")
    await purchase(running, customer)
    assert "recommend" in ((await customer.next_message()).text or "")


async def test_api_says_why_no_survey_was_scheduled(harness: Harness) -> None:
    harness.overrides.update(api_token="secret-token", api_port="0")
    await harness.start()
    customer = await started_customer(harness)
    customer.send_text("/stop")
    await customer.next_message()
    assert harness.app is not None and harness.app.api_runner is not None
    host, port = harness.app.api_runner.addresses[0][:2]
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            f"http://{host}:{port}/api/purchases",
            headers={"Authorization": "Bearer secret-token"},
            json={"order_id": "X1", "amount": 10, "telegram_user_id": customer.id},
        )
        body = await response.json()
    assert response.status == 201
    assert body["survey"] is None and body["survey_skipped"] == "opted_out"


async def test_language_switch_sticks_across_start(running: Harness) -> None:
    customer = await started_customer(running, language_code="en")
    customer.send_text("/language")
    choice = await customer.next_message()
    assert choice.button_labels == ["Русский", "English"]
    customer.press(choice, "Русский")
    assert "по-русски" in ((await customer.wait_edited(choice)).text or "")
    customer.send_text("/start")  # Telegram still says "en"; the customer's choice wins
    assert "С возвращением" in ((await customer.next_message()).text or "")
    await purchase(running, customer)
    assert "порекомендуете" in ((await customer.next_message()).text or "")


def _file_bytes(harness: Harness) -> bytes:
    """The database file and its WAL, as they are on disk."""
    path = harness.database_path
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_forget_leaves_no_personal_data_in_the_file(running: Harness) -> None:
    customer = running.emulator.create_user(
        first_name="Zinaida", last_name="Quokkova", username="zina_q", language_code="ru"
    )
    customer.send_text("/start")
    await customer.next_message()
    customer.send_contact("+7 916 555-12-34", first_name="Zinaida", user_id=customer.id)
    await customer.next_message()  # phone saved
    await purchase(running, customer)
    customer.press(await customer.next_message(), "3")
    customer.press(await customer.next_message(), "2")
    customer.press(await customer.next_message(), "Нет")
    await customer.next_message()
    customer.send_text("Xylophone-coffee was cold")
    await customer.next_message()
    customer.send_text("Zebra-cakes please")
    await customer.next_message()
    customer.send_contact("+79991112233", first_name="Yolanda-Friend")
    await customer.next_message()  # thank you
    secrets = [b"Zinaida", b"Quokkova", b"zina_q", b"9165551234", b"Xylophone", b"Zebra-cakes"]
    secrets += [b"Yolanda", b"9991112233"]
    before = _file_bytes(running)
    assert [s for s in secrets if s not in before] == []  # all of it is on disk at first

    customer.send_text("/forget")
    confirm = await customer.next_message()
    assert confirm.button_labels == ["Да, удалить мои данные", "Отмена"]
    customer.press(confirm, "Да, удалить мои данные")
    assert "персональные данные удалены" in ((await customer.wait_edited(confirm)).text or "")

    after = _file_bytes(running)
    assert [s for s in secrets if s in after] == []
    # the scores stay, anonymous: the statistics do not change
    scores = "SELECT question, score FROM answers WHERE score IS NOT NULL ORDER BY id"
    assert await rows(running, scores) == [("nps", 3), ("csat", 2)]
    assert await rows(running, "SELECT COUNT(*) FROM answers WHERE text IS NOT NULL") == [(0,)]
    assert await rows(running, "SELECT COUNT(*) FROM purchases") == [(1,)]


async def test_forget_can_be_cancelled(running: Harness) -> None:
    customer = await started_customer(running, "Anna")
    customer.send_text("/forget")
    confirm = await customer.next_message()
    customer.press(confirm, "Cancel")
    assert "Nothing was deleted" in ((await customer.wait_edited(confirm)).text or "")
    assert await rows(running, "SELECT first_name FROM customers") == [("Anna",)]


async def test_written_answers_past_retention_are_erased_scores_stay(harness: Harness) -> None:
    clock = FakeClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    harness.clock = clock
    harness.overrides["retention_days"] = "30"
    app = await harness.start()
    old = await started_customer(harness, "Anna")
    await purchase(harness, old)
    old.press(await old.next_message(), "5")
    old.press(await old.next_message(), "3")
    old.press(await old.next_message(), "No")
    await old.next_message()
    old.send_text("Old complaint about parking")
    await old.next_message()

    clock.now += timedelta(days=20)
    new = await started_customer(harness, "Boris")
    await purchase(harness, new)
    new.press(await new.next_message(), "6")
    new.press(await new.next_message(), "3")
    new.press(await new.next_message(), "No")
    await new.next_message()
    new.send_text("Fresh complaint about music")
    await new.next_message()

    clock.now += timedelta(days=11)  # the first text is 31 days old, the second 11
    await app.jobs.housekeeping()
    texts = "SELECT text FROM answers WHERE text IS NOT NULL ORDER BY id"
    assert await rows(harness, texts) == [("Fresh complaint about music",)]
    scores = "SELECT score FROM answers WHERE question = 'nps' ORDER BY id"
    assert await rows(harness, scores) == [(5,), (6,)]


async def test_the_chosen_language_is_the_one_every_reply_uses(running: Harness) -> None:
    customer = await started_customer(running, "Ivan", language_code="ru")
    customer.send_text("/language")
    choice = await customer.next_message()
    customer.press(choice, "English")
    assert "in English" in ((await customer.wait_edited(choice)).text or "")
    for command, expected in (
        ("/help", "/forget — delete my data"),
        ("/purchase 1 2", "This command is for staff only."),
        ("/whatever", "I don't know this command."),
    ):
        customer.send_text(command)
        assert expected in ((await customer.next_message()).text or "")


async def test_a_stop_while_the_question_is_on_its_way_leaves_it_no_buttons(
    harness: Harness,
) -> None:
    """Telegram delivers the question but answers the bot late; /stop comes in between,
    when the bot does not know that message's id yet."""
    clock = FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    harness.clock = clock
    harness.overrides["survey_delay"] = "1h"
    await harness.start()
    customer = await started_customer(harness)
    await purchase(harness, customer)
    harness.emulator.inject("sendMessage", Fault.slow(2))  # the question's send
    clock.now += timedelta(hours=1)
    question = await customer.next_message()
    assert await rows(harness, "SELECT prompt_message_id FROM surveys") == [(None,)]
    customer.send_text("/stop")
    reply = await customer.next_message()
    assert "you will not get any more surveys" in (reply.text or "")
    assert (await customer.wait_edited(question)).buttons == []
    assert await rows(harness, "SELECT status FROM surveys") == [("cancelled",)]
