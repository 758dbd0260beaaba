"""Property-based: any name and any written answer (control characters, RTL, emoji, HTML
and Markdown that try to break out, texts over the limit) gets a clear answer, is stored as
written, reaches the owner literally, and leaves every survey's answers matching its step.

Each example runs the real bot against a fresh emulator and database."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.reports.report_text import MAX_QUOTE
from bot.survey.answers import MAX_TEXT_ANSWER
from sandbox.driver import EmulatedUser
from sandbox.validation import MAX_TEXT
from tests.e2e.conftest import Harness
from tests.e2e.steps import in_fresh_bot, press_and_next, purchase, rows

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
BLANK = st.sampled_from(["", " ", "\n\t ", "\u3000"])
TEXTS = st.one_of(st.sampled_from(INJECTIONS), BLANK, st.text(max_size=300))
OVER_OUR_LIMIT = st.text(alphabet="ab<>&я😀", min_size=MAX_TEXT_ANSWER + 1, max_size=2100)
OVER_TELEGRAMS = st.text(alphabet="ab<>&я😀", min_size=MAX_TEXT + 1, max_size=MAX_TEXT + 100)
ANSWERS = st.one_of(TEXTS, OVER_OUR_LIMIT, OVER_TELEGRAMS).filter(lambda s: not s.startswith("/"))
NAMES = st.one_of(st.sampled_from(INJECTIONS), st.text(min_size=1, max_size=64)).filter(
    lambda s: s.strip() != ""
)
RETRY = "short & <i>sweet</i>"
"""What the customer writes after a hint or a refusal."""
QUESTION_AFTER = {"fix": "product or service", "upsell": "someone who"}


@pytest.mark.timeout(300)
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(name=NAMES, fix=ANSWERS, upsell=ANSWERS)
@example(name="</code><b>Олег", fix="</code> <b>cold</b>", upsell="<i>" * 3)
@example(name="Anna", fix="x" * (MAX_TEXT + 1), upsell=" \n ")
@example(name="Boris", fix="  two  spaces\nand a line\r\n", upsell="tab\tand " + "y" * 400)
def test_any_name_and_answer_is_handled_stored_and_shown_literally(
    name: str, fix: str, upsell: str
) -> None:
    surveys = asyncio.run(in_fresh_bot(lambda harness: _survey(harness, name, fix, upsell)))
    assert surveys == 1, "the survey was stored"


def _stored(answer: str) -> str:
    """What the bot keeps of an answer: the text, or the retry after a hint or a refusal."""
    text = answer.strip()
    return text if text and len(text) <= MAX_TEXT_ANSWER else RETRY


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
    for question, answer in (("fix", fix), ("upsell", upsell)):
        await _answer(harness, customer, answer, QUESTION_AFTER[question])
    assert "went wrong" not in "".join(m.text or "" for m in customer.pending_messages())
    stored = await rows(harness, "SELECT question, text FROM answers WHERE text IS NOT NULL")
    assert dict(stored) == {"fix": _stored(fix), "upsell": _stored(upsell)}
    if _stored(fix).isprintable():
        edited = await owner.wait_edited(alert)
        assert _stored(fix)[:200] in (edited.text or "")
    await _digest_quotes(harness, name, [_stored(fix), _stored(upsell)])


async def _answer(
    harness: Harness, customer: EmulatedUser, answer: str, next_question: str
) -> None:
    """Write `answer`; after a hint or a refusal (and silence for the rest of a long text),
    write RETRY; the next question follows."""
    customer.send_text(answer)
    reply = (await customer.next_message()).text or ""
    if _stored(answer) == RETRY:
        if answer.strip():
            assert f"the limit is {MAX_TEXT_ANSWER:,}" in reply, reply
            await harness.emulator.wait_idle()
            assert customer.pending_messages() == [], "the tail of a long text is no answer"
        else:
            assert reply.startswith("Please answer with a text message"), reply
        customer.send_text(RETRY)
        reply = (await customer.next_message()).text or ""
    assert next_question in reply, reply


async def _digest_quotes(harness: Harness, name: str, texts: list[str]) -> None:
    """The owner's /digest quotes each text whitespace-normalised, and names the customer."""
    owner = harness.owner
    await harness.emulator.wait_idle()
    owner.drain()
    owner.send_text("/digest")
    digest = ""
    while (message := await owner.next_message()).photo is None:
        digest += message.text or ""
    for text in texts:
        quote = " ".join(text.split())
        if quote.isprintable():
            assert quote[: MAX_QUOTE - 1] in digest, (quote, digest)
    if name.isprintable():
        assert name.strip() in digest
