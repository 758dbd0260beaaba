"""getUpdates: confirmation by offset, long polling, and Telegram's 409 conflicts."""

from __future__ import annotations

from typing import Any

from sandbox.errors import ApiError
from sandbox.state import EmulatorState

MAX_LIMIT = 100


async def get_updates(state: EmulatorState, params: dict[str, Any]) -> list[dict[str, Any]]:
    if state.webhook.active:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    state.poll_generation += 1
    generation = state.poll_generation
    offset = params.get("offset")
    state.updates.acknowledge(offset if isinstance(offset, int) else None)
    state.updates.set_allowed(params.get("allowed_updates"))
    state.changed()  # wakes an older long poll, which must now give up
    limit = _int_param(params, "limit", MAX_LIMIT)
    limit = min(max(limit, 1), MAX_LIMIT)
    timeout = max(_int_param(params, "timeout", 0), 0)

    def should_return() -> bool:
        superseded = generation != state.poll_generation
        return state.updates.ready() or state.closing or superseded

    if timeout and not should_return():
        state.waiting_polls += 1
        state.changed()
        try:
            await state.notifier.wait_for(should_return, timeout)
        except TimeoutError:
            return []
        finally:
            state.waiting_polls -= 1
    if generation != state.poll_generation:
        raise ApiError(
            409,
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        )
    if state.closing:
        return []
    return state.updates.take(limit)


def _int_param(params: dict[str, Any], name: str, default: int) -> int:
    value = params.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


METHODS = {"getUpdates": get_updates}
