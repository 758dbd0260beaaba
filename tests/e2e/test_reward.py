"""/reward: a promo code, or one code per completed survey from a pool, with the thank-you."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.conftest import Harness
from tests.e2e.steps import (
    admin_says,
    finish_survey,
    owner_says,
    press_and_next,
    purchase,
    rows,
    started_customer,
)


async def test_a_shared_promo_code_comes_with_every_thank_you(running: Harness) -> None:
    assert "WELCOME10" in await owner_says(running, "/reward code WELCOME10")
    customer = await started_customer(running)
    await purchase(running, customer)
    thanks = await finish_survey(customer)
    assert (thanks.text or "").endswith("🎁 Your reward: WELCOME10")
    assert "получает код WELCOME10" in await owner_says(running, "/reward")


async def test_pool_codes_go_to_one_customer_each_until_they_run_out(running: Harness) -> None:
    running.owner.send_text("/reward pool AAA-1, AAA-2\nAAA-1")
    # the reply, and (two codes only) the notice that the pool is low, in either order
    texts = " | ".join(m.text or "" for m in await running.owner.next_messages(2))
    assert "Only 2 reward codes are left" in texts
    assert "добавлено кодов: 2, пропущено (уже были): 0" in texts
    assert "пропущено (уже были): 1" in await owner_says(running, "/reward pool AAA-2")
    given = []
    for name in ("Anna", "Boris", "Clara"):
        customer = await started_customer(running, name)
        await purchase(running, customer)
        given.append((await finish_survey(customer)).text or "")
    assert [text.rpartition("🎁 Your reward: ")[2] for text in given[:2]] == ["AAA-1", "AAA-2"]
    assert "reward" not in given[2]  # the pool ran dry: a plain thank-you
    status = await owner_says(running, "/reward")
    assert "Кодов осталось: 0; выдано: 2" in status and "Набор пуст" in status
    assert await rows(running, "SELECT COUNT(DISTINCT survey_id) FROM reward_codes") == [(2,)]


async def test_a_thank_you_sent_again_after_a_crash_carries_the_same_code(
    running: Harness,
) -> None:
    await owner_says(running, "/reward pool ONE TWO")
    customer = await started_customer(running)
    await purchase(running, customer)
    first = await finish_survey(customer)
    await running.stop()
    with sqlite3.connect(running.database_path) as conn:  # as if the send was never recorded
        conn.execute("UPDATE surveys SET prompt_message_id = NULL")
    conn.close()
    await running.start()
    again = await customer.next_message()
    assert again.text == first.text and (first.text or "").endswith("ONE")
    assert await rows(running, "SELECT code FROM reward_codes WHERE survey_id IS NOT NULL") == [
        ("ONE",)
    ]


async def test_reward_off_and_the_preview_shows_the_reward(running: Harness) -> None:
    await owner_says(running, "/reward code SPRING")
    await owner_says(running, "/preview en")
    message = await running.owner.next_message()
    for label in ("10", "5", "Yes", "Next ›", "Next ›", "No"):
        running.owner.press(message, label)
        message = await running.owner.next_message()
    assert (message.text or "").endswith("🎁 Your reward: SPRING")
    await running.owner.next_message()  # "that is the whole survey"
    assert "Теперь без подарка" in await owner_says(running, "/reward off")
    customer = await started_customer(running)
    await purchase(running, customer)
    assert "reward" not in ((await finish_survey(customer)).text or "")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("code", "Формат: /reward"),
        ("pool", "Формат: /reward"),
        ("pool , ;", "Формат: /reward"),
        ("code TWO WORDS", "не может быть кодом"),
        ("pool " + "x" * 65, "не может быть кодом"),
        ("pool OK " + "y" * 65, "не может быть кодом"),
        ("give", "Формат: /reward"),
        ("off now", "Формат: /reward"),
    ],
)
async def test_bad_reward_commands_get_a_clear_answer(
    running: Harness, args: str, expected: str
) -> None:
    assert expected in await owner_says(running, f"/reward {args}")
    assert await rows(running, "SELECT COUNT(*) FROM reward_codes") == [(0,)]
    assert await rows(running, "SELECT COUNT(*) FROM meta WHERE key LIKE 'reward%'") == [(0,)]


async def test_only_owners_set_the_reward(running: Harness) -> None:
    reply = await admin_says(running, "/reward code FREE")
    assert "Only owners can set the thank-you reward" in (reply.text or "")
    customer = await started_customer(running)
    customer.send_text("/reward code FREE")
    assert "for staff only" in ((await customer.next_message()).text or "")
    assert await rows(running, "SELECT COUNT(*) FROM meta WHERE key LIKE 'reward%'") == [(0,)]


async def test_owners_hear_once_when_the_pool_runs_low_and_again_after_a_refill(
    running: Harness,
) -> None:
    assert running.app is not None
    jobs = running.app.jobs
    running.owner.send_text("/start")
    await running.owner.next_message()
    await owner_says(running, "/reward pool " + " ".join(f"C{n}" for n in range(7)))
    await jobs.dispatch_surveys()
    assert running.owner.pending_messages() == []  # seven left: plenty
    for name in ("Anna", "Boris"):
        customer = await started_customer(running, name)
        await purchase(running, customer)
        await finish_survey(customer)
    await jobs.dispatch_surveys()
    notice = await running.owner.next_message()
    assert "В наборе осталось 5 кодов" in (notice.text or "")
    await jobs.dispatch_surveys()
    assert running.owner.pending_messages() == []  # once

    await owner_says(running, "/reward pool MORE-1")
    await jobs.dispatch_surveys()
    assert running.owner.pending_messages() == []  # six again: above the mark
    customer = await started_customer(running, "Clara")
    await purchase(running, customer)
    await finish_survey(customer)
    await jobs.dispatch_surveys()
    assert "осталось 5 кодов" in ((await running.owner.next_message()).text or "")


async def test_the_code_of_a_thank_you_nobody_could_receive_goes_to_the_next(
    running: Harness,
) -> None:
    await owner_says(running, "/reward pool ONLY-ONE")
    leaver = await started_customer(running, "Leaver")
    await purchase(running, leaver)
    message = await leaver.next_message()
    for label in ("10", "5", "Yes", "No, thanks"):
        message = await press_and_next(leaver, message, label)
    leaver.block_bot()  # blocks the bot as they press the last button
    leaver.press(message, "No")
    await running.emulator.wait_for(lambda: bool(running.emulator.calls("answerCallbackQuery")))
    await running.emulator.wait_idle()
    assert await rows(running, "SELECT status FROM surveys") == [("completed",)]
    assert await rows(running, "SELECT COUNT(*) FROM reward_codes WHERE survey_id IS NULL") == [
        (1,)
    ]
    sends = len(running.emulator.calls("sendMessage"))
    assert running.app is not None
    await running.app.jobs.dispatch_surveys()
    assert len(running.emulator.calls("sendMessage")) == sends  # not owed again and again

    customer = await started_customer(running, "Next")
    await purchase(running, customer)
    assert (await finish_survey(customer)).text.endswith("ONLY-ONE")  # type: ignore[union-attr]
