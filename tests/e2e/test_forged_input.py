"""Property-based: forged button data (65 bytes and over included) and malformed deep links
get a clear answer from the real bot, and change nothing stored.

Each example starts the real bot on a fresh emulator and database and plays a list of
generated inputs against it, so every run covers a few hundred of them in seconds.
"""

from __future__ import annotations

import asyncio
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.texts import t
from intake.qr import QrTarget, make_payload
from sandbox import BotMessage, EmulatedUser
from storage.models import Question
from tests.e2e.conftest import Harness
from tests.e2e.steps import FRESH_BOT_EXAMPLES, in_fresh_bot, purchase, rows

PRINTABLE = string.ascii_letters + string.digits + string.punctuation
OVERSIZED = st.text(alphabet=PRINTABLE, min_size=65, max_size=65) | st.text(
    min_size=65, max_size=200
)
QUESTIONS = st.sampled_from([q.value for q in Question]) | st.text(max_size=8)
VALUES = st.integers(-(10**20), 10**20).map(str) | st.text(max_size=12)
ACTIONS_OF_ONES_OWN = ("forget", "optout", "lang")  # a customer's own /forget, opt-out, language


def _answer_forgeries(mine: int, theirs: int) -> st.SearchStrategy[str]:
    survey_ids = st.sampled_from([mine, theirs]) | st.integers(-(10**20), 10**20)
    structured = st.builds(
        lambda survey, question, value: f"a:{survey}:{question}:{value}",
        survey_ids,
        QUESTIONS,
        VALUES,
    ).filter(lambda data: not _is_real_answer(data, mine))
    others = (
        st.text(max_size=64)
        | OVERSIZED
        | st.builds(
            lambda prefix, rest: f"{prefix}:{rest}", st.sampled_from(["al", "pv", "a", "x"]), VALUES
        )
    )
    return (structured | others).filter(
        lambda data: data.split(":", 1)[0] not in ACTIONS_OF_ONES_OWN
    )


def _is_real_answer(data: str, mine: int) -> bool:
    """The customer's own survey's NPS question with a score: a genuine answer, not forged."""
    _, survey, question, value = data.split(":", 3)
    return survey == str(mine) and question == "nps" and value.strip() in map(str, range(11))


@pytest.mark.timeout(120)
@FRESH_BOT_EXAMPLES
@given(data=st.data())
def test_forged_button_data_is_refused_and_changes_nothing(data: st.DataObject) -> None:
    asyncio.run(in_fresh_bot(lambda harness: _forged_presses(harness, data)))


@pytest.mark.timeout(120)
@FRESH_BOT_EXAMPLES
@given(
    payloads=st.lists(
        st.text(max_size=64)
        | OVERSIZED
        | st.text(alphabet=PRINTABLE, max_size=70).map(lambda rest: "q" + rest)
        | st.text(max_size=40).map(lambda rest: "ref_" + rest),
        min_size=10,
        max_size=20,
    ),
    flipped=st.integers(0, 200),
)
def test_malformed_deep_links_get_a_clear_answer_and_change_nothing(
    payloads: list[str], flipped: int
) -> None:
    asyncio.run(in_fresh_bot(lambda harness: _deep_links(harness, payloads, flipped)))


async def _customer_with_question(harness: Harness, name: str) -> tuple[EmulatedUser, BotMessage]:
    customer = harness.emulator.create_user(first_name=name, language_code="en")
    customer.send_text("/start")
    await customer.next_message()
    await purchase(harness, customer)
    return customer, await customer.next_message()


async def _forged_presses(harness: Harness, data: st.DataObject) -> None:
    anna, question = await _customer_with_question(harness, "Anna")
    boris, _ = await _customer_with_question(harness, "Boris")
    (mine,), (theirs,) = await rows(harness, "SELECT id FROM surveys ORDER BY id")
    forgeries = data.draw(st.lists(_answer_forgeries(mine, theirs), min_size=15, max_size=30))
    emulator = harness.emulator
    for forged in forgeries:
        before = len(emulator.calls("answerCallbackQuery"))
        anna.press_data(question.message_id, forged)
        await emulator.wait_for(
            lambda before=before: len(emulator.calls("answerCallbackQuery")) > before
        )
        reply = emulator.calls("answerCallbackQuery")[before]
        assert reply.params.get("text"), f"no clear answer to {forged!r}"
    await emulator.wait_idle()
    assert await rows(harness, "SELECT COUNT(*) FROM answers") == [(0,)]
    assert await rows(harness, "SELECT step, status FROM surveys ORDER BY id") == [
        ("nps", "active"),
        ("nps", "active"),
    ]
    assert "went wrong" not in "".join(m.text or "" for m in anna.pending_messages())
    assert boris.pending_messages() == []


async def _deep_links(harness: Harness, payloads: list[str], flipped: int) -> None:
    assert harness.app is not None
    genuine = make_payload(harness.app.qr_secret, QrTarget("shop1", "A-1", 150_000))
    position = len(genuine) - 2 - flipped % 6  # in the signature: still a QR link, tampered
    tampered = (
        genuine[:position] + ("A" if genuine[position] != "A" else "B") + genuine[position + 1 :]
    )
    invalid = t("en", "qr_invalid")
    for index, payload in enumerate([*payloads, tampered]):
        customer = harness.emulator.create_user(first_name=f"P{index}", language_code="en")
        customer.send_text(f"/start {payload}")
        replies = [reply.text or "" for reply in [await customer.next_message()]]
        await harness.emulator.wait_idle()
        replies += [m.text or "" for m in customer.drain()]
        assert all(replies) and "went wrong" not in "".join(replies)
        if payload is tampered:
            assert invalid in replies, replies
    assert await rows(harness, "SELECT COUNT(*) FROM purchases") == [(0,)]
    assert await rows(harness, "SELECT COUNT(*) FROM surveys") == [(0,)]
