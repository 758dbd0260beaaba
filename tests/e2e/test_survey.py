"""A customer goes through the whole survey against the emulator."""

from __future__ import annotations

import pytest

from storage import answers
from storage.models import Choice, Question
from tests.e2e.conftest import BOT_USERNAME, Harness
from tests.e2e.steps import press_and_next, purchase, rows, started_customer


async def test_full_survey_in_english(running: Harness) -> None:
    customer = await started_customer(running)
    await purchase(running, customer, "1500.50 A-1001")

    nps = await customer.next_message()
    assert "recommend us" in (nps.text or "")
    assert nps.buttons == [
        ["0", "1", "2", "3", "4", "5"],
        ["6", "7", "8", "9", "10"],
        ["Don't ask me again"],
    ]

    csat = await press_and_next(customer, nps, "9")
    answered = customer.message(nps.message_id)
    assert answered.buttons == [] and answered.text is not None and answered.text.endswith("9")
    assert "How satisfied are you with your purchase" in (csat.text or "")
    assert csat.button_labels == ["1", "2", "3", "4", "5"]

    satisfied = await press_and_next(customer, csat, "5")
    assert "100%" in (satisfied.text or "")
    assert satisfied.button_labels == ["Yes", "No"]

    fix = await press_and_next(customer, satisfied, "No")
    assert "fix" in (fix.text or "")
    assert fix.button_labels == ["Skip"]  # no dead end: it can be left without typing

    customer.send_text("Delivery was two days late")
    upsell = await customer.next_message()
    assert "product or service" in (upsell.text or "")
    assert upsell.button_labels == ["No, thanks"]

    referral = await press_and_next(customer, upsell, "No, thanks")
    assert "someone who might be interested" in (referral.text or "")
    assert f"https://t.me/{BOT_USERNAME}?start=ref_" in (referral.text or "")
    assert referral.button_labels == ["No"]

    customer.send_contact(phone_number="+79001234567", first_name="Ivan", user_id=555)
    thanks = await customer.next_message()
    assert "Thank you" in (thanks.text or "")

    [(survey_id, status, step)] = await rows(running, "SELECT id, status, step FROM surveys")
    assert (status, step) == ("completed", "done")
    assert running.app is not None
    stored = await answers.for_survey(running.app.db.reader, survey_id)
    assert [(a.question, a.score, a.choice, a.text) for a in stored] == [
        (Question.NPS, 9, None, None),
        (Question.CSAT, 5, None, None),
        (Question.SATISFIED, None, Choice.NO, None),
        (Question.FIX, None, None, "Delivery was two days late"),
        (Question.UPSELL, None, Choice.NO, None),
        (Question.REFERRAL, None, Choice.CONTACT, None),
    ]
    async with running.app.db.reader.execute(
        "SELECT kind, name, phone, telegram_user_id FROM referrals"
    ) as cursor:
        assert [tuple(r) for r in await cursor.fetchall()] == [
            ("contact", "Ivan", "+79001234567", 555)
        ]
    async with running.app.db.reader.execute(
        "SELECT COUNT(*) FROM answers WHERE answered_at IS NULL OR answered_at = ''"
    ) as cursor:
        assert (await cursor.fetchone())[0] == 0


async def test_russian_customer_gets_russian_texts_and_labels(running: Harness) -> None:
    customer = await started_customer(running, "Иван", language_code="uk")
    await purchase(running, customer)
    nps = await customer.next_message()
    assert "порекомендуете" in (nps.text or "")
    csat = await press_and_next(customer, nps, "10")
    satisfied = await press_and_next(customer, csat, "4")
    assert satisfied.button_labels == ["Да", "Нет"]
    upsell = await press_and_next(customer, satisfied, "Да")  # satisfied: no "what to fix"
    assert upsell.button_labels == ["Нет, спасибо"]
    customer.send_text("Доставку на дом")
    referral = await customer.next_message()
    assert referral.button_labels == ["Нет"]
    thanks = await press_and_next(customer, referral, "Нет")
    assert "Спасибо" in (thanks.text or "")


@pytest.mark.parametrize("referral_answer", ["text", "button"])
async def test_referral_as_text_or_no(running: Harness, referral_answer: str) -> None:
    customer = await started_customer(running)
    await purchase(running, customer)
    message = await customer.next_message()
    for label in ("10", "5", "Yes", "No, thanks"):
        message = await press_and_next(customer, message, label)
    if referral_answer == "text":
        customer.send_text("My sister Maria, @maria")
    else:
        customer.press(message, "No")
    assert "Thank you" in ((await customer.next_message()).text or "")
    assert running.app is not None
    async with running.app.db.reader.execute("SELECT kind, note FROM referrals") as cursor:
        rows = [tuple(r) for r in await cursor.fetchall()]
    assert rows == ([("text", "My sister Maria, @maria")] if referral_answer == "text" else [])


async def test_referral_link_brings_a_new_customer(running: Harness) -> None:
    anna = await started_customer(running)
    await purchase(running, anna)
    message = await anna.next_message()
    for label in ("10", "5", "Yes", "No, thanks"):
        message = await press_and_next(anna, message, label)
    link = next(word for word in (message.text or "").split() if "start=ref_" in word)
    payload = link.split("start=")[1]

    friend = running.emulator.create_user(first_name="Maria", language_code="en")
    friend.send_text(f"/start {payload}")
    assert "Hi, Maria" in ((await friend.next_message()).text or "")
    assert running.app is not None
    async with running.app.db.reader.execute(
        "SELECT c.telegram_user_id, r.telegram_user_id FROM customers c "
        "JOIN customers r ON r.id = c.referred_by"
    ) as cursor:
        assert [tuple(r) for r in await cursor.fetchall()] == [(friend.id, anna.id)]
