"""`python -m sandbox`: run the scripted survey against the emulator and print the chat."""

from __future__ import annotations

import asyncio

from sandbox.demo import run_demo


def main() -> None:
    asyncio.run(run_demo())


if __name__ == "__main__":
    main()
