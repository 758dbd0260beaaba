"""Independent steps run at once, finished all together."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable


async def together(*steps: Awaitable[object]) -> None:
    """Run `steps` at once; once every one has finished, raise the first failure, if any.

    Unlike a bare `asyncio.gather`, a failing step never leaves the others running on
    behind the caller's back: the update is handled only when all of them are done.
    """
    outcomes = await asyncio.gather(*steps, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
