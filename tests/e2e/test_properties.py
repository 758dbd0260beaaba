"""Property-based: any name and any written answer (control characters, RTL, emoji, HTML
and Markdown that try to break out, texts over the limit) gets a clear answer, is stored as
written, reaches the owner literally, and leaves every survey's answers matching its step.

Each example runs the real bot against a fresh emulator and database."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answers import MAX_TEXT_ANSWER
from tests.e2e.conftest import Harness
from tests.e2e.steps import in_fresh_bot, press_and_next, purchase

INJECTIONS = [
    "<b>bold</b>",
    "</code></pre><a href='https://evil.example'>x</a>",
    "&amp; &lt; & < > \" '",
    "*bold* _it_ `code` [link](https://x.example)",
    "\u202eevil\u202c RTL",
    "שלום עולם",
    "😀" * 30,
    "line\nbreak\r\nand\ttab",
    "\x00\x07\x1b[31m",
]
TEXTS = st.one_of(st.sampled_from(INJECTIONS), st.text(min_size=1, max_size=300))
LONG = st.text(alphabet="ab<>&я😀", min_size=MAX_TEXT_ANSWER + 1, max_size=MAX_TEXT_ANSWER + 50)
ANSWERS = st.one_of(TEXTS, LONG).filter(lambda s: s.strip() != "" and not s.startswith("/"))
NAMES = st.one_of(st.sampled_from(INJECTIONS), st.text(min_size=1, max_size=64)).filter(
    lambda s: s.strip() != ""
)


@pytest.mark.timeout(240)
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(name=NAMES, fix=ANSWERS, upsell=ANSWERS)
def test_any_name_and_answer_is_handled_stored_and_shown_literally(
    name: str, fix: str, upsell: str
) -> None:
    surveys = asyncio.run(in_fresh_bot(lambda harness: _survey(harness, name, fix, upsell)))
    assert surveys == 1, "the survey was stored"


async def _survey(harness: Harness, name: str, fix: str, upsell: str) -> None:
    owner = harness.owner
    owner.send_text("/start")
    await owner.next_message()
    customer = harness.emulator.create_user(first_name=name, language_code="en")
    customer.send_text("/start")
    await customer.next_message()
    await purchase(harness, customer)
    message = await customer.next_message()
    message = await press_and_next(customer, message, "0")  # a detractor: the owner is told
    alert = await owner.next_message()
    if name.isprintable():
        assert name.strip() in (alert.text or "")  # the name as written, not as markup
    for label in ("1", "No"):
        message = await press_and_next(customer, message, label)
    for answer, question in ((fix, "product or service"), (upsell, "someone who")):
        customer.send_text(answer)
        reply = await customer.next_message()
        if len(answer) > MAX_TEXT_ANSWER:
            assert "the limit is 2000" in (reply.text or "")  # refused clearly, then retried
            customer.send_text("short")
            reply = await customer.next_message()
        assert question in (reply.text or ""), reply.text
    assert "went wrong" not in "".join(m.text or "" for m in customer.pending_messages())
    if len(fix) <= MAX_TEXT_ANSWER and fix.isprintable():
        edited = await owner.wait_edited(alert)
        assert fix.strip()[:200] in (edited.text or "")
