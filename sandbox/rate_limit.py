"""Sliding-window flood control, like Telegram's global message limit."""

from __future__ import annotations

import math
from collections import deque


class SlidingWindowLimiter:
    """Allow `per_second` events per second; None disables the limit.

    Rates below 1/s become one event per 1/rate seconds.
    """

    def __init__(self, per_second: float | None) -> None:
        self._events: deque[float] = deque()
        self.set_rate(per_second)

    def set_rate(self, per_second: float | None) -> None:
        if per_second is not None and per_second <= 0:
            raise ValueError("rate limit must be positive or None")
        self._rate = per_second
        self._events.clear()

    def acquire(self, now: float) -> int | None:
        """Record an event and return None, or return retry_after seconds (>= 1) if over."""
        if self._rate is None:
            return None
        window, capacity = (1.0, int(self._rate)) if self._rate >= 1 else (1 / self._rate, 1)
        while self._events and self._events[0] <= now - window:
            self._events.popleft()
        if len(self._events) >= capacity:
            return max(1, math.ceil(self._events[0] + window - now))
        self._events.append(now)
        return None
