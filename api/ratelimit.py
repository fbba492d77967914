"""Token buckets: each portal token may make ``rate`` requests per second, ``burst`` at once.

Buckets live in the worker's memory, so with ``--workers N`` a token gets up to N times
the rate; the limit protects the service from one busy portal, it is not an accounting
tool. The number of buckets is bounded by the number of tokens (only authenticated
portal tokens get one).

>>> clock = iter([0.0, 0.0, 0.0, 0.5]).__next__
>>> limiter = RateLimiter(rate=2.0, burst=2, clock=clock)
>>> limiter.acquire("t"), limiter.acquire("t"), limiter.acquire("t"), limiter.acquire("t")
(0.0, 0.0, 0.5, 0.0)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """One token bucket per key; :meth:`acquire` returns 0 or the seconds to wait."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take one request from ``key``'s bucket: 0.0 if allowed, else seconds to wait."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
