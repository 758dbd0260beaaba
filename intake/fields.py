"""What every intake path (command, API, CSV, QR) calls the fields of a purchase."""

from __future__ import annotations

import re

ORDER_ID = "order_id"
AMOUNT = "amount"
CURRENCY = "currency"
PURCHASED_AT = "purchased_at"
STORE = "store"
TELEGRAM_USER_ID = "telegram_user_id"
PHONE = "phone"
CUSTOMER_ID = "customer_id"
IDENTITY_FIELDS = (TELEGRAM_USER_ID, PHONE, CUSTOMER_ID)
"""A purchase names its customer by exactly one of these."""

ORDER_ID_PATTERN = re.compile(r"[A-Za-z0-9_\-./#]{1,64}")
CURRENCY_PATTERN = re.compile(r"[A-Za-z]{3}")
