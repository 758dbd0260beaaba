"""The Telegram bot: handlers, services and the app that wires them.

Importing the package imports aiogram with its Telegram types built on first use (see
`bot.lazy_models`): it is what keeps start-up and resident memory within [proof]'s targets.
"""

from bot.lazy_models import import_aiogram

import_aiogram()
