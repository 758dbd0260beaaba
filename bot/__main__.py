"""`python -m bot` (or `feedback-bot`): run the bot with long polling."""

from __future__ import annotations

import asyncio
import logging
import sys

from bot.app import create_app
from bot.config import ConfigError, Settings, load_settings, require_token
from storage.migrations import SchemaTooNewError


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


async def run(settings: Settings) -> None:
    app = await create_app(settings)
    await app.run_polling()


def main() -> None:
    try:
        settings = load_settings()
        require_token(settings)
    except ConfigError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_level)
    try:
        asyncio.run(run(settings))
    except SchemaTooNewError as error:
        print(f"Database error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
