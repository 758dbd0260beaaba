"""The getUpdates queue: updates stay until the bot confirms them by moving `offset` past them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.errors import EmulatorError


def update_type(update: dict[str, Any]) -> str | None:
    return next((key for key in update if key != "update_id"), None)


class UpdateQueue:
    def __init__(self, first_update_id: int = 1) -> None:
        self._next_id = first_update_id
        self._pending: list[dict[str, Any]] = []  # unconfirmed, ascending update_id
        self._archive: dict[int, dict[str, Any]] = {}
        self._redeliveries: list[dict[str, Any]] = []
        self._redeliveries_in_flight = 0
        self._allowed: frozenset[str] | None = None
        self.confirmed = 0

    @property
    def pending_count(self) -> int:
        return len(self._pending) + len(self._redeliveries)

    @property
    def idle(self) -> bool:
        """Everything ever queued has been fetched and confirmed."""
        return not (self._pending or self._redeliveries or self._redeliveries_in_flight)

    def push(self, payload: dict[str, Any]) -> int:
        """Queue an update and return its id.

        Like Telegram, types excluded by the last allowed_updates are never queued.
        """
        update_id = self._next_id
        self._next_id += 1
        update = {**payload, "update_id": update_id}
        self._archive[update_id] = update
        if self._allowed is None or update_type(update) in self._allowed:
            self._pending.append(update)
        return update_id

    def redeliver(self, update_id: int) -> None:
        update = self._archive.get(update_id)
        if update is None:
            raise EmulatorError(f"no update with id {update_id} was ever queued")
        self._redeliveries.append(update)

    def set_allowed(self, allowed: Any) -> None:
        """An empty list means every type; the setting persists like Telegram's."""
        if isinstance(allowed, list):
            self._allowed = frozenset(str(kind) for kind in allowed) or None

    def acknowledge(self, offset: int | None) -> None:
        """Apply a getUpdates call's `offset`: drop what it confirms.

        Redelivered duplicates count as confirmed by whatever call follows their delivery.
        """
        self.confirmed += self._redeliveries_in_flight
        self._redeliveries_in_flight = 0
        if offset is None:
            return
        if offset < 0:
            kept = self._pending[offset:]
        else:
            kept = [update for update in self._pending if update["update_id"] >= offset]
        self.confirmed += len(self._pending) - len(kept)
        self._pending = kept

    def ready(self) -> bool:
        return bool(self._redeliveries or self._pending)

    def take(self, limit: int) -> list[dict[str, Any]]:
        """The next batch: duplicates first (so the bot's offset never moves backwards)."""
        batch = self._redeliveries[:limit]
        del self._redeliveries[: len(batch)]
        self._redeliveries_in_flight += len(batch)
        return batch + self._pending[: limit - len(batch)]

    def has_next(self, busy: Callable[[dict[str, Any]], bool]) -> bool:
        return any(not busy(update) for update in (*self._redeliveries, *self._pending))

    def take_next(self, busy: Callable[[dict[str, Any]], bool]) -> tuple[dict[str, Any], bool]:
        """For webhook delivery: the first update `busy` allows, and whether it is a repeat.

        A pending update stays queued until `confirm`; a redelivered one leaves the queue
        and comes back with `put_back` if the webhook did not take it.
        """
        for index, update in enumerate(self._redeliveries):
            if not busy(update):
                self._redeliveries_in_flight += 1
                return self._redeliveries.pop(index), True
        return next(update for update in self._pending if not busy(update)), False

    def confirm(self, update: dict[str, Any], redelivery: bool) -> None:
        """The webhook answered 2xx for `update` (taken with take_next)."""
        if redelivery:
            self._redeliveries_in_flight -= 1
            self.confirmed += 1
            return
        before = len(self._pending)
        self._pending = [u for u in self._pending if u["update_id"] != update["update_id"]]
        self.confirmed += before - len(self._pending)

    def put_back(self, update: dict[str, Any], redelivery: bool) -> None:
        """The webhook did not take `update`: it is the next to be sent again."""
        if redelivery:
            self._redeliveries_in_flight -= 1
            self._redeliveries.insert(0, update)

    def drop_pending(self) -> None:
        self._pending.clear()
        self._redeliveries.clear()
