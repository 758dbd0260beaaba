"""Local Telegram Bot API emulator and customer driver for tests and demos."""

from sandbox.driver import EmulatedUser
from sandbox.emulator import BotAPIEmulator
from sandbox.errors import EmulatorError
from sandbox.observed import BotMessage, CallbackAnswer, RecordedRequest

__all__ = [
    "BotAPIEmulator",
    "BotMessage",
    "CallbackAnswer",
    "EmulatedUser",
    "EmulatorError",
    "RecordedRequest",
]
