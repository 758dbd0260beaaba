"""Exceptions: misuse of the emulator by a test vs. Bot API error replies."""

from __future__ import annotations

from typing import Any


class EmulatorError(Exception):
    """A test asked the emulator for something impossible (e.g. a button that is not there)."""


class ApiError(Exception):
    """A Bot API error reply, serialised exactly like Telegram's."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")
