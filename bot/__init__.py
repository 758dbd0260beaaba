"""The Telegram bot: handlers, services and the app that wires them.

Importing the package imports aiogram with its Telegram types built on first use (see
`bot.process.lazy_aiogram_types`): it keeps start-up and resident memory within [proof]'s
targets.
Then each aiogram object is given its bot in one call instead of a chain (`bot.bot_context`).
"""

from bot.process.lazy_aiogram_types import import_aiogram

import_aiogram()

from bot.bot_context import flatten_bot_context  # noqa: E402  (imports aiogram: after the above)

flatten_bot_context()
