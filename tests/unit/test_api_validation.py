"""The intake API's pure parts: body validation, the request fingerprint, auth, the OpenAPI text."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.api import authorized
from intake.api_errors import ApiError
from intake.api_service import amount_text
from intake.api_validation import (
    FIELDS,
    MAX_BATCH_ITEMS,
    Identity,
    PurchaseRequest,
    iso_utc,
    order_id_of,
    validate_batch,
    validate_purchase,
)
from intake.dates import parse_purchase_time

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MOSCOW = ZoneInfo("Europe/Moscow")
OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def validate(body: object, currency: str = "RUB") -> PurchaseRequest | ApiError:
    return validate_purchase(body, default_currency=currency, timezone=MOSCOW, now=NOW)


def valid(body: dict[str, Any], currency: str = "RUB") -> PurchaseRequest:
    result = validate(body, currency)
    assert isinstance(result, PurchaseRequest), result
    return result


def error(body: object) -> ApiError:
    result = validate(body)
    assert isinstance(result, ApiError), result
    return result


def base(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"order_id": "A-1", "amount": "1500.50", "telegram_user_id": 42}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


# --- valid bodies ------------------------------------------------------------------------


def test_a_minimal_body_takes_the_default_currency_and_no_time() -> None:
    assert valid(base()) == PurchaseRequest(
        order_id="A-1",
        amount_minor=150050,
        currency="RUB",
        purchased_at=None,
        store=None,
        identity=Identity("telegram_user_id", 42),
    )


@pytest.mark.parametrize("amount", [1500.5, "1500.50", "1500,50", "1500,5", " 1500.50 "])
def test_amount_spellings(amount: object) -> None:
    assert valid(base(amount=amount)).amount_minor == 150050


def test_integer_amount_and_zero_decimal_currency() -> None:
    assert valid(base(amount=1500)).amount_minor == 150000
    request = valid(base(amount=1500, currency="jpy"))
    assert (request.currency, request.amount_minor) == ("JPY", 1500)
    assert error(base(amount=1500.5, currency="JPY")).field == "amount"


def test_optional_fields_are_normalised() -> None:
    request = valid(
        base(
            telegram_user_id=None,
            phone="8 (900) 123-45-67",
            purchased_at="2026-11-23T12:30:00+03:00",
            store="  Main street  ",
            currency="usd",
        )
    )
    assert request.identity == Identity("phone", "+79001234567")
    assert request.purchased_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert (request.store, request.currency) == ("Main street", "USD")


def test_nulls_mean_absent() -> None:
    request = valid(base(currency=None, purchased_at=None, store=None, phone=None))
    assert (request.currency, request.purchased_at, request.store) == ("RUB", None, None)


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("2026-11-23", datetime(2026, 11, 22, 21, 0, tzinfo=UTC)),  # midnight in Moscow
        ("23.11.2026", datetime(2026, 11, 22, 21, 0, tzinfo=UTC)),
        ("2026-11-23T10:00:00", datetime(2026, 11, 23, 7, 0, tzinfo=UTC)),
        ("2026-11-23 10:00", datetime(2026, 11, 23, 7, 0, tzinfo=UTC)),
        ("23.11.2026 10:00:05", datetime(2026, 11, 23, 7, 0, 5, tzinfo=UTC)),
        ("2026-11-23T10:00:00+03:00", datetime(2026, 11, 23, 7, 0, tzinfo=UTC)),
        ("2026-11-23T07:00:00Z", datetime(2026, 11, 23, 7, 0, tzinfo=UTC)),
    ],
)
def test_purchased_at_takes_what_the_csv_import_takes_with_the_same_meaning(
    given: str, meant: datetime
) -> None:
    """One parser for both ways in: a till's export works as a file and through the API."""
    assert valid(base(purchased_at=given)).purchased_at == meant
    assert parse_purchase_time(given, MOSCOW) == meant  # what the CSV import calls


def test_purchased_at_up_to_a_day_ahead_is_accepted() -> None:
    ahead = NOW + timedelta(hours=23)
    assert valid(base(purchased_at=iso_utc(ahead))).purchased_at == ahead


