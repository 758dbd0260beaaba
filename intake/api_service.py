"""Recording a validated API purchase: find the customer, store it once, answer the same way.

Idempotency works like Stripe's: the first answer to an order id is stored with the purchase
and a replay of the same request (same fingerprint) gets those very bytes back; the same
order id with other data is a conflict that changes nothing. An order that exists already is
answered before the customer is resolved, so a replay or a conflict sent by phone never
creates a customer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from core.clock import Clock
from core.settings import Settings
from intake.api_errors import ORDER_CONFLICT, UNKNOWN_CUSTOMER, ApiError, unprocessable
from intake.api_validation import Identity, PurchaseRequest, iso_utc, validate_purchase
from intake.fields import CUSTOMER_ID, ORDER_ID, PHONE, TELEGRAM_USER_ID
from intake.money import minor_digits
from storage import customers, purchases, surveys
from storage.database import Database
from storage.intake import DispatchSoon, IntakeResult, IntakeStatus, record_purchase
from storage.live_settings import LiveSettings
from storage.models import Customer, Purchase, Survey
from storage.purchases import NewPurchase

SOURCE = "api"
THROTTLED = "throttled"
OPTED_OUT = "opted_out"
TOO_OLD = "too_old"


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP status and the JSON text to send with it."""

    status: int
    text: str

    @classmethod
    def of(cls, status: int, body: dict[str, Any]) -> Reply:
        return cls(status, dump(body))

    @classmethod
    def error(cls, error: ApiError) -> Reply:
        return cls.of(error.status, error.body())

    def body(self) -> Any:
        return json.loads(self.text)


def dump(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)


def amount_text(minor: int, currency: str) -> str:
    """`150050, "RUB"` → `1500.50`; `1500, "JPY"` → `1500`."""
    digits = minor_digits(currency)
    if digits == 0:
        return str(minor)
    whole, fraction = divmod(minor, 10**digits)
    return f"{whole}.{fraction:0{digits}d}"


def purchase_body(
    purchase: Purchase, survey: Survey | None, *, skipped: str | None
) -> dict[str, Any]:
    """The documented answer to a purchase: the stored purchase and its survey, if any."""
    amount = purchase.amount_minor
    return {
        "purchase": {
            "id": purchase.id,
            "order_id": purchase.order_id,
            "amount": None if amount is None else amount_text(amount, purchase.currency),
            "amount_minor": amount,
            "currency": purchase.currency,
            "store": purchase.store,
            "purchased_at": iso_utc(purchase.purchased_at),
            "customer_id": purchase.customer_id,
            "source": purchase.source,
        },
        "survey": None
        if survey is None
        else {"id": survey.id, "status": str(survey.status), "due_at": iso_utc(survey.due_at)},
        "survey_skipped": skipped,
    }


def conflict(order_id: str) -> Reply:
    return Reply.error(
        ApiError(
            409,
            ORDER_CONFLICT,
            f"Order {order_id} was already recorded with different data. Nothing was changed: "
            "resend the original data to get the original answer, or use a new order_id",
            ORDER_ID,
        )
    )


def _unknown_customer(identity: Identity) -> ApiError:
    if identity.field == TELEGRAM_USER_ID:
        message = (
            "No customer has this telegram_user_id: the customer must open the bot (press Start) "
            "first. To survey them once they do, send their phone instead"
        )
    else:
        message = "No customer has this customer_id"
    return unprocessable(UNKNOWN_CUSTOMER, message, identity.field)


async def find_customer(conn: aiosqlite.Connection, identity: Identity) -> Customer | None:
    """The customer a request names, if they exist (nobody is created here)."""
    if identity.field == PHONE:
        return await customers.get_by_phone(conn, str(identity.value))
    if identity.field == CUSTOMER_ID:
        return await customers.get(conn, int(identity.value))
    return await customers.get_by_telegram_id(conn, int(identity.value))


