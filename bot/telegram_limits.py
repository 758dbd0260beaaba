"""What Telegram accepts from a bot: a message's length, a file's size."""

from __future__ import annotations

MESSAGE_LENGTH = 4096
"""The longest text message, in characters after entities are parsed."""
UPLOAD_LIMIT = 50 * 1024 * 1024
"""The largest file the Bot API lets a bot send."""