def test_order_id_alphabet() -> None:
    assert valid(base(order_id="Aa9_-./#" * 8)).order_id == "Aa9_-./#" * 8


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (base(order_id=...), "missing_field", "order_id"),
        (base(order_id=None), "missing_field", "order_id"),
        (base(order_id=""), "invalid_value", "order_id"),
        (base(order_id="x" * 65), "invalid_value", "order_id"),
        (base(order_id="a b"), "invalid_value", "order_id"),
        (base(order_id=17), "invalid_value", "order_id"),
        (base(amount=...), "missing_field", "amount"),
        (base(amount=0), "invalid_amount", "amount"),
        (base(amount=-1), "invalid_amount", "amount"),
        (base(amount="-1"), "invalid_amount", "amount"),
        (base(amount="0.00"), "invalid_amount", "amount"),
        (base(amount="abc"), "invalid_amount", "amount"),
        (base(amount=True), "invalid_amount", "amount"),
        (base(amount=1.005), "invalid_amount", "amount"),
        (base(amount="1.005"), "invalid_amount", "amount"),
        (base(amount=1e300), "invalid_amount", "amount"),
        (base(amount=10**40), "invalid_amount", "amount"),
        (base(amount="1" * 40), "invalid_amount", "amount"),
        (base(amount=[1]), "invalid_amount", "amount"),
        (base(currency="RU"), "invalid_value", "currency"),
        (base(currency="RUBL"), "invalid_value", "currency"),
        (base(currency=643), "invalid_value", "currency"),
        (base(purchased_at="2026-11-31"), "invalid_value", "purchased_at"),
        (base(purchased_at="23/11/2026"), "invalid_value", "purchased_at"),
        (base(purchased_at="yesterday"), "invalid_value", "purchased_at"),
        (base(purchased_at=1763892000), "invalid_value", "purchased_at"),
        (base(purchased_at="2026-11-25T10:00:01Z"), "invalid_value", "purchased_at"),
        (base(purchased_at="1969-12-31T23:59:59Z"), "invalid_value", "purchased_at"),
        (base(purchased_at="0001-01-01T00:00:00+01:00"), "invalid_value", "purchased_at"),
        (base(store=""), "invalid_value", "store"),
        (base(store="x" * 65), "invalid_value", "store"),
        (base(store="a\nb"), "invalid_value", "store"),
        (base(store=5), "invalid_value", "store"),
        (base(telegram_user_id=...), "missing_identity", None),
        (base(telegram_user_id=None), "missing_identity", None),
        (base(phone="+79001234567"), "multiple_identities", "phone"),
        (base(phone="+7900", customer_id=3), "multiple_identities", "phone"),
        (base(telegram_user_id=0), "invalid_value", "telegram_user_id"),
        (base(telegram_user_id=-5), "invalid_value", "telegram_user_id"),
        (base(telegram_user_id=2**63), "invalid_value", "telegram_user_id"),
        (base(telegram_user_id="42"), "invalid_value", "telegram_user_id"),
        (base(telegram_user_id=True), "invalid_value", "telegram_user_id"),
        (base(telegram_user_id=..., customer_id=1.5), "invalid_value", "customer_id"),
        (base(telegram_user_id=..., phone="12345"), "invalid_phone", "phone"),
        (base(telegram_user_id=..., phone="not a phone"), "invalid_phone", "phone"),
        (base(telegram_user_id=..., phone=79001234567), "invalid_phone", "phone"),
        (base(email="a@b.c"), "unknown_field", "email"),
    ],
)
def test_refusals_name_the_field(body: dict[str, Any], code: str, field: str | None) -> None:
    refusal = error(body)
    assert (refusal.status, refusal.code) == (422, code)
    if field is not None:
        assert refusal.field == field
        assert field in refusal.message
    else:
        assert refusal.field is None
        assert all(name in refusal.message for name in ("telegram_user_id", "phone", "customer_id"))


def test_error_messages_do_not_repeat_the_phone() -> None:
    refusal = error(base(telegram_user_id=..., phone="+7 999 000"))
    assert "999" not in refusal.message


def test_unknown_fields_are_listed_and_made_printable() -> None:
    refusal = error(base(zeta=1, alpha=2, **{"\ud800bad": 3}))
    assert refusal.field == "\\ud800bad"
    assert "alpha" in refusal.message and "zeta" in refusal.message
    json.dumps(refusal.body(), ensure_ascii=False).encode("utf-8")


def test_a_non_object_is_refused() -> None:
    assert error([base()]).code == "invalid_value"
    assert error("order").status == 422


def test_order_id_of_only_returns_valid_ids() -> None:
    assert order_id_of(base()) == "A-1"
    assert order_id_of(base(order_id="+79001234567 x")) is None
    assert order_id_of([]) is None


# --- the fingerprint ---------------------------------------------------------------------


def test_the_same_data_spelt_differently_has_one_hash() -> None:
    first = valid(
        base(
            telegram_user_id=...,
            phone="+7 900 123-45-67",
            amount="1500,50",
            purchased_at="2026-11-23T12:00:00+03:00",
        )
    )
    second = valid(
        base(
            telegram_user_id=...,
            phone="89001234567",
            amount=1500.5,
            purchased_at="2026-11-23T09:00:00Z",
            currency="rub",
        )
    )
    assert first.request_hash() == second.request_hash()
    assert re.fullmatch(r"[0-9a-f]{64}", first.request_hash())


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": "1500.51"},
        {"currency": "USD"},
        {"store": "Other"},
        {"purchased_at": "2026-11-23T09:00:00Z"},
        {"telegram_user_id": 43},
        {"telegram_user_id": None, "customer_id": 42},
        {"order_id": "A-2"},
    ],
)
def test_other_data_has_another_hash(changes: dict[str, Any]) -> None:
    assert valid(base(**changes)).request_hash() != valid(base()).request_hash()


