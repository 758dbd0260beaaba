"""The HTTP intake API served in-process next to the running bot, over real HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.process.health import add_healthz_route
from core.clock import utc_now
from core.settings import Settings
from intake.api import create_api
from sandbox import EmulatedUser
from storage.database import Database
from storage.live_settings import LiveSettings
from tests.e2e.conftest import Harness
from tests.e2e.steps import admin_says, rows, served_api, started_customer

API_TOKEN = "secret-token"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
JSON = {"Content-Type": "application/json"}
PHONE = "+79001234567"


@dataclass
class Api:
    session: aiohttp.ClientSession
    harness: Harness

    async def send(
        self, method: str, path: str, data: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, str, Mapping[str, str]]:
        async with self.session.request(method, path, data=data, headers=headers) as response:
            return response.status, await response.text(), response.headers

    async def post(self, body: Any, path: str = "/api/purchases") -> tuple[int, str]:
        """POST a JSON body with the right token; the status and the body text."""
        status, text, headers = await self.send(
            "POST", path, json.dumps(body).encode(), {**AUTH, **JSON}
        )
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        return status, text

    async def purchase(self, body: Any) -> tuple[int, Any]:
        status, text = await self.post(body)
        return status, json.loads(text)

    async def error(self, body: Any, status: int = 422) -> dict[str, Any]:
        got, answer = await self.purchase(body)
        assert got == status, answer
        assert set(answer) == {"error"} and set(answer["error"]) == {"code", "message", "field"}
        error: dict[str, Any] = answer["error"]
        return error


async def serve(db: Database, settings: Settings) -> tuple[web.AppRunner, str]:
    live = LiveSettings(settings)
    api = create_api(db=db, settings=live, clock=utc_now, dispatch_soon=lambda: None)
    add_healthz_route(api, db, components={})  # as the bot's HTTP server adds it
    runner = web.AppRunner(api)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


@pytest.fixture
async def api(harness: Harness) -> AsyncIterator[Api]:
    harness.overrides["api_token"] = API_TOKEN
    await harness.start()
    async with served_api(harness) as session:
        yield Api(session, harness)


async def customer_id(harness: Harness, customer: EmulatedUser) -> int:
    [(found,)] = await rows(
        harness, "SELECT id FROM customers WHERE telegram_user_id = ?", customer.id
    )
    return int(found)


async def counts(harness: Harness) -> tuple[int, int, int]:
    [(purchases, surveys, customers)] = await rows(
        harness,
        "SELECT (SELECT COUNT(*) FROM purchases), (SELECT COUNT(*) FROM surveys),"
        " (SELECT COUNT(*) FROM customers)",
    )
    return purchases, surveys, customers


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


async def test_purchase_by_telegram_id_surveys_the_customer_and_replays(api: Api) -> None:
    harness = api.harness
    customer = await started_customer(harness)
    bought = (utc_now() - timedelta(hours=1)).replace(microsecond=0)
    body = {
        "order_id": "ORD-1",
        "amount": "1500,50",
        "telegram_user_id": customer.id,
        "store": "Main street",
        "purchased_at": bought.astimezone(timezone(timedelta(hours=3))).isoformat(),
    }
    status, text = await api.post(body)
    assert status == 201, text
    created = json.loads(text)
    purchase, survey = created["purchase"], created["survey"]
    assert purchase == {
        "id": purchase["id"],
        "order_id": "ORD-1",
        "amount": "1500.50",
        "amount_minor": 150050,
        "currency": "RUB",
        "store": "Main street",
        "purchased_at": iso_z(bought),
        "customer_id": await customer_id(harness, customer),
        "source": "api",
    }
    assert survey["status"] == "scheduled" and survey["due_at"].endswith("Z")
    assert created["survey_skipped"] is None
    assert "recommend" in ((await customer.next_message()).text or "")
    assert await rows(harness, "SELECT response FROM purchases") == [(text,)]

    # The same request, however spelt, gets the first answer byte for byte.
    assert await api.post(body) == (200, text)
    assert await api.post({**body, "amount": 1500.5, "purchased_at": iso_z(bought)}) == (200, text)
    assert await rows(harness, "SELECT id, status FROM surveys") == [(survey["id"], "active")]

    before = await rows(harness, "SELECT * FROM purchases"), await counts(harness)
    conflict = await api.error({**body, "amount": "1600"}, status=409)
    assert (conflict["code"], conflict["field"]) == ("order_conflict", "order_id")
    assert (await rows(harness, "SELECT * FROM purchases"), await counts(harness)) == before
    assert customer.pending_messages() == []


async def test_token_content_type_size_and_json_are_checked(api: Api) -> None:
    harness = api.harness
    customer = await started_customer(harness)
    good = json.dumps({"order_id": "A", "amount": 1, "telegram_user_id": customer.id}).encode()
    for sent in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": API_TOKEN}):
        status, text, answer_headers = await api.send("POST", "/api/purchases", good, sent)
        assert status == 401, text
        assert json.loads(text)["error"]["code"] == "unauthorized"
        assert answer_headers["WWW-Authenticate"] == "Bearer"
    status, text, _ = await api.send("POST", "/api/purchases/batch", b"{}", JSON)
    assert status == 401

    cases: list[tuple[bytes, dict[str, str], int, str]] = [
        (good, {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        (good, {}, 415, "unsupported_media_type"),
        (b'{"order_id": "A", ', JSON, 400, "invalid_json"),
        (b"[1, 2]", JSON, 400, "invalid_json"),
        (b"", JSON, 400, "invalid_json"),
        (b'{"order_id": "\xff"}', JSON, 400, "invalid_json"),
        (b'{"amount": NaN}', JSON, 400, "invalid_json"),
        (b'{"amount": 1, "amount": 2}', JSON, 400, "invalid_json"),
        (b'{"store": "' + b"x" * 70_000 + b'"}', JSON, 413, "too_large"),
    ]
    for data, extra, expected, code in cases:
        status, text, _ = await api.send("POST", "/api/purchases", data, {**AUTH, **extra})
        assert (status, json.loads(text)["error"]["code"]) == (expected, code), data[:40]

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: the read stops the body
        yield b'{"store": "'
        for _ in range(20):
            yield b"x" * 4096
        yield b'"}'

    async with api.session.post(
        "/api/purchases", data=chunked(), headers={**AUTH, **JSON}
    ) as response:
        assert response.status == 413 and (await response.json())["error"]["code"] == "too_large"

    status, text, headers = await api.send("GET", "/api/purchases", headers=AUTH)
    assert (status, json.loads(text)["error"]["code"]) == (405, "method_not_allowed")
    assert headers["Allow"] == "POST"
    status, text, _ = await api.send("POST", "/api/orders", good, {**AUTH, **JSON})
    assert (status, json.loads(text)["error"]["code"]) == (404, "not_found")
    assert await counts(harness) == (0, 0, 1)


async def test_each_refusal_names_the_field(api: Api) -> None:
    harness = api.harness
    customer = await started_customer(harness)
    good = {"order_id": "A-1", "amount": "10", "telegram_user_id": customer.id}
    cases: list[tuple[dict[str, Any], str, str | None]] = [
        ({**good, "order_id": None}, "missing_field", "order_id"),
        ({"amount": 1, "telegram_user_id": customer.id}, "missing_field", "order_id"),
        ({"order_id": "A-1", "telegram_user_id": customer.id}, "missing_field", "amount"),
        ({**good, "amount": 0}, "invalid_amount", "amount"),
        ({**good, "amount": -1}, "invalid_amount", "amount"),
        ({**good, "amount": "abc"}, "invalid_amount", "amount"),
        ({**good, "amount": True}, "invalid_amount", "amount"),
        ({**good, "amount": 1.005}, "invalid_amount", "amount"),
        ({**good, "phone": PHONE}, "multiple_identities", "phone"),
        ({"order_id": "A-1", "amount": 1}, "missing_identity", None),
        ({**good, "telegram_user_id": 777_000_111}, "unknown_customer", "telegram_user_id"),
        ({"order_id": "A-1", "amount": 1, "customer_id": 999}, "unknown_customer", "customer_id"),
        ({**good, "coupon": "X"}, "unknown_field", "coupon"),
        ({"order_id": "A-1", "amount": 1, "phone": "12-34"}, "invalid_phone", "phone"),
        ({**good, "purchased_at": "2026-11-31T10:00:00"}, "invalid_value", "purchased_at"),
    ]
    for body, code, field in cases:
        error = await api.error(body)
        assert (error["code"], error["field"]) == (code, field), body
        for name in [field] if field else ["telegram_user_id", "phone", "customer_id"]:
            assert name in error["message"], error
    unknown = await api.error({**good, "telegram_user_id": 777_000_111})
    assert "open the bot" in unknown["message"]
    assert await counts(harness) == (0, 0, 1)
    status, _ = await api.purchase(good)  # the same order id is still free
    assert status == 201


async def test_purchase_by_phone_waits_for_the_customer_to_open_the_bot(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    harness = api.harness
    sent_before = len(harness.emulator.requests)
    status, created = await api.purchase(
        {"order_id": "P-1", "amount": 990, "phone": "8 900 123-45-67"}
    )
    assert status == 201, created
    assert created["survey"]["status"] == "waiting" and created["survey_skipped"] is None
    assert await rows(harness, "SELECT id, phone, telegram_user_id FROM customers") == [
        (created["purchase"]["customer_id"], PHONE, None)
    ]
    replay = await api.purchase({"order_id": "P-1", "amount": "990.00", "phone": PHONE})
    assert replay == (200, created)

    # Another customer's survey arriving proves a dispatch ran after the phone purchase.
    other = await started_customer(harness, "Boris")
    status, _ = await api.purchase({"order_id": "P-2", "amount": 5, "telegram_user_id": other.id})
    assert status == 201
    assert "recommend" in ((await other.next_message()).text or "")
    assert await rows(
        harness, "SELECT status FROM surveys WHERE id = ?", created["survey"]["id"]
    ) == [("waiting",)]  # out of every dispatch until the customer opens the bot
    sends = [r for r in harness.emulator.requests[sent_before:] if r.method.startswith("send")]
    assert sends and {int(r.params["chat_id"]) for r in sends} == {other.chat_id}
    assert "9001234567" not in caplog.text and "Boris" not in caplog.text
    # one INFO line per request, without the till's order id (it may be a phone number)
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert "POST /api/purchases 201 -" in logged and "POST /api/purchases 200 -" in logged
    assert not [line for line in logged if "P-1" in line]


async def test_purchase_by_customer_id_then_throttled(api: Api) -> None:
    harness = api.harness
    customer = await started_customer(harness)
    our_id = await customer_id(harness, customer)
    status, first = await api.purchase({"order_id": "C-1", "amount": 100, "customer_id": our_id})
    assert status == 201, first
    assert first["purchase"]["customer_id"] == our_id and first["survey"] is not None
    assert "recommend" in ((await customer.next_message()).text or "")

    status, second = await api.purchase(
        {"order_id": "C-2", "amount": 200, "telegram_user_id": customer.id}
    )
    assert status == 201, second
    assert (second["survey"], second["survey_skipped"]) == (None, "throttled")
    assert (second["purchase"]["amount"], second["purchase"]["amount_minor"]) == ("200.00", 20000)
    assert await counts(harness) == (2, 1, 1)
    assert await api.purchase(
        {"order_id": "C-2", "amount": 200, "telegram_user_id": customer.id}
    ) == (
        200,
        second,
    )


async def test_an_order_from_the_purchase_command_is_replayed_from_storage(api: Api) -> None:
    harness = api.harness
    customer = await started_customer(harness)
    reply = await admin_says(harness, f"/purchase {customer.id} 1500 CMD-1")
    assert "registered" in (reply.text or "")
    body = {"order_id": "CMD-1", "amount": 1500, "telegram_user_id": customer.id}
    status, replay = await api.purchase(body)
    assert status == 200, replay
    assert replay["purchase"]["source"] == "command"
    assert replay["purchase"]["amount_minor"] == 150000 and replay["survey"] is not None
    assert (await api.error({**body, "amount": 1501}, status=409))["code"] == "order_conflict"
    assert await counts(harness) == (1, 1, 1)


async def test_batch_answers_each_row(api: Api) -> None:
    harness = api.harness
    customer = await started_customer(harness)
    row = {"order_id": "B-1", "amount": "10.00", "telegram_user_id": customer.id}
    items: list[Any] = [
        row,
        {**row, "order_id": "B-bad", "amount": 0},
        {**row, "amount": 10},  # the same data: a replay
        {**row, "amount": 11},  # the same order id, other data
        {"order_id": "B-2", "amount": 5, "phone": PHONE},
        "not an object",
        {"order_id": "B-3", "amount": 5, "telegram_user_id": 777_000_111},
    ]
    status, text = await api.post({"purchases": items}, "/api/purchases/batch")
    assert status == 200, text
    answer = json.loads(text)
    results = answer["results"]
    assert [(r["index"], r["status"]) for r in results] == list(
        enumerate([201, 422, 200, 409, 201, 422, 422])
    )
    assert {k: v for k, v in answer.items() if k != "results"} == {
        "created": 2,
        "replayed": 1,
        "conflicts": 1,
        "rejected": 3,
    }
    assert results[2]["body"] == results[0]["body"]
    assert results[1]["body"]["error"]["field"] == "amount"
    assert results[3]["body"]["error"]["code"] == "order_conflict"
    assert results[6]["body"]["error"]["code"] == "unknown_customer"
    assert await counts(harness) == (2, 2, 2)

    # A retried batch stores nothing twice; single posts see the batch's answers.
    status, text = await api.post({"purchases": items}, "/api/purchases/batch")
    again = json.loads(text)
    assert [r["status"] for r in again["results"]] == [200, 422, 200, 409, 200, 422, 422]
    assert again["results"][4]["body"] == results[4]["body"]
    assert await api.purchase(row) == (200, results[0]["body"])
    assert await counts(harness) == (2, 2, 2)

    too_many = {"purchases": [row] * 1001}
    status, text = await api.post(too_many, "/api/purchases/batch")
    assert status == 422 and json.loads(text)["error"]["field"] == "purchases"
    for bad in ({"purchases": row}, {}, {"purchases": [], "extra": 1}):
        status, text = await api.post(bad, "/api/purchases/batch")
        assert status == 422, text
    # The batch endpoint takes bodies over the single endpoint's 64 KiB.
    padded = b'{"purchases": [' + json.dumps(row).encode() + b"]" + b" " * 100_000 + b"}"
    status, text, _ = await api.send("POST", "/api/purchases/batch", padded, {**AUTH, **JSON})
    assert status == 200 and json.loads(text)["replayed"] == 1, text
    assert await counts(harness) == (2, 2, 2)


async def test_healthz(api: Api) -> None:
    status, text, _ = await api.send("GET", "/healthz")
    assert json.loads(text) == {"status": "ok", "database": "ok", "scheduler": "ok"}
    assert status == 200


async def test_a_broken_database_gives_503_and_500_as_json(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = await Database.open(tmp_path / "feedback.db")
    settings = Settings(_env_file=None, api_token=SecretStr(API_TOKEN))  # type: ignore[call-arg]
    runner, url = await serve(db, settings)
    await db.close()
    try:
        async with aiohttp.ClientSession(url, timeout=aiohttp.ClientTimeout(total=10)) as session:
            async with session.get("/healthz") as response:
                assert response.status == 503
                assert await response.json() == {"status": "error", "database": "error"}
            body = {"order_id": "X-9", "amount": 1, "phone": PHONE}
            async with session.post("/api/purchases", json=body, headers=AUTH) as response:
                assert response.status == 500
                assert (await response.json())["error"]["code"] == "internal_error"
    finally:
        await runner.cleanup()
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures and "POST /api/purchases (-) failed with" in failures[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and "X-9" in r.getMessage()]
    assert "9001234567" not in caplog.text


async def test_the_bot_process_serves_the_api_when_a_token_is_set(harness: Harness) -> None:
    """Wired as `python -m bot` runs it: API_TOKEN set → the API listens beside polling."""
    harness.overrides.update(api_token="served-token", api_port="0")
    app = await harness.start()
    assert app.api_runner is not None
    host, port = app.api_runner.addresses[0][:2]
    customer = await started_customer(harness)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://{host}:{port}/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"status": "ok", "database": "ok", "scheduler": "ok"}
        async with session.post(
            f"http://{host}:{port}/api/purchases",
            json={"order_id": "WIRED-1", "amount": 990, "telegram_user_id": customer.id},
            headers={"Authorization": "Bearer served-token"},
        ) as response:
            assert response.status == 201
    assert "recommend" in ((await customer.next_message()).text or "")


async def test_healthz_says_when_the_scheduler_is_not_running(harness: Harness) -> None:
    harness.overrides.update(api_token="served-token", api_port="0")
    app = await harness.start()
    assert app.api_runner is not None
    host, port = app.api_runner.addresses[0][:2]
    app.scheduler.pause()  # as while the bot shuts down
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://{host}:{port}/healthz") as response,
    ):
        assert response.status == 503
        assert await response.json() == {"status": "error", "database": "ok", "scheduler": "error"}
    app.scheduler.resume()


async def test_no_token_no_api(running: Harness) -> None:
    assert running.app is not None and running.app.api_runner is None
