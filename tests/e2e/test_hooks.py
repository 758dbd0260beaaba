"""[hooks]: the bot's events reach a CRM's receiver on 127.0.0.1, signed per Standard Webhooks.

The receiver checks every request with the `standardwebhooks` library, as a CRM would. The
bot runs against the emulator; a process is SIGKILLed for the crash case.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from hooks.post import TIMEOUT_SECONDS, new_session, post
from hooks.signing import new_secret
from sandbox import BotAPIEmulator, EmulatedUser
from tests.e2e.conftest import Harness
from tests.e2e.connect_proxy import ConnectProxy
from tests.e2e.process import BotProcess
from tests.e2e.receiver import HANG, Receiver
from tests.e2e.steps import owner_says, purchase, rows, served_api, started_customer
from tests.helpers import FakeClock, eventually

SECRET = new_secret()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver().running() as running:
        yield running


async def _detractor_survey(harness: Harness, customer: EmulatedUser) -> None:
    """A survey answered low, with something to fix and a wish: an alert and two leads."""
    await purchase(harness, customer)
    customer.press(await customer.next_message(), "3")
    customer.press(await customer.next_message(), "2")
    customer.press(await customer.next_message(), "No")
    await customer.next_message()
    customer.send_text("Long queue at the till")
    await customer.next_message()
    customer.send_text("Oat milk please")
    customer.press(await customer.next_message(), "No")
    await customer.next_message()  # thank you


async def _pending(harness: Harness) -> int:
    found = await rows(harness, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'")
    return int(found[0][0])


async def _attempts(harness: Harness) -> int:
    found = await rows(harness, "SELECT COALESCE(SUM(attempts), 0) FROM webhook_deliveries")
    return int(found[0][0])


async def test_a_survey_reaches_the_crm_signed_and_never_through_the_proxy(
    harness: Harness, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")  # nothing listens there
    async with ConnectProxy().running() as proxy:
        harness.overrides = {
            "events_url": receiver.url,
            "events_secret": SECRET,
            "proxy_url": f"http://127.0.0.1:{proxy.port}",
            "metrics": True,
        }
        await harness.start()
        customer = await started_customer(harness, "Anna")
        await _detractor_survey(harness, customer)
        await receiver.wait_for(4)
        await eventually(lambda: _no_pending(harness))

        events = [r.verified(SECRET) for r in receiver.got]  # every one signed with the secret
        assert sorted(e["type"] for e in events) == [
            "alert.created",
            "lead.created",
            "lead.created",
            "survey.completed",
        ]
        assert len({r.message_id for r in receiver.got}) == 4
        assert all(r.message_id.startswith("msg_") for r in receiver.got)
        completed = receiver.of_type("survey.completed")[0].event["data"]
        assert completed["scores"] == {"nps": 3, "csat": 2}
        assert completed["nps_group"] == "detractor"
        assert completed["customer"]["first_name"] == "Anna"
        assert completed["customer"]["telegram_user_id"] == customer.id
        assert completed["purchase"]["amount_minor"] == 150_000
        texts = {a["question"]: a["text"] for a in completed["answers"]}
        assert texts["fix"] == "Long queue at the till"
        assert texts["upsell"] == "Oat milk please"
        assert "waiting" in completed["themes"]  # read before the event was sent
        alert = receiver.of_type("alert.created")[0].event["data"]
        assert alert["alert"]["score"] == 3 and alert["alert"]["state"] == "open"
        leads = sorted(r.event["data"]["lead"]["kind"] for r in receiver.of_type("lead.created"))
        assert leads == ["fix", "upsell"]
        documented = _documented_shapes()  # docs/events.md shows what a receiver gets
        for request in receiver.got:
            assert _shape(request.event) == documented[request.event["type"]]

        async with served_api(harness) as api, api.get("/metrics") as response:
            assert response.status == 200
            page = await response.text()
    emulator_address = harness.emulator.base_url.removeprefix("http://")
    assert proxy.requests and {target for target, _ in proxy.requests} == {
        f"CONNECT {emulator_address}"
    }  # Telegram through PROXY_URL; the receiver was reached directly

    samples = {
        sample.name: sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
    }
    assert samples["feedback_surveys_sent_total"] == 1
    assert samples["feedback_surveys_completed_total"] == 1
    assert samples["feedback_surveys_expired_total"] == 0
    assert samples["feedback_answers_stored_total"] == 6
    assert samples["feedback_alerts_open"] == 1
    assert samples["feedback_webhook_deliveries_total"] == 4
    assert samples["feedback_webhook_failures_total"] == 0
    assert samples["feedback_webhook_pending"] == 0
    assert samples["feedback_sender_queue_depth"] == 0
    assert samples["feedback_telegram_rate_limited_total"] == 0
    assert samples["feedback_telegram_send_seconds_count"] >= 8  # the questions and replies
    assert samples["feedback_database_bytes"] > 0


def _shape(value: object) -> object:
    """The keys of a JSON value, nested, without the values (a list: its first item's)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return None


def _documented_shapes() -> dict[str, object]:
    """Each event of docs/events.md's examples, by type; `.created` is `.updated` without
    its change."""
    text = (Path(__file__).parents[2] / "docs" / "events.md").read_text()
    shapes: dict[str, object] = {}
    for block in re.findall(r"```json\n(.*?)```", text, re.S):
        example = json.loads(block)
        if "type" in example:
            shapes[example["type"]] = _shape(example)
            for kind in ("alert", "lead"):
                if example["type"] == f"{kind}.updated":
                    created = {**example["data"], "change": {}}  # a new one has no change
                    shapes[f"{kind}.created"] = _shape({**example, "data": created})
    return shapes


async def _no_pending(harness: Harness) -> bool:
    return await _pending(harness) == 0


def test_the_receivers_check_refuses_forged_stale_and_altered_events() -> None:
    """What the receiver's few lines (docs/events.md) refuse, on a request signed as the
    bot signs it."""
    from hooks.signing import signed_headers

    body = b'{"type":"customer.opted_out","timestamp":"2026-12-06T10:00:00.000000Z","data":{}}'
    now = datetime.now(UTC)
    good = signed_headers(SECRET, "msg_1", body, now)
    assert Webhook(SECRET).verify(body, good)["type"] == "customer.opted_out"
    forged = signed_headers(new_secret(), "msg_1", body, now)
    stale = signed_headers(SECRET, "msg_1", body, now - timedelta(minutes=10))
    future = signed_headers(SECRET, "msg_1", body, now + timedelta(minutes=10))
    replayed = {**good, "webhook-timestamp": str(int((now - timedelta(minutes=10)).timestamp()))}
    for headers, why in (
        (forged, "No matching signature"),
        (stale, "too old"),
        (future, "too new"),
        (replayed, "too old"),
    ):
        with pytest.raises(WebhookVerificationError, match=why):
            Webhook(SECRET).verify(body, headers)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(SECRET).verify(body.replace(b"opted_out", b"forgotten"), good)


async def test_a_receiver_down_three_times_gets_the_event_once_more_with_the_same_id(
    harness: Harness, receiver: Receiver
) -> None:
    clock = FakeClock(datetime.now(UTC))
    harness.clock = clock
    app = await harness.start()
    harness.admin.send_text(f"/hooks add {receiver.url}")
    assert "Only an owner" in ((await harness.admin.next_message()).text or "")
    assert "не http(s)-адрес" in await owner_says(harness, "/hooks add ftp://crm.example.com")
    assert "Неизвестные события" in await owner_says(harness, f"/hooks add {receiver.url} x.y")
    added = await owner_says(harness, f"/hooks add {receiver.url} customer.opted_out")
    match = re.search(r"whsec_\S+", added)
    assert match is not None and "№1" in added
    secret = match.group(0)
    assert secret not in await owner_says(harness, "/hooks")  # shown once only

    receiver.answers = [503, 503, 503]
    customer = await started_customer(harness, "Boris")
    customer.send_text("/stop")
    await customer.next_message()
    for attempt in (1, 2, 3, 4):
        await receiver.wait_for(attempt)
        await eventually(lambda n=attempt: _attempts_are(harness, n))
        clock.now += timedelta(hours=1)  # past the backoff
        app.webhooks.wake()  # type: ignore[union-attr]

    assert len({r.message_id for r in receiver.got}) == 1  # the same id every time
    events = [r.verified(secret) for r in receiver.got]
    assert {e["type"] for e in events} == {"customer.opted_out"}
    customer_id = events[0]["data"]["customer"]["id"]
    assert events[0]["data"] == {"customer": {"id": customer_id}}  # ids only
    listing = await owner_says(harness, "/hooks")
    assert "Доставлено: 1 · ждут отправки: 0 · неудачных попыток: 3" in listing
    assert "HTTP 503: unavailable" in listing

    assert "Доставлено: получатель ответил 200" in await _test_reply(harness)
    assert receiver.got[-1].verified(secret)["type"] == "webhook.test"
    assert len(receiver.got) == 5  # the delivered event was not sent again
    assert "удалён" in await owner_says(harness, "/hooks remove 1")
    assert "Вебхуков пока нет" in await owner_says(harness, "/hooks")


async def _attempts_are(harness: Harness, count: int) -> bool:
    return await _attempts(harness) == count


async def _test_reply(harness: Harness) -> str:
    harness.owner.send_text("/hooks test 1")
    sending, result = await harness.owner.next_messages(2)
    assert "Отправляем тестовое событие" in (sending.text or "")
    return result.text or ""


async def test_410_disables_the_endpoint_and_the_owners_hear_of_it(
    harness: Harness, receiver: Receiver
) -> None:
    harness.overrides = {"events_url": receiver.url, "events_secret": SECRET}
    await harness.start()
    listing = await owner_says(harness, "/hooks")  # the one set in .env
    assert receiver.url in listing and "Задан в .env (EVENTS_URL)" in listing
    assert "задан в .env" in await owner_says(harness, "/hooks remove 1")
    receiver.otherwise = 410
    customer = await started_customer(harness, "Vera")
    customer.send_text("/stop")
    await customer.next_message()
    await receiver.wait_for(1)
    notice = await harness.owner.next_message()
    assert "410 Gone" in (notice.text or "") and receiver.url in (notice.text or "")
    assert await rows(harness, "SELECT disabled_reason FROM webhook_endpoints") == [
        ("HTTP 410: unavailable",)
    ]
    customer.send_text("/start")
    await customer.next_message()
    customer.send_text("/stop")  # opted out again: no endpoint wants it now
    await customer.next_message()
    assert await rows(harness, "SELECT COUNT(*) FROM webhook_events") == [(1,)]
    assert "Отключён" in await owner_says(harness, "/hooks")
    assert len(receiver.got) == 1


async def test_forget_before_delivery_leaves_the_person_out_of_the_events(
    harness: Harness, receiver: Receiver
) -> None:
    clock = FakeClock(datetime.now(UTC))
    harness.clock = clock
    harness.overrides = {"events_url": receiver.url, "events_secret": SECRET}
    app = await harness.start()
    receiver.otherwise = 503
    customer = await started_customer(harness, "Galina")
    await _detractor_survey(harness, customer)
    await receiver.wait_for(1)
    await eventually(lambda: _attempts_are(harness, 1))  # one asked; the rest wait with it

    customer.send_text("/forget")
    confirm = await customer.next_message()
    customer.press(confirm, "Yes, delete my data")
    await customer.wait_edited(confirm)
    receiver.otherwise = 200
    clock.now += timedelta(hours=1)
    app.webhooks.wake()  # type: ignore[union-attr]
    await eventually(lambda: _no_pending(harness))

    after = receiver.got[1:]
    assert sorted(r.verified(SECRET)["type"] for r in after) == [
        "alert.created",
        "customer.forgotten",
        "lead.created",
        "lead.created",
        "survey.completed",
    ]
    for request in after:
        for words in (b"Galina", b"galina", b"Long queue", b"Oat milk", str(customer.id).encode()):
            assert words not in request.body, (words, request.event["type"])
    completed = next(r for r in after if r.event["type"] == "survey.completed").event["data"]
    assert completed["customer"]["forgotten"] is True
    assert completed["scores"] == {"nps": 3, "csat": 2}  # the anonymous scores stay


async def test_sigkill_between_the_event_and_its_delivery_delivers_it_after_the_restart(
    emulator: BotAPIEmulator, tmp_path: Path, receiver: Receiver
) -> None:
    owner = emulator.create_user(first_name="Olga")
    env = {"EVENTS_URL": receiver.url, "EVENTS_SECRET": SECRET}
    receiver.answers = [HANG]  # the first attempt is under way when the process dies
    bot = BotProcess(emulator, tmp_path, owner.id, extra_env=env)
    await bot.start()
    customer = emulator.create_user(first_name="Dina")
    customer.send_text("/start")
    await customer.next_message(timeout=10)
    customer.send_text("/stop")
    await customer.next_message(timeout=10)
    first = (await receiver.wait_for(1))[0]
    await bot.kill()

    await bot.start()
    try:
        second = (await receiver.wait_for(2, within=20))[1]
        await eventually(lambda: _delivered_in_file(tmp_path / "feedback.db"), within=10)
    finally:
        await bot.terminate()
    assert second.message_id == first.message_id
    assert second.verified(SECRET)["type"] == "customer.opted_out"


async def _delivered_in_file(database: Path) -> bool:
    import sqlite3

    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        states = conn.execute("SELECT state FROM webhook_deliveries").fetchall()
    conn.close()
    return states == [("delivered",)]


async def test_a_receiver_that_never_answers_is_an_attempt_failed_at_the_timeout(
    receiver: Receiver,
) -> None:
    assert TIMEOUT_SECONDS == 10  # what the bot's session is made with
    receiver.answers = [HANG]
    async with new_session(timeout=0.3) as session:  # the same session, a shorter wait
        response = await post(session, receiver.url, {}, b"{}")
    assert not response.delivered and response.status is None
    assert response.error == "no answer within 0.3 s"
    async with new_session() as session:
        assert session.timeout.total == TIMEOUT_SECONDS
        assert (await post(session, receiver.url, {}, b"{}")).delivered
