"""The intake API's one error shape: `{"error": {"code", "message", "field"}}` with a status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ApiError:
    """A refusal the client can act on: HTTP status, stable code, English message, field."""

    status: int
    code: str
    message: str
    field: str | None = None

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


def unprocessable(code: str, message: str, field: str | None) -> ApiError:
    """A well-formed JSON request whose content we cannot accept (422)."""
    return ApiError(422, code, message, field)


# Codes, as documented in docs/openapi.yaml (`http_error`: any other HTTP-level refusal).
UNAUTHORIZED = "unauthorized"
INVALID_JSON = "invalid_json"
TOO_LARGE = "too_large"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
INTERNAL_ERROR = "internal_error"
HTTP_ERROR = "http_error"
MISSING_FIELD = "missing_field"
UNKNOWN_FIELD = "unknown_field"
INVALID_VALUE = "invalid_value"
INVALID_AMOUNT = "invalid_amount"
INVALID_PHONE = "invalid_phone"
MISSING_IDENTITY = "missing_identity"
MULTIPLE_IDENTITIES = "multiple_identities"
UNKNOWN_CUSTOMER = "unknown_customer"
ORDER_CONFLICT = "order_conflict"
TOO_MANY_ITEMS = "too_many_items"
