"""The one way purchases come in: every path (command, API, QR, CSV) calls `record_purchase`.

A purchase is stored and its survey scheduled in the same transaction, unless it was made
longer than SURVEY_MAX_AGE ago (history: stored and counted, never surveyed) or the
customer was surveyed within the throttle window (then the purchase is stored alone, and
no survey is owed: a throttled survey is dropped, not delayed). A customer known only by
phone gets a survey that waits until they open the bot. Replaying an order id returns what
was stored the first time; the same order id with other data is a conflict and stores
nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

import aiosqlite

from core.survey_rules import SurveyRules
from storage import customers, purchases, referral_credit, surveys
from storage.database import Database
from storage.models import Purchase, Survey, SurveyStatus
from storage.purchases import NewPurchase


class IntakeStatus(Enum):
    CREATED = "created"
    REPLAYED = "replayed"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class IntakeResult:
    status: IntakeStatus
    purchase: Purchase
    survey: Survey | None
    throttled: bool = False  # stored, but the customer was surveyed too recently
    opted_out: bool = False  # stored, but the customer asked for no more surveys
    too_old: bool = False  # stored and counted, but made longer than SURVEY_MAX_AGE ago
    # The intake API's stored answer: written with a created purchase when `record_purchase`
    # got a `respond`; for a replay, whatever the first request stored (None if none did).
    response: str | None = None

    def survey_due(self, now: datetime) -> bool:
        """Whether this purchase scheduled a survey that is already due (no SURVEY_DELAY) to
        a customer who can be written to (a waiting survey is nobody's to send yet)."""
        return (
            self.status is IntakeStatus.CREATED
            and self.survey is not None
            and self.survey.status is SurveyStatus.SCHEDULED
            and self.survey.due_at <= now
        )


# Builds the answer to store with a newly created purchase (see `record_purchase`).
Respond = Callable[[IntakeResult], str]

# Asks for due surveys to be sent now rather than at the next dispatch tick
# (Jobs.intake_dispatch); an intake path calls it once its purchase is committed, when
# `IntakeResult.survey_due`. A chat handler's call takes effect when the handler is done
# (bot/process/dispatch_after.py), so the survey follows what the handler sends.
DispatchSoon = Callable[[], None]


async def record_purchase(
    db: Database,
    purchase: NewPurchase,
    rules: SurveyRules,
    *,
    now: datetime,
    respond: Respond | None = None,
) -> IntakeResult:
    """Record a purchase in its own transaction.

    With `respond`, the answer it builds for a created purchase is stored in that same
    transaction (so a replay finds it as soon as the purchase exists) and returned as
    `result.response`.
    """
    async with db.transaction() as conn:
        result = await record_purchase_in(conn, purchase, rules, now=now)
        if respond is not None and result.status is IntakeStatus.CREATED:
            text = respond(result)
            await purchases.set_response(conn, result.purchase.id, text)
            result = replace(result, response=text)
        return result


async def record_purchase_in(
    conn: aiosqlite.Connection, purchase: NewPurchase, rules: SurveyRules, *, now: datetime
) -> IntakeResult:
    """`record_purchase` inside a transaction the caller holds (a file imported whole)."""
    created = await purchases.insert_new(conn, purchase, now)
    if created is None:  # the order id is taken: a replay or a conflict, nothing is written
        assert purchase.order_id is not None
        found = await purchases.get_with_reply(conn, purchase.order_id)
        assert found is not None
        stored, stored_hash, response = found
        same = purchase.same_as(stored, stored_hash)
        status = IntakeStatus.REPLAYED if same else IntakeStatus.CONFLICT
        survey = await surveys.for_purchase(conn, stored.id)
        return IntakeResult(status, stored, survey, response=response)
    await referral_credit.owe_reward(conn, created.customer_id, created.id, now)
    await referral_credit.record_conversion(conn, created.customer_id, created.id, now)
    if rules.too_old(created.purchased_at, now):  # history: stored and counted, not surveyed
        return IntakeResult(IntakeStatus.CREATED, created, None, too_old=True)
    survey = await surveys.schedule(
        conn,
        customer_id=created.customer_id,
        purchase_id=created.id,
        due_at=now + rules.delay,
        now=now,
        unless_surveyed_since=None if rules.throttle is None else now - rules.throttle,
    )
    if survey is None:
        if await customers.is_opted_out(conn, created.customer_id):
            return IntakeResult(IntakeStatus.CREATED, created, None, opted_out=True)
        return IntakeResult(IntakeStatus.CREATED, created, None, throttled=True)
    return IntakeResult(IntakeStatus.CREATED, created, survey)
