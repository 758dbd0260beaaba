"""Pure validation of intake API bodies: decoded JSON in, a typed request or an `ApiError` out.

Nothing here touches the database or raises for any JSON value: every refusal is an
`ApiError` naming the field, so the HTTP layer and the batch endpoint treat all rows alike.
Messages never repeat the values sent (a phone number is personal data).
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from core.phones import normalize_phone
from intake.api_errors import (
    INVALID_AMOUNT,
    INVALID_PHONE,
    INVALID_VALUE,
    MISSING_FIELD,
    MISSING_IDENTITY,
    MULTIPLE_IDENTITIES,
    TOO_MANY_ITEMS,
    UNKNOWN_FIELD,
    ApiError,
    unprocessable,
)
from intake.dates import FORMATS_HINT, parse_purchase_time
from intake.fields import (
    AMOUNT,
    CURRENCY,
    CURRENCY_PATTERN,
    IDENTITY_FIELDS,
    ORDER_ID,
    ORDER_ID_PATTERN,
    PHONE,
    PURCHASED_AT,
    STORE,
)
from intake.money import MAX_MINOR, AmountError, minor_digits, parse_amount

FIELDS = (ORDER_ID, AMOUNT, CURRENCY, PURCHASED_AT, STORE, *IDENTITY_FIELDS)
BATCH_FIELD = "purchases"
MAX_BATCH_ITEMS = 1000

MAX_ROW_ID = 2**63 - 1  # SQLite INTEGER; Telegram user ids fit in it
MAX_STORE_CHARS = 64
MAX_AMOUNT_CHARS = 32
MAX_PHONE_CHARS = 32
MAX_NAME_CHARS = 40  # how much of an unknown field name an error repeats
FUTURE_TOLERANCE = timedelta(days=1)  # tills with a wrong clock or in another time zone
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)

_ORDER_ID = ORDER_ID_PATTERN
_CURRENCY = CURRENCY_PATTERN


@dataclass(frozen=True, slots=True)
class Identity:
    """Who bought: one of `telegram_user_id`, `phone` (E.164) or `customer_id`."""

    field: str
    value: int | str


@dataclass(frozen=True, slots=True)
class PurchaseRequest:
    """A valid, normalised purchase as the client gave it (`purchased_at` None: not given)."""

    order_id: str
    amount_minor: int
    currency: str
    purchased_at: datetime | None
    store: str | None
    identity: Identity

    def canonical(self) -> dict[str, Any]:
        return {
            ORDER_ID: self.order_id,
            "amount_minor": self.amount_minor,
            CURRENCY: self.currency,
            PURCHASED_AT: None if self.purchased_at is None else iso_utc(self.purchased_at),
            STORE: self.store,
            self.identity.field: self.identity.value,
        }

    def request_hash(self) -> str:
        """The idempotency fingerprint: equal for the same data however it was spelt."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Invalid(Exception):
    """Carries the first problem found out of the field checks."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


def iso_utc(moment: datetime) -> str:
    """`2026-11-23T07:00:00Z` (microseconds only when there are any)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def order_id_of(raw: object) -> str | None:
    """The order id of a body, if it has a valid one (logged at DEBUG only: a till may use
    a phone number as its order id)."""
    if isinstance(raw, Mapping):
        value = raw.get(ORDER_ID)
        if isinstance(value, str) and _ORDER_ID.fullmatch(value):
            return value
    return None


def validate_purchase(
    raw: object, *, default_currency: str, timezone: tzinfo, now: datetime
) -> PurchaseRequest | ApiError:
    """Check one purchase body; never raises for any decoded JSON value. A `purchased_at`
    without an offset is on the `timezone` clock (intake/dates.py, as the CSV import)."""
    try:
        return _purchase(raw, default_currency, timezone, now)
    except _Invalid as invalid:
        return invalid.error


def validate_batch(raw: Mapping[str, Any]) -> list[Any] | ApiError:
    """The items of a batch body: a list under `purchases` of at most MAX_BATCH_ITEMS."""
    unknown = _unknown_fields(raw, (BATCH_FIELD,))
    if unknown is not None:
        return unknown
    items = raw.get(BATCH_FIELD)
    if items is None:
        return unprocessable(MISSING_FIELD, "purchases is required (a list)", BATCH_FIELD)
    if not isinstance(items, list):
        return unprocessable(INVALID_VALUE, "purchases must be a list of objects", BATCH_FIELD)
    if len(items) > MAX_BATCH_ITEMS:
        return unprocessable(
            TOO_MANY_ITEMS,
            f"purchases holds {len(items)} items; send at most {MAX_BATCH_ITEMS} per batch",
            BATCH_FIELD,
        )
    return items


def _purchase(
    raw: object, default_currency: str, timezone: tzinfo, now: datetime
) -> PurchaseRequest:
    if not isinstance(raw, Mapping):
        raise _Invalid(unprocessable(INVALID_VALUE, "A purchase must be a JSON object", None))
    unknown = _unknown_fields(raw, FIELDS)
    if unknown is not None:
        raise _Invalid(unknown)
    order_id = _order_id(raw.get(ORDER_ID))
    currency = _currency(raw.get(CURRENCY), default_currency)
    return PurchaseRequest(
        order_id=order_id,
        amount_minor=_amount(raw.get(AMOUNT), currency),
        currency=currency,
        purchased_at=_purchased_at(raw.get(PURCHASED_AT), timezone, now),
        store=_store(raw.get(STORE)),
        identity=_identity(raw),
    )


