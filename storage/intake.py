"""The one way purchases come in: every path (command, API, QR, CSV) calls `record_purchase`.

A purchase is stored and its survey scheduled in the same transaction, unless the
customer was surveyed within the throttle window (then the purchase is stored alone,
and no survey is owed: a throttled survey is dropped, not delayed). Replaying an order
id returns what was stored the first time; the same order id with other data is a
conflict and stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import aiosqlite

from storage import purchases, surveys
from storage.database import Database
from storage.models import Purchase, Survey
from storage.purchases import NewPurchase


class IntakeStatus(Enum):
    CREATED = "created"
    REPLAYED = "replayed"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class SurveyRules:
    """When a purchase gets a survey: `delay` after it, and not within `throttle` of the last."""

    delay: timedelta
    throttle: timedelta | None = None


@dataclass(frozen=True, slots=True)
class IntakeResult:
    status: IntakeStatus
    purchase: Purchase
    survey: Survey | None
    throttled: bool = False  # stored, but the customer was surveyed too recently


async def record_purchase(
    db: Database, purchase: NewPurchase, rules: SurveyRules, *, now: datetime
) -> IntakeResult:
    async with db.transaction() as conn:
        return await record_purchase_in(conn, purchase, rules, now=now)


async def record_purchase_in(
    conn: aiosqlite.Connection, purchase: NewPurchase, rules: SurveyRules, *, now: datetime
) -> IntakeResult:
    """`record_purchase` inside a transaction the caller holds (a file imported whole)."""
    if purchase.order_id is not None:
        stored = await purchases.get_by_order_id(conn, purchase.order_id)
        if stored is not None:
            stored_hash, _ = await purchases.stored_hash_and_response(conn, stored.id)
            same = purchase.same_as(stored, stored_hash)
            status = IntakeStatus.REPLAYED if same else IntakeStatus.CONFLICT
            return IntakeResult(status, stored, await surveys.for_purchase(conn, stored.id))
    created = await purchases.insert(conn, purchase, now)
    if rules.throttle is not None and await surveys.surveyed_since(
        conn, purchase.customer_id, now - rules.throttle
    ):
        return IntakeResult(IntakeStatus.CREATED, created, None, throttled=True)
    survey = await surveys.schedule(
        conn,
        customer_id=purchase.customer_id,
        purchase_id=created.id,
        due_at=now + rules.delay,
        now=now,
    )
    return IntakeResult(IntakeStatus.CREATED, created, survey)
