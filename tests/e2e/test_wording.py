"""/questions and /preview: owners reword the survey per language and see it as customers do."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, owner_says, press_and_next, purchase, rows, started_customer


async def test_owner_rewords_a_question_for_one_language_only(running: Harness) -> None:
    reply = await owner_says(running, "/questions nps ru Порекомендуете нас <b>друзьям</b>? 0–10")
    assert "Текст nps (русский) изменён" in reply
    ivan = await started_customer(running, "Ivan", language_code="ru")
    anna = await started_customer(running, "Anna")

    await purchase(running, ivan)
    nps = await ivan.next_message()
    assert nps.text == "Порекомендуете нас <b>друзьям</b>? 0–10"  # shown as written, not as HTML
    assert nps.buttons[0] == ["0", "1", "2", "3", "4", "5"]
    csat = await press_and_next(ivan, nps, "9")
    assert "Насколько вы довольны" in (csat.text or "")  # the rest stays standard
    answered = ivan.message(nps.message_id)
    assert (answered.text or "").startswith("Порекомендуете нас <b>друзьям</b>? 0–10\n\n✅")

    await purchase(running, anna)
    assert "How likely are you to recommend us" in ((await anna.next_message()).text or "")


async def test_reworded_thank_you_and_referral_keep_their_parts(running: Harness) -> None:
    await owner_says(running, "/questions thanks en Thanks a ton, see you soon!")
    await owner_says(running, "/questions ref en Any friends who'd like us?")
    customer = await started_customer(running)
    await purchase(running, customer)
    message = await customer.next_message()
    for label in ("10", "5", "Yes", "No, thanks"):
        message = await press_and_next(customer, message, label)
    assert (message.text or "").startswith("Any friends who'd like us?\n\nYour personal link")
    thanks = await press_and_next(customer, message, "No")
    assert thanks.text == "Thanks a ton, see you soon!"


async def test_wording_is_listed_kept_across_a_restart_and_reset(running: Harness) -> None:
    await owner_says(running, "/questions csat en Rate the purchase, 1 to 5")
    await running.emulator.wait_idle()  # the command is confirmed to Telegram before the stop
    await running.restart()
    listing = await owner_says(running, "/questions en")
    assert "csat — изменил(а)" in listing and "Rate the purchase, 1 to 5" in listing
    assert "nps — стандартный" in listing and "How likely are you" in listing
    assert "Для csat (английский) снова стандартный текст" in await owner_says(
        running, "/questions csat en default"
    )
    assert "и так стандартный" in await owner_says(running, "/questions csat en default")
    assert await rows(running, "SELECT COUNT(*) FROM custom_texts") == [(0,)]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("price ru Сколько?", "Формат: /questions"),
        ("nps de Wie?", "Формат: /questions"),
        ("nps ru", "Формат: /questions"),
        ("nps", "Формат: /questions"),
        (
            "nps ru " + "я" * 1001,
            "В тексте 1\xa0001 символ, а под кнопками помещается не больше 1\xa0000",
        ),
    ],
)
async def test_malformed_wording_gets_the_usage_and_changes_nothing(
    running: Harness, args: str, expected: str
) -> None:
    assert expected in await owner_says(running, f"/questions {args}")
    assert await rows(running, "SELECT COUNT(*) FROM custom_texts") == [(0,)]


async def test_admins_may_look_but_not_reword(running: Harness) -> None:
    reply = await admin_says(running, "/questions nps en Recommend us?")
    assert "Only owners can change the wording" in (reply.text or "")
    assert "How likely" in ((await admin_says(running, "/questions")).text or "")
    customer = await started_customer(running)
    customer.send_text("/questions nps en Hacked?")
    assert "for staff only" in ((await customer.next_message()).text or "")
    assert await rows(running, "SELECT COUNT(*) FROM custom_texts") == [(0,)]


async def test_preview_walks_the_whole_survey_and_records_nothing(running: Harness) -> None:
    await owner_says(running, "/questions upsell en Anything else we could do for you?")
    intro = await admin_says(running, "/preview")
    assert "Preview" in (intro.text or "")
    admin = running.admin
    nps = await admin.next_message()
    assert "How likely are you to recommend us" in (nps.text or "")
    assert nps.buttons[-1] == ["Don't ask me again"]
    csat = await press_and_next(admin, nps, "3")
    assert admin.message(nps.message_id).buttons == []
    satisfied = await press_and_next(admin, csat, "4")
    fix = await press_and_next(admin, satisfied, "Yes")  # the preview shows every question
    assert "What should we fix" in (fix.text or "") and fix.button_labels == ["Skip", "Next ›"]
    upsell = await press_and_next(admin, fix, "Next ›")
    assert upsell.text == "Anything else we could do for you?"
    assert upsell.button_labels == ["No, thanks", "Next ›"]
    referral = await press_and_next(admin, upsell, "Next ›")
    assert "someone who might be interested" in (referral.text or "")
    thanks = await press_and_next(admin, referral, "No")
    assert "Thank you for your feedback" in (thanks.text or "")
    assert "Nothing was recorded" in ((await admin.next_message()).text or "")
    for table in ("surveys", "answers", "alerts"):
        assert await rows(running, f"SELECT COUNT(*) FROM {table}") == [(0,)]


async def test_preview_in_the_other_language_and_bad_arguments(running: Harness) -> None:
    assert "русский" in await owner_says(running, "/preview ru")
    assert "Насколько вероятно" in ((await running.owner.next_message()).text or "")
    assert "Формат: /preview [ru|en]" in await owner_says(running, "/preview fr")


async def test_customers_cannot_preview_or_press_preview_buttons(running: Harness) -> None:
    await admin_says(running, "/preview")
    nps = await running.admin.next_message()
    customer = await started_customer(running)
    customer.send_text("/preview")
    assert "for staff only" in ((await customer.next_message()).text or "")
    button = nps.reply_markup["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]
    update_id = customer.press_data(nps.message_id, button)
    answer = await customer.callback_answer(update_id)
    assert answer.text == "This button is not valid."
