"""Files the bot sends: Telegram's size limit and how sizes are shown."""

from __future__ import annotations

UPLOAD_LIMIT = 50 * 1024 * 1024
"""The largest file the Bot API lets a bot send."""


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
