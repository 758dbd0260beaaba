"""Duplicate updates, stale buttons and forged callbacks change nothing."""

from __future__ import annotations

from tests.e2e.conftest import Harness
from tests.e2e.steps import press_and_next, purchase, rows, started_customer

ANSWERS = "SELECT question, score, choice, text FROM answers ORDER BY id"


async def test_redelivered_button_press_records_one_answer(running: Harness) -> None:
    customer = await started_customer(running)
    await purchase(running, customer)
    nps = await customer.next_message()
    update_id = customer.press(nps, "7")
    csat = await customer.next_message()
    running.emulator.redeliver(update_id)
    await running.emulator.wait_idle()
    assert customer.pending_messages() == []
    assert await rows(running, ANSWERS) == [("nps", 7, None, None)]
    customer.press(csat, "4")  # the survey goes on normally
    assert "100%" in ((await customer.next_message()).text or "")


async def test_redelivered_text_is_not_taken_as_the_next_answer(running: Harness) -> None:
    customer = await started_customer(running)
    await purchase(running, customer)
    message = await customer.next_message()
    for label in ("2", "1"):
        message = await press_and_next(customer, message, label)
    fix = await press_and_next(customer, message, "No")
    update_id = customer.send_text("Everything was cold")
    upsell = await customer.next_message()
    running.emulator.redeliver(update_id)
    await running.emulator.wait_idle()
    assert customer.pending_messages() == []
    assert fix.message_id != upsell.message_id
    assert [row[0] for row in await rows(running, ANSWERS)] == ["nps", "csat", "sat", "fix"]


async def test_old_button_answers_nothing_and_says_so(running: Harness) -> None:
    customer = await started_customer(running)
    await purchase(running, customer)
    nps = await customer.next_message()
    await press_and_next(customer, nps, "10")
    # The keyboard is gone from the client, but an outdated client could still send it.
    update_id = customer.press_data(nps.message_id, f"a:{_survey_id(nps)}:nps:0")
    answer = await customer.callback_answer(update_id)
    assert answer.text is not None and "already" in answer.text
    assert await rows(running, ANSWERS) == [("nps", 10, None, None)]


async def test_forged_callback_for_someone_elses_survey_changes_nothing(running: Harness) -> None:
    anna = await started_customer(running, "Anna")
    mallory = await started_customer(running, "Mallory")
    mallory.send_text("/help")
    own_message = await mallory.next_message()
    await purchase(running, anna)
    nps = await anna.next_message()
    forged = mallory.press_data(own_message.message_id, f"a:{_survey_id(nps)}:nps:0")
    answer = await mallory.callback_answer(forged)
    assert answer.text == "This button is not for you."
    bogus_value = anna.press_data(nps.message_id, f"a:{_survey_id(nps)}:nps:11")
    assert (await anna.callback_answer(bogus_value)).text == "This button is not valid."
    unknown_survey = anna.press_data(nps.message_id, "a:999999:nps:5")
    assert (await anna.callback_answer(unknown_survey)).text == (
        "This survey is no longer available."
    )
    assert await rows(running, ANSWERS) == []
    anna.press(nps, "9")  # the real owner still can answer
    assert "satisfied" in ((await anna.next_message()).text or "")


def _survey_id(message) -> int:
    data = message.reply_markup["inline_keyboard"][0][0]["callback_data"]
    return int(data.split(":")[1])


async def test_a_redelivered_staff_command_has_one_effect(running: Harness) -> None:
    customer = await started_customer(running)
    update_id = running.admin.send_text(f"/purchase {customer.id} 100")  # no order id to match
    await running.admin.next_message()
    running.emulator.redeliver(update_id)
    await running.emulator.wait_idle()
    assert await rows(running, "SELECT COUNT(*) FROM purchases") == [(1,)]
    assert running.admin.pending_messages() == []


async def test_a_command_redelivered_after_a_restart_has_one_effect(running: Harness) -> None:
    """After a restart the id is below what the bot remembers: the database answers."""
    customer = await started_customer(running)
    handled = running.admin.send_text(f"/purchase {customer.id} 100")
    await running.admin.next_message()
    await running.restart()
    running.emulator.redeliver(handled)
    fresh = running.admin.send_text(f"/purchase {customer.id} 200")  # above: from memory
    await running.admin.next_message()
    running.emulator.redeliver(fresh)
    await running.emulator.wait_idle()
    assert await rows(running, "SELECT amount_minor FROM purchases ORDER BY id") == [
        (10000,),
        (20000,),
    ]
    assert running.admin.pending_messages() == []
