"""Faults the emulator plays on purpose, so tests can show the bot survives Telegram's bad days.

A test queues faults for a method (`emulator.inject("sendMessage", Fault.server_error(), 3)`);
each of the next calls of that method gets the next fault instead of its normal answer:
a 5xx, a 429 with `retry_after`, a connection dropped before anything was done, a request
left hanging with nothing done (Telegram overloaded: the bot's own timeout ends it), or an
answer held back for a while (done, but late). Calls beyond the queue are served normally.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from enum import Enum


class FaultKind(Enum):
    SERVER_ERROR = "server_error"  # 5xx, nothing done
    RETRY_AFTER = "retry_after"  # 429 with parameters.retry_after, nothing done
    DROP = "drop"  # the connection closes with no answer, nothing done
    HANG = "hang"  # no answer for `seconds`, nothing done, then the connection closes
    SLOW = "slow"  # done, answered after `seconds`


@dataclass(frozen=True, slots=True)
class Fault:
    kind: FaultKind
    status: int = 0
    seconds: float = 0.0

    @classmethod
    def server_error(cls, status: int = 502) -> Fault:
        return cls(FaultKind.SERVER_ERROR, status=status)

    @classmethod
    def retry_after(cls, seconds: int) -> Fault:
        return cls(FaultKind.RETRY_AFTER, status=429, seconds=seconds)

    @classmethod
    def drop(cls) -> Fault:
        return cls(FaultKind.DROP)

    @classmethod
    def hang(cls, seconds: float) -> Fault:
        return cls(FaultKind.HANG, seconds=seconds)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls(FaultKind.SLOW, seconds=seconds)


class FaultPlan:
    def __init__(self) -> None:
        self._queued: dict[str, deque[Fault]] = defaultdict(deque)
        self.played: list[tuple[str, FaultKind]] = []

    def inject(self, method: str, fault: Fault, times: int = 1) -> None:
        self._queued[method.lower()].extend([fault] * times)

    def next_for(self, method: str) -> Fault | None:
        queue = self._queued.get(method.lower())
        if not queue:
            return None
        fault = queue.popleft()
        self.played.append((method, fault.kind))
        return fault

    @property
    def pending(self) -> int:
        return sum(len(queue) for queue in self._queued.values())
