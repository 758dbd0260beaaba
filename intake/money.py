"""Amounts as typed by people, and as integer minor units (kopecks, cents) in storage."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# ISO 4217 currencies without a minor unit; everything else has two decimals here.
ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG"})
MAX_MINOR = 10**15  # far below SQLite's 2**63, far above any real receipt

_AMOUNT = re.compile(r"^\d+(?:[.,]\d+)?$")


class AmountError(ValueError):
    """The text is not a positive amount of money in this currency."""


def minor_digits(currency: str) -> int:
    return 0 if currency.upper() in ZERO_DECIMAL else 2


def parse_amount(text: str, currency: str) -> int:
    """`1500`, `1500.50` or `1500,5` → minor units; no zero, negatives or part-kopecks."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not _AMOUNT.match(cleaned):
        raise AmountError(text)
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation as error:
        raise AmountError(text) from error
    scaled = value.scaleb(minor_digits(currency))
    if scaled != scaled.to_integral_value() or scaled <= 0 or scaled >= MAX_MINOR:
        raise AmountError(text)
    return int(scaled)
