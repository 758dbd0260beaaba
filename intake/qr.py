"""Signed `/start` payloads for shop QR codes, and the QR image itself.

A QR code opens ``https://t.me/<bot>?start=<payload>``. Telegram allows at most 64 characters of
``[A-Za-z0-9_-]`` in the payload, so the layout is compact and every field is checked.

Layout (``_`` separates fields; store codes and order ids cannot contain it)::

    q_<store>_<sig>                      store only
    q_<store>_<order>_<sig>              store and order
    q_<store>_<order>_<amount>_<sig>     store, order and amount (minor units, decimal)

``<sig>`` is the first 8 bytes (64 bits) of HMAC-SHA256 over a canonical JSON encoding of
``(store, order_id, amount_minor)``, as 11 characters of unpadded base64url. Its alphabet includes
``_`` and ``-``, so it is always cut off by length from the end, never by splitting.

Longest payload: 2 (``q_``) + 16 (store) + 1 + 20 (order) + 1 + 12 (amount < 10**12) + 1 + 11
(sig) = 64 characters, so every valid target fits. A 9-byte signature (12 characters) would push
the largest targets to 65, which is why the signature is 8 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
from dataclasses import dataclass

import segno

PAYLOAD_PREFIX = "q"
MAX_PAYLOAD_LEN = 64  # Telegram's limit for a deep-link `start` parameter
MAX_AMOUNT_MINOR = 10**12 - 1

STORE_CODE: re.Pattern[str] = re.compile(r"[A-Za-z0-9]{1,16}", re.ASCII)
ORDER_ID: re.Pattern[str] = re.compile(r"[A-Za-z0-9-]{1,20}", re.ASCII)
_AMOUNT = re.compile(r"[1-9][0-9]{0,11}", re.ASCII)
_SIG = re.compile(r"[A-Za-z0-9_-]{11}", re.ASCII)

_SIG_BYTES = 8
_SIG_LEN = 11  # len(urlsafe_b64encode(8 bytes)) without the "=" padding
_SIG_DOMAIN = "feedback-bot/qr/v1"  # keeps these MACs apart from any other use of the secret


class QrPayloadError(ValueError):
    """The target cannot be turned into a valid payload (the message says why)."""


@dataclass(frozen=True, slots=True)
class QrTarget:
    """What a QR code points at: a store, optionally an order, optionally the order's amount."""

    store: str
    order_id: str | None = None
    amount_minor: int | None = None


def _check_target(target: QrTarget) -> None:
    if not isinstance(target.store, str) or not STORE_CODE.fullmatch(target.store):
        raise QrPayloadError(f"store code must be 1-16 chars of [A-Za-z0-9], got {target.store!r}")
    if target.order_id is not None and (
        not isinstance(target.order_id, str) or not ORDER_ID.fullmatch(target.order_id)
    ):
        raise QrPayloadError(
            f"order id must be 1-20 chars of [A-Za-z0-9-], got {target.order_id!r}"
        )
    amount = target.amount_minor
    if amount is None:
        return
    if target.order_id is None:
        raise QrPayloadError("an amount is only allowed together with an order id")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise QrPayloadError(f"amount must be an int, got {type(amount).__name__}")
    if not 0 < amount <= MAX_AMOUNT_MINOR:
        raise QrPayloadError(f"amount must be in 1..{MAX_AMOUNT_MINOR}, got {amount}")


def _sign(secret: bytes, target: QrTarget) -> str:
    # JSON of a fixed-shape list is unambiguous: strings are quoted, absent fields are `null`.
    message = json.dumps(
        [_SIG_DOMAIN, target.store, target.order_id, target.amount_minor],
        separators=(",", ":"),
    ).encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:_SIG_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_payload(secret: bytes, target: QrTarget) -> str:
    """Encode and sign `target`; raises QrPayloadError if a field is invalid or the secret empty."""
    if not secret:
        raise QrPayloadError("secret must not be empty")
    _check_target(target)
    fields = [PAYLOAD_PREFIX, target.store]
    if target.order_id is not None:
        fields.append(target.order_id)
    if target.amount_minor is not None:
        fields.append(str(target.amount_minor))
    fields.append(_sign(secret, target))
    payload = "_".join(fields)
    if len(payload) > MAX_PAYLOAD_LEN:  # unreachable for valid targets; kept as a guard
        raise QrPayloadError(f"payload is {len(payload)} chars, Telegram allows {MAX_PAYLOAD_LEN}")
    return payload


def read_payload(secret: bytes, payload: str) -> QrTarget | None:
    """The signed target, or None for anything malformed, forged or tampered with. Never raises."""
    if not secret or not isinstance(payload, str) or len(payload) > MAX_PAYLOAD_LEN:
        return None
    if len(payload) < _SIG_LEN + 1 or payload[-_SIG_LEN - 1] != "_":
        return None
    sig = payload[-_SIG_LEN:]
    parts = payload[: -_SIG_LEN - 1].split("_")
    if parts[0] != PAYLOAD_PREFIX or not 2 <= len(parts) <= 4:
        return None
    store = parts[1]
    order_id = parts[2] if len(parts) >= 3 else None
    amount_text = parts[3] if len(parts) == 4 else None
    if not STORE_CODE.fullmatch(store):
        return None
    if order_id is not None and not ORDER_ID.fullmatch(order_id):
        return None
    if amount_text is not None and not _AMOUNT.fullmatch(amount_text):
        return None
    if not _SIG.fullmatch(sig):
        return None
    amount = int(amount_text) if amount_text is not None else None
    target = QrTarget(store=store, order_id=order_id, amount_minor=amount)
    # Compare the encoded text, not decoded bytes: the last base64 char carries 2 spare bits, so
    # two different strings can decode to the same bytes and a tweaked link would still pass.
    if not hmac.compare_digest(sig.encode(), _sign(secret, target).encode()):
        return None
    return target


def qr_png(link: str, *, scale: int = 8) -> bytes:
    """PNG of a full-size QR code for `link` (error correction M, standard 4-module quiet zone).

    Micro QR is excluded because many phone camera apps cannot read it; the error level is not
    boosted so the symbol is predictable. Raises ValueError for an empty link or a scale below 1.
    """
    if not link:
        raise ValueError("link must not be empty")
    if scale < 1:
        raise ValueError(f"scale must be at least 1, got {scale}")
    code = segno.make_qr(link, error="m", boost_error=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
