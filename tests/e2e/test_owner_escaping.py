"""Text that customers and staff wrote themselves reaches the owners literally: markup in a
referral or a staff member's name is escaped, never read as HTML by Telegram.

tests/e2e/test_properties.py covers customers' names and written answers on alerts and in
the digest; this covers the referral section of /digest and staff names on alerts and in
/staff. The emulator parses HTML as Telegram does: unescaped, `<b>x</b>` would turn bold,
`</code>` would get the message refused and `<a href>` would become a link.
"""

from __future__ import annotations

import html

from sandbox import BotMessage, EmulatedUser
from tests.e2e.conftest import Harness
from tests.e2e.steps import owner_says, press_and_next, purchase, rows, started_customer

MARKUP = '<b>x</b> </code> &amp; <a href="tg://x">'


def _markup(label: str) -> str:
    """MARKUP after a label that tells the fields apart."""
    return f"{label} {MARKUP}"


def _assert_shown_literally(harness: Harness, shown: str, *texts: str) -> None:
    """Each of `texts` is in what the owner sees, and went to the owner escaped, as HTML."""
    sent = [
        request.params
        for request in harness.emulator.requests
        if request.method in ("sendMessage", "editMessageText")
        and int(request.params["chat_id"]) == harness.owner.chat_id
    ]
    assert not [params for params in sent if MARKUP in str(params["text"])]
    for text in texts:
        assert text in shown, (text, shown)
        escaped = {html.escape(text), html.escape(text, quote=False)}
        carried = [params for params in sent if any(e in str(params["text"]) for e in escaped)]
        assert carried, f"{text!r} never went to the owner escaped"
        assert {params.get("parse_mode") for params in carried} == {"HTML"}


def _no_markup_entities(message: BotMessage) -> None:
    """MARKUP's link did not become a link (the literal text shows it was not bold either)."""
    assert not [e for e in message.entities if e.get("url") == "tg://x"], message.entities


async def _owner_started(harness: Harness) -> None:
    harness.owner.send_text("/start")
    await harness.owner.next_message()


async def _to_referral_question(harness: Harness, customer: EmulatedUser) -> BotMessage:
    await purchase(harness, customer)
    message = await customer.next_message()
    for label in ("10", "5", "Yes", "No, thanks"):
        message = await press_and_next(customer, message, label)
    assert "someone who" in (message.text or "")
    return message


async def test_referrals_in_the_digest_are_shown_literally(running: Harness) -> None:
    await _owner_started(running)
    referrer = await started_customer(running, _markup("referrer"))
    await _to_referral_question(running, referrer)
    referrer.send_contact(_markup("phone"), first_name=_markup("name"), last_name="Last")
    assert "Thank you" in ((await referrer.next_message()).text or "")
    writer = await started_customer(running, "Vera")
    await _to_referral_question(running, writer)
    writer.send_text(_markup("note"))
    assert "Thank you" in ((await writer.next_message()).text or "")
    assert await rows(running, "SELECT kind FROM referrals ORDER BY id") == [
        ("contact",),
        ("text",),
    ]

    running.owner.send_text("/digest")
    parts = []
    while (part := await running.owner.next_message()).photo is None:
        parts.append(part)
    digest = "\n".join(part.text or "" for part in parts)
    _assert_shown_literally(
        running,
        digest,
        f"{_markup('name')} Last {_markup('phone')}",
        _markup("note"),
        _markup("referrer"),
    )
    for part in parts:
        assert part.parse_mode == "HTML"
        _no_markup_entities(part)


async def test_a_staff_name_on_a_claimed_alert_and_in_staff_is_shown_literally(
    running: Harness,
) -> None:
    owner = running.owner
    await _owner_started(running)
    colleague = await started_customer(running, _markup("staff"))
    assert "теперь владелец" in await owner_says(running, f"/staff add {colleague.id} owner")
    customer = await started_customer(running, "Boris")
    await purchase(running, customer)
    customer.press(await customer.next_message(), "2")  # a detractor: both owners are told
    alert = await owner.next_message()
    copy = await colleague.next_message()
    assert "Detractor: 2/10" in (copy.text or "")

    colleague.press(copy, "I'll handle it")
    claimed = await owner.wait_edited(alert)
    assert claimed.parse_mode == "HTML"
    assert f"Занимается: {_markup('staff')}." in (claimed.text or "")
    _no_markup_entities(claimed)
    _assert_shown_literally(running, claimed.text or "", _markup("staff"))

    owner.send_text("/staff")
    listing = await owner.next_message()
    assert listing.parse_mode == "HTML"
    assert f"• {_markup('staff')} (id {colleague.id}): владелец" in (listing.text or "")
    _no_markup_entities(listing)
    _assert_shown_literally(running, listing.text or "", _markup("staff"))
