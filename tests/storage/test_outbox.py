"""The outbox: which endpoints an event goes to, that it shares its change's transaction,
how attempts are written, and the endpoint .env sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.survey_rules import SurveyRules
from storage import alerts, customers, event_bodies, outbox
from storage.database import Database
from storage.intake import record_purchase_in
from storage.outbox import Attempt, Event, Outcome
from storage.purchases import NewPurchase
from tests.storage.test_alerts import _open_alerts

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SECRET = "whsec_" + "A" * 44


async def _count(db: Database, table: str) -> int:
    async with db.reader.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
        return int((await cursor.fetchone())[0])


async def test_no_endpoint_wants_it_so_nothing_is_written(db: Database) -> None:
    async with db.transaction() as conn:
        await outbox.record(conn, Event("customer.opted_out", 1), NOW)
    assert await _count(db, "webhook_events") == 0


async def test_each_event_goes_to_the_endpoints_that_want_it(db: Database) -> None:
    async with db.transaction() as conn:
        every = await outbox.add(conn, "http://127.0.0.1:1/all", SECRET, [], NOW)
        leads = await outbox.add(conn, "http://127.0.0.1:1/leads", SECRET, ["lead.created"], NOW)
        gone = await outbox.add(conn, "http://127.0.0.1:1/gone", SECRET, [], NOW)
        await outbox.disable(conn, gone.id, "HTTP 410", NOW)
        await outbox.record(conn, Event("lead.created", 7), NOW)
        await outbox.record(conn, Event("customer.opted_out", 3), NOW)
    due = await outbox.due(db.reader, NOW, 10)
    assert sorted((d.endpoint_id, d.event.type) for d in due) == [
        (every.id, "customer.opted_out"),
        (every.id, "lead.created"),
        (leads.id, "lead.created"),
    ]
    assert len({d.message_id for d in due}) == 3


async def test_an_event_is_rolled_back_with_its_change(db: Database) -> None:
    [alert_id] = await _open_alerts(db, 1)
    async with db.transaction() as conn:
        await outbox.add(conn, "http://127.0.0.1:1/all", SECRET, [], NOW)
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            assert await alerts.resolve(conn, alert_id, 42, NOW)
            raise RuntimeError("the handler failed after the change")
    assert await _count(db, "webhook_events") == 0
    async with db.transaction() as conn:
        assert await alerts.claim(conn, alert_id, 42, NOW)
        assert await alerts.claim(conn, alert_id, 43, NOW)  # claimed already: no second event
    [due] = await outbox.due(db.reader, NOW, 10)
    assert due.event == Event("alert.updated", alert_id, {"action": "claimed", "by": 42})


async def test_attempts_are_counted_and_a_410_drops_the_rest(db: Database) -> None:
    async with db.transaction() as conn:
        endpoint = await outbox.add(conn, "http://127.0.0.1:1/all", SECRET, [], NOW)
        for customer_id in (1, 2, 3):
            await outbox.record(conn, Event("customer.opted_out", customer_id), NOW)
    first, second, third = await outbox.due(db.reader, NOW, 10)
    later = NOW + timedelta(seconds=5)
    async with db.transaction() as conn:
        await outbox.save_attempts(
            conn,
            [
                Attempt(first.delivery_id, endpoint.id, Outcome.DELIVERED),
                Attempt(second.delivery_id, endpoint.id, Outcome.FAILED, "HTTP 500", later),
                Attempt(third.delivery_id, endpoint.id, Outcome.POSTPONED, retry_at=later),
            ],
            NOW,
        )
    assert await outbox.due(db.reader, NOW, 10) == []
    retried = await outbox.due(db.reader, later, 10)
    assert [(d.delivery_id, d.attempts) for d in retried] == [
        (second.delivery_id, 1),
        (third.delivery_id, 0),  # postponed, not tried
    ]
    async with db.transaction() as conn:
        disabled = await outbox.save_attempts(
            conn, [Attempt(second.delivery_id, endpoint.id, Outcome.GONE, "HTTP 410")], later
        )
    assert disabled == [endpoint.id]
    [listed] = await outbox.listing(db.reader)
    assert (listed.delivered, listed.failures, listed.pending) == (1, 2, 0)
    assert listed.last_error == "HTTP 410" and not listed.enabled
    assert await outbox.due(db.reader, later + timedelta(days=1), 10) == []


async def test_the_env_endpoint_follows_env(db: Database) -> None:
    async with db.transaction() as conn:
        await outbox.keep_env_endpoint(conn, "http://127.0.0.1:1/a", SECRET, NOW)
        [endpoint] = await outbox.listing(conn)
        await outbox.disable(conn, endpoint.id, "HTTP 410", NOW)
        await outbox.keep_env_endpoint(conn, "http://127.0.0.1:1/a", SECRET, NOW)
        assert not (await outbox.get(conn, endpoint.id)).enabled  # the same: stays disabled
        assert not await outbox.remove(conn, endpoint.id)  # .env's is changed in .env
        await outbox.keep_env_endpoint(conn, "http://127.0.0.1:1/b", SECRET, NOW)
        changed = await outbox.get(conn, endpoint.id)
        assert changed.url.endswith("/b") and changed.enabled and changed.from_env
        await outbox.keep_env_endpoint(conn, "", "", NOW)
        assert await outbox.listing(conn) == []


async def test_a_referred_friends_first_purchase_is_the_referral_converted(db: Database) -> None:
    rules = SurveyRules(delay=timedelta(0), throttle=None, max_age=None)
    async with db.transaction() as conn:
        await outbox.add(conn, "http://127.0.0.1:1/all", SECRET, ["referral.converted"], NOW)
        referrer = await customers.get_or_create_by_phone(conn, "+79160000001", NOW)
        friend = await customers.get_or_create_by_phone(conn, "+79160000002", NOW)
        await customers.set_referred_by(conn, friend.id, referrer.id)
        for buyer in (referrer, friend, friend):  # the friend's second purchase is no news
            bought = NewPurchase(buyer.id, 50_000, "RUB", NOW, "api")
            await record_purchase_in(conn, bought, rules, now=NOW)
    [due] = await outbox.due(db.reader, NOW, 10)
    assert due.event.type == "referral.converted"
    assert due.event.change == {"referrer_id": referrer.id, "friend_id": friend.id}
    body = await event_bodies.body(db.reader, due.event, due.occurred_at)
    assert body["data"]["friend"]["phone"] == "+79160000002"
    assert body["data"]["referrer"]["id"] == referrer.id
    assert body["data"]["purchase"]["amount_minor"] == 50_000
