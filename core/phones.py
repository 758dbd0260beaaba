"""Phone numbers as customers and tills write them, normalised to E.164 for matching."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "RU"  # a number written 8 900 … or 900 … is read as Russian


def normalize_phone(text: str, default_region: str = DEFAULT_REGION) -> str | None:
    """`8 (900) 123-45-67` or `+7 900 1234567` → `+79001234567`; None if not a valid number."""
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
