"""Wrong kinds of answers get a hint with the question again; nothing stored changes."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.steps import press_and_next, purchase, rows, started_customer

CSAT_TEXT = "How satisfied are you with your purchase"
FIX_TEXT = "What should we fix?"


async def _at_question(running: Harness, presses: tuple[str, ...]):  # type: ignore[no-untyped-def]
    customer = await started_customer(running)
    await purchase(running, customer)
    message = await customer.next_message()
    for label in presses:
        message = await press_and_next(customer, message, label)
    return customer, message


@pytest.mark.parametrize(
    ("presses", "labels"),
    [
        ((), [*(str(n) for n in range(11)), "Don't ask me again"]),  # NPS
        (("9",), ["1", "2", "3", "4", "5"]),  # CSAT
        (("9", "5"), ["Yes", "No"]),  # 100% satisfied?
    ],
)
async def test_text_or_sticker_where_a_button_is_expected_repeats_the_keyboard(
    running: Harness, presses: tuple[str, ...], labels: list[str]
) -> None:
    customer, question = await _at_question(running, presses)
    for send in (lambda: customer.send_text("nine"), customer.send_sticker):
        send()
        again = await customer.next_message()
        assert (again.text or "").startswith("Please answer with the buttons")
        assert again.button_labels == labels
        assert (await customer.wait_edited(question)).buttons == []  # one live keyboard
        question = again
    count_before = await rows(running, "SELECT COUNT(*) FROM answers")
    customer.press(question, labels[0])
    await customer.next_message()
    assert await rows(running, "SELECT COUNT(*) FROM answers") == [(count_before[0][0] + 1,)]


async def test_too_long_text_is_refused_with_the_limit(running: Harness) -> None:
    customer, _ = await _at_question(running, ("5", "3", "No"))
    customer.send_text("x" * 2001)
    refusal = await customer.next_message()
    assert "2,001 characters long; the limit is 2,000" in (refusal.text or "")
    assert FIX_TEXT in (refusal.text or "")  # the question comes again with the refusal
    assert await rows(running, "SELECT COUNT(*) FROM answers") == [(3,)]
    customer.send_text("y" * 2000)  # exactly the limit is fine
    assert "product or service" in ((await customer.next_message()).text or "")
    assert await rows(running, "SELECT length(text) FROM answers WHERE question = 'fix'") == [
        (2000,)
    ]


async def test_a_text_over_telegrams_limit_is_refused_once_and_its_tail_is_not_an_answer(
    running: Harness,
) -> None:
    customer, _ = await _at_question(running, ("5", "3", "No"))
    customer.send_text("z" * 9000)  # the app sends 4096 + 4096 + 808 characters
    refusal = await customer.next_message()
    assert "4,096" in (refusal.text or "") and FIX_TEXT in (refusal.text or "")
    await running.emulator.wait_idle()
    assert customer.pending_messages() == []  # the other two parts got no reply of their own
    assert await rows(running, "SELECT COUNT(*) FROM answers") == [(3,)]
    # the customer, having read the refusal, writes again
    customer.send_text("Shorter: colder drinks")
    assert "product or service" in ((await customer.next_message()).text or "")
    assert await rows(running, "SELECT text FROM answers WHERE question = 'fix'") == [
        ("Shorter: colder drinks",)
    ]


async def test_sticker_photo_voice_contact_get_a_hint_with_the_question(running: Harness) -> None:
    customer, _ = await _at_question(running, ("5", "3", "No"))  # a text answer is expected
    for send in (customer.send_sticker, customer.send_photo, customer.send_voice):
        send()
        hint = (await customer.next_message()).text or ""
        assert hint.startswith("Please answer with a text message or the button below.")
        assert FIX_TEXT in hint
    customer.send_contact(phone_number="+15550001", first_name="Bob")
    assert FIX_TEXT in ((await customer.next_message()).text or "")
    customer.send_text("Better packaging")
    assert "product or service" in ((await customer.next_message()).text or "")
    assert await rows(running, "SELECT text FROM answers WHERE question = 'fix'") == [
        ("Better packaging",)
    ]


async def test_unknown_command_and_idle_message_get_guidance(running: Harness) -> None:
    customer = await started_customer(running)
    customer.send_text("/foo")
    assert "/help" in ((await customer.next_message()).text or "")
    customer.send_text("hello?")
    assert "next purchase" in ((await customer.next_message()).text or "")
    customer.send_sticker()
    assert "next purchase" in ((await customer.next_message()).text or "")
    customer.send_text("/help")
    help_text = (await customer.next_message()).text or ""
    assert "/start" in help_text and "/purchase" not in help_text


@pytest.mark.parametrize(
    "data", ["a:1:zzz:5", "a:1:nps:²", "a:99999999999999999999:nps:5", "something-else", "a:"]
)
async def test_malformed_button_data_is_answered_and_changes_nothing(
    running: Harness, data: str
) -> None:
    customer, question = await _at_question(running, ())
    pressed = customer.press_data(question.message_id, data)
    assert (await customer.callback_answer(pressed)).text == "This button is not valid."
    assert await rows(running, "SELECT COUNT(*) FROM answers") == [(0,)]


async def test_html_in_names_and_answers_is_shown_literally(running: Harness) -> None:
    customer = await started_customer(running, "<b>Eve</b>")
    running.admin.send_text(f"/purchase {customer.id} 10")
    confirmation = await running.admin.next_message()
    assert "<b>Eve</b> @<b>eve</b>" in (confirmation.text or "")  # escaped, so not markup
    message = await customer.next_message()
    for label in ("9", "5", "Yes", "No, thanks"):
        message = await press_and_next(customer, message, label)
    customer.send_contact(phone_number="+79001234567", first_name="<i>Ivan</i> & </code>")
    await customer.next_message()  # the thank-you
    # The contact is in the chat already: the question is not edited to repeat it (what the
    # owners see of it is shown literally too: test_owner_escaping.py).
    assert customer.message(message.message_id).edit_count == 0
    assert await rows(running, "SELECT name FROM referrals") == [("<i>Ivan</i> & </code>",)]