class PurchaseIntake:
    """Turns decoded JSON purchase bodies into stored purchases and their answers."""

    def __init__(
        self, db: Database, settings: LiveSettings, clock: Clock, dispatch_soon: DispatchSoon
    ) -> None:
        self._db = db
        self._live = settings
        self._clock = clock
        self._dispatch_soon = dispatch_soon

    @property
    def _settings(self) -> Settings:
        return self._live.current  # survey delay and throttle may change at run time

    async def submit(self, raw: object) -> Reply:
        """Validate and record one purchase body; the reply is 200, 201, 409 or 422."""
        now = self._clock()
        settings = self._settings
        request = validate_purchase(
            raw, default_currency=settings.currency, timezone=settings.tz, now=now
        )
        if isinstance(request, ApiError):
            return Reply.error(request)
        request_hash = request.request_hash()
        existing = await self._existing(request, request_hash, now)
        if existing is not None:
            return existing
        customer = await self._customer(request.identity, now)
        if isinstance(customer, ApiError):
            return Reply.error(customer)
        result = await record_purchase(
            self._db,
            _new_purchase(request, customer.id, request_hash, now),
            self._settings.survey_rules,
            now=now,
            respond=_created_text,  # stored with the purchase, in the same transaction
        )
        if result.survey_due(now):
            self._dispatch_soon()
        return await self._reply(request, result)

    async def _existing(
        self, request: PurchaseRequest, request_hash: str, now: datetime
    ) -> Reply | None:
        """The answer for an order id already stored; None for a new one."""
        reader = self._db.reader
        found = await purchases.get_with_reply(reader, request.order_id)
        if found is None:
            return None
        stored, stored_hash, response = found
        if stored_hash is not None:
            same = stored_hash == request_hash
        else:  # came in another way (/purchase, CSV): compare the data itself
            customer = await find_customer(reader, request.identity)
            same = customer is not None and _new_purchase(
                request, customer.id, request_hash, now
            ).same_as(stored)
        if not same:
            return conflict(request.order_id)
        return await self._replayed(stored, response)

    async def _customer(self, identity: Identity, now: datetime) -> Customer | ApiError:
        if identity.field == PHONE:
            async with self._db.transaction() as conn:
                return await customers.get_or_create_by_phone(conn, str(identity.value), now)
        customer = await find_customer(self._db.reader, identity)
        return _unknown_customer(identity) if customer is None else customer

    async def _reply(self, request: PurchaseRequest, result: IntakeResult) -> Reply:
        if result.status is IntakeStatus.CONFLICT:
            return conflict(request.order_id)
        if result.status is IntakeStatus.REPLAYED:  # another request won the race
            return await self._replayed(result.purchase, result.response)
        assert result.response is not None  # written by `_created_text` with the purchase
        return Reply(201, result.response)

    async def _replayed(self, stored: Purchase, response: str | None) -> Reply:
        if response is not None:
            return Reply(200, response)
        # No stored answer (the order came via /purchase or CSV): describe what is stored.
        # Every intake path schedules a survey unless the purchase was too old when it came,
        # or the customer opted out or was throttled.
        survey = await surveys.for_purchase(self._db.reader, stored.id)
        skipped = None
        if survey is None:
            rules = self._settings.survey_rules
            opted_out = await customers.is_opted_out(self._db.reader, stored.customer_id)
            if rules.too_old(stored.purchased_at, stored.recorded_at):
                skipped = TOO_OLD
            else:
                skipped = OPTED_OUT if opted_out else THROTTLED
        return Reply.of(200, purchase_body(stored, survey, skipped=skipped))


def _created_text(result: IntakeResult) -> str:
    """The answer to a newly created purchase, stored with it for replays."""
    skipped = (
        TOO_OLD
        if result.too_old
        else OPTED_OUT
        if result.opted_out
        else THROTTLED
        if result.throttled
        else None
    )
    return dump(purchase_body(result.purchase, result.survey, skipped=skipped))


def _new_purchase(
    request: PurchaseRequest, customer_id: int, request_hash: str, now: datetime
) -> NewPurchase:
    return NewPurchase(
        customer_id=customer_id,
        amount_minor=request.amount_minor,
        currency=request.currency,
        purchased_at=request.purchased_at or now,
        source=SOURCE,
        order_id=request.order_id,
        store=request.store,
        request_hash=request_hash,
    )
