"""`python -m sandbox`: the scripted survey against the emulator, its chat printed.

`python -m sandbox --or-bot` is what `make run` calls: the real bot (`python -m bot`) when
BOT_TOKEN is configured, the sandbox when it is not. The sandbox uses the app; the app
never knows the sandbox.
"""

from __future__ import annotations

import sys

from bot.__main__ import main as run_the_bot
from bot.process.lazy_aiogram_types import defer_aiogram_type_builds
from core.settings import ConfigError, load_settings

OR_BOT = "--or-bot"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], [OR_BOT]):
        print(f"Usage: python -m sandbox [{OR_BOT}]", file=sys.stderr)
        raise SystemExit(2)
    if args == [OR_BOT]:
        try:
            configured = load_settings().has_token
        except ConfigError:
            configured = True  # a malformed .env is the bot's to explain, not skipped
        if configured:
            run_the_bot([])
            return
        print("BOT_TOKEN is not set: running the local sandbox (emulated Telegram).")
    defer_aiogram_type_builds()
    from sandbox.demo import main as run_demo  # imports aiogram: after the line above

    run_demo()


if __name__ == "__main__":
    main()