def _unknown_fields(raw: Mapping[str, Any], allowed: tuple[str, ...]) -> ApiError | None:
    unknown = sorted(_printable(str(name)) for name in raw if name not in allowed)
    if not unknown:
        return None
    listed = ", ".join(unknown[:5]) + (", …" if len(unknown) > 5 else "")
    return unprocessable(
        UNKNOWN_FIELD,
        f"Unknown field(s): {listed}. Allowed fields: {', '.join(allowed)}",
        unknown[0],
    )


def _printable(name: str) -> str:
    """A field name fit to repeat in an error: short, and encodable as UTF-8."""
    short = name[:MAX_NAME_CHARS]
    return short.encode("utf-8", "backslashreplace").decode("utf-8")


def _order_id(value: object) -> str:
    if value is None:
        raise _Invalid(unprocessable(MISSING_FIELD, "order_id is required", ORDER_ID))
    if not isinstance(value, str) or not _ORDER_ID.fullmatch(value):
        raise _Invalid(
            unprocessable(
                INVALID_VALUE,
                "order_id must be a string of 1-64 characters: letters, digits and _ - . / #",
                ORDER_ID,
            )
        )
    return value


def _currency(value: object, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise _Invalid(
            unprocessable(
                INVALID_VALUE, "currency must be a three-letter ISO 4217 code such as RUB", CURRENCY
            )
        )
    return value.upper()


def _amount(value: object, currency: str) -> int:
    if value is None:
        raise _Invalid(unprocessable(MISSING_FIELD, "amount is required", AMOUNT))
    digits = minor_digits(currency)
    problem = ApiError(
        422,
        INVALID_AMOUNT,
        f"amount must be a positive number of {currency} with at most {digits} decimal places, "
        'as a JSON number or a string such as "1500.50" or "1500,50"',
        AMOUNT,
    )
    if not _plausible_amount(value):
        raise _Invalid(problem)
    try:
        return parse_amount(str(value), currency)
    except AmountError:
        raise _Invalid(problem) from None


def _plausible_amount(value: object) -> bool:
    """Whether `str(value)` is worth parsing: no bools, no NaN, no huge ints or long texts."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 < value < MAX_MINOR
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and len(value) <= MAX_AMOUNT_CHARS


def _purchased_at(value: object, timezone: tzinfo, now: datetime) -> datetime | None:
    if value is None:
        return None
    moment = parse_purchase_time(value, timezone) if isinstance(value, str) else None
    if moment is None:
        raise _Invalid(
            unprocessable(INVALID_VALUE, f"purchased_at must be {FORMATS_HINT}", PURCHASED_AT)
        )
    if moment < EARLIEST:
        raise _Invalid(unprocessable(INVALID_VALUE, "purchased_at is before 1970", PURCHASED_AT))
    if moment > now + FUTURE_TOLERANCE:
        raise _Invalid(
            unprocessable(
                INVALID_VALUE, "purchased_at is more than a day in the future", PURCHASED_AT
            )
        )
    return moment


def _store(value: object) -> str | None:
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else ""
    if not 0 < len(text) <= MAX_STORE_CHARS or not all(_printable_char(char) for char in text):
        raise _Invalid(
            unprocessable(
                INVALID_VALUE,
                f"store must be a non-empty string of at most {MAX_STORE_CHARS} printable "
                "characters",
                STORE,
            )
        )
    return text


def _printable_char(char: str) -> bool:
    return unicodedata.category(char) not in {"Cc", "Cs"}


def _identity(raw: Mapping[str, Any]) -> Identity:
    given = [name for name in IDENTITY_FIELDS if raw.get(name) is not None]
    if not given:
        raise _Invalid(
            unprocessable(
                MISSING_IDENTITY,
                "Say who bought: give exactly one of telegram_user_id, phone or customer_id",
                None,
            )
        )
    if len(given) > 1:
        raise _Invalid(
            unprocessable(
                MULTIPLE_IDENTITIES,
                f"Give exactly one of telegram_user_id, phone or customer_id, not "
                f"{' and '.join(given)}",
                given[1],
            )
        )
    name = given[0]
    if name == PHONE:
        return Identity(PHONE, _phone(raw[PHONE]))
    return Identity(name, _row_id(name, raw[name]))


def _phone(value: object) -> str:
    phone = None
    if isinstance(value, str) and len(value) <= MAX_PHONE_CHARS and value.isprintable():
        phone = normalize_phone(value)
    if phone is None:
        raise _Invalid(
            unprocessable(
                INVALID_PHONE,
                "phone is not a valid phone number; send it in E.164, such as +79001234567",
                PHONE,
            )
        )
    return phone


def _row_id(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ROW_ID:
        raise _Invalid(unprocessable(INVALID_VALUE, f"{name} must be a positive integer", name))
    return value