# --- batches -----------------------------------------------------------------------------


def test_batch_shapes() -> None:
    assert validate_batch({"purchases": [1, {}]}) == [1, {}]
    assert validate_batch({"purchases": []}) == []
    refusals: list[tuple[dict[str, Any], str]] = [
        ({}, "missing_field"),
        ({"purchases": {"a": 1}}, "invalid_value"),
        ({"purchases": [{}] * (MAX_BATCH_ITEMS + 1)}, "too_many_items"),
        ({"purchases": [], "dry_run": True}, "unknown_field"),
    ]
    for body, code in refusals:
        refusal = validate_batch(body)
        assert isinstance(refusal, ApiError) and refusal.status == 422, body
        assert refusal.code == code
    assert validate_batch({"purchases": [{}] * MAX_BATCH_ITEMS}) == [{}] * MAX_BATCH_ITEMS


# --- property: nothing escapes the validator ----------------------------------------------

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(
        ["+79001234567", "8 900 123 45 67", "2026-11-23T10:00:00Z", "1500,50", "RUB", "A-1", "0"]
    )
)
_json_values = st.recursive(
    _json_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=6,
)
_bodies = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), _json_values, max_size=9)


@given(_bodies)
def test_arbitrary_objects_give_a_request_or_a_4xx_error(body: dict[str, Any]) -> None:
    result = validate(body)
    if isinstance(result, ApiError):
        assert 400 <= result.status < 500
        assert result.code and result.message
        json.dumps(result.body(), ensure_ascii=False).encode("utf-8")
    else:
        assert result.amount_minor > 0
        assert len(result.request_hash()) == 64


@given(_json_values)
def test_arbitrary_json_values_never_raise(value: object) -> None:
    assert isinstance(validate(value), ApiError | PurchaseRequest)


# --- small pure helpers ------------------------------------------------------------------


def test_amount_text() -> None:
    assert amount_text(150050, "RUB") == "1500.50"
    assert amount_text(5, "USD") == "0.05"
    assert amount_text(1500, "JPY") == "1500"


def test_iso_utc() -> None:
    assert iso_utc(datetime(2026, 11, 23, 12, 0, tzinfo=UTC)) == "2026-11-23T12:00:00Z"


@pytest.mark.parametrize(
    ("header", "expected", "ok"),
    [
        ("Bearer secret", b"secret", True),
        ("bearer  secret ", b"secret", True),
        ("Bearer secreT", b"secret", False),
        ("Bearer", b"secret", False),
        ("Basic secret", b"secret", False),
        ("Bearer секрет", b"secret", False),
        (None, b"secret", False),
        ("Bearer ", b"", False),
    ],
)
def test_authorized(header: str | None, expected: bytes, ok: bool) -> None:
    assert authorized(header, expected) is ok


IMPLEMENTED = {
    "/healthz": ("200", "503", "405", "500"),
    "/api/purchases": ("200", "201", "400", "401", "404", "405", "409", "413", "415", "422", "500"),
    "/api/purchases/batch": ("200", "400", "401", "404", "405", "413", "415", "422", "500"),
}


def _path_blocks(text: str) -> dict[str, str]:
    """Each entry under `paths:` with its text (there is no YAML parser installed)."""
    section = text.split("\npaths:\n", 1)[1].split("\ncomponents:\n", 1)[0]
    parts = re.split(r"^  (/[^:\s]*):\n", section, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_openapi_describes_every_path_status_and_code() -> None:
    text = OPENAPI.read_text(encoding="utf-8")
    assert text.startswith("openapi: 3.1")
    assert "\t" not in text
    blocks = _path_blocks(text)
    assert set(blocks) == set(IMPLEMENTED)
    for path, statuses in IMPLEMENTED.items():
        for status in statuses:
            assert f"'{status}':" in blocks[path], (path, status)
    codes = re.findall(r'^[A-Z_]+ = "([a-z_]+)"$', _errors_module(), re.MULTILINE)
    assert len(codes) >= 15
    for code in codes:
        assert f"- {code}\n" in text, code
    assert "bearerAuth" in text and "scheme: bearer" in text


def _errors_module() -> str:
    return (Path(__file__).resolve().parents[2] / "intake" / "api_errors.py").read_text()
