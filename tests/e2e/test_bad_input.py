"""Wrong kinds of answers get a hint; nothing stored is lost or changed."""

from __future__ import annotations

from tests.e2e.conftest import Harness
from tests.e2e.steps import press_and_next, purchase, started_customer


async def test_text_where_a_button_is_expected_repeats_the_keyboard(running: Harness) -> None:
    customer = await started_customer(running)
    await purchase(running, customer)
    nps = await customer.next_message()
    customer.send_text("nine")
    again = await customer.next_message()
    assert "buttons" in (again.text or "")
    assert again.button_labels == [str(n) for n in range(11)]
    assert (await customer.wait_edited(nps)).buttons == []  # one live keyboard at a time
    customer.press(again, "9")
    assert "satisfied" in ((await customer.next_message()).text or "")


async def test_too_long_text_is_refused_with_the_limit(running: Harness) -> None:
    customer = await started_customer(running)
    await purchase(running, customer)
    message = await customer.next_message()
    for label in ("5", "3"):
        message = await press_and_next(customer, message, label)
    await press_and_next(customer, message, "No")
    customer.send_text("x" * 2001)
    refusal = await customer.next_message()
    assert "2001" in (refusal.text or "") and "2000" in (refusal.text or "")
    assert running.app is not None
    async with running.app.db.reader.execute("SELECT COUNT(*) FROM answers") as cursor:
        assert (await cursor.fetchone())[0] == 3
    customer.send_text("y" * 2000)  # exactly the limit is fine
    assert "product or service" in ((await customer.next_message()).text or "")


async def test_sticker_photo_voice_get_a_hint(running: Harness) -> None:
    customer = await started_customer(running)
    await purchase(running, customer)
    message = await customer.next_message()
    for label in ("5", "3"):
        message = await press_and_next(customer, message, label)
    await press_and_next(customer, message, "No")  # now a text answer is expected
    for send in (customer.send_sticker, customer.send_photo, customer.send_voice):
        send()
        hint = await customer.next_message()
        assert hint.text == "Please answer with a text message."
    customer.send_contact(phone_number="+15550001", first_name="Bob")
    assert (await customer.next_message()).text == "Please answer with a text message."
    customer.send_text("Better packaging")
    assert "product or service" in ((await customer.next_message()).text or "")


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


async def test_html_in_names_and_answers_is_escaped(running: Harness) -> None:
    customer = await started_customer(running, "<b>Eve</b>")
    running.admin.send_text(f"/purchase {customer.id} 10")
    confirmation = await running.admin.next_message()
    assert "<b>Eve</b>" in (confirmation.text or "")  # shown literally, not as markup
    nps = await customer.next_message()
    assert "recommend" in (nps.text or "")
