"""Updates of one polling batch are handled at once across chats, in order within a chat,
and the batch is confirmed to Telegram only once every update in it is handled."""

from __future__ import annotations

from bot.texts import t
from sandbox.faults import Fault
from tests.e2e.conftest import Harness
from tests.e2e.steps import purchase, rows, started_customer

SLOW = 1.5  # seconds Telegram takes over one message


async def test_a_slow_chat_holds_back_no_other_chat_and_no_confirmation(harness: Harness) -> None:
    await harness.start()
    anna = await started_customer(harness, "Anna")
    boris = await started_customer(harness, "Boris")
    questions = {}
    for customer in (anna, boris):
        await purchase(harness, customer)
        questions[customer.chat_id] = await customer.next_message()
    await harness.stop()
    pressed = {c.chat_id: c.press(questions[c.chat_id], "9") for c in (anna, boris)}
    sends_before = len(harness.emulator.calls("sendMessage"))
    harness.emulator.inject("sendMessage", Fault.slow(SLOW))  # the first next question
    await harness.start()  # both presses come in one getUpdates batch

    await anna.next_message(timeout=10)
    await boris.next_message(timeout=10)
    await harness.emulator.wait_idle()
    anna.send_text("/help")  # ends the parked poll: the emulator records a call when it ends
    await anna.next_message()
    sends = harness.emulator.calls("sendMessage")[sends_before:]  # in the order they ended
    slow, other = sorted(sends, key=lambda call: call.time)[:2]  # in the order they came
    assert {slow.params["chat_id"], other.params["chat_id"]} == set(pressed)
    assert other.time < slow.time + SLOW - 0.5, "the other chat waited for the slow one"
    last_id = max(pressed.values())
    confirming = [
        call
        for call in harness.emulator.calls("getUpdates")
        if int(call.params.get("offset", 0)) > last_id
    ]
    assert confirming, "the batch was never confirmed"
    assert confirming[0].time >= slow.time + SLOW - 0.05, (
        "the batch was confirmed while one of its updates was being handled"
    )
    scores = await rows(harness, "SELECT score FROM answers WHERE question = 'nps'")
    assert scores == [(9,), (9,)]


async def test_the_updates_of_one_chat_are_handled_in_order(harness: Harness) -> None:
    await harness.start()
    anna = await started_customer(harness, "Anna")
    await harness.stop()
    for command in ("/help", "/language", "/help"):
        anna.send_text(command)
    harness.emulator.inject("sendMessage", Fault.slow(SLOW))  # the first reply is late
    await harness.start()
    replies = [reply.text or "" for reply in await anna.next_messages(3, timeout=10)]
    help_text, choose = t("en", "help_customer"), t("en", "language_choose")
    assert [text.startswith(help_text[:40]) for text in replies] == [True, False, True]
    assert replies[1] == choose
