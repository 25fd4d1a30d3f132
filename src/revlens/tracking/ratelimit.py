"""Per-key rate limits: a token bucket per source, in the serving process.

A source may send `rate` events per second on average and `burst` at once: the bucket holds up
to `burst` tokens, refills at `rate` per second, and a request of n events takes n tokens. A
request finding fewer than min(n, burst) tokens is refused (429) with the whole seconds until
they are there (Retry-After). A request larger than the burst passes on a full bucket and
leaves it in debt, so the average rate holds whatever the batch size.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    stamp: float


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: int, events: int, rate: int, burst: int) -> int:
        """0 when `events` may pass now (their tokens are taken), else the seconds to wait."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or (bucket.rate, bucket.burst) != (rate, burst):
                bucket = self._buckets[key] = _Bucket(rate, burst, float(burst), now)
            bucket.tokens = min(bucket.burst, bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
            needed = min(events, burst)
            if bucket.tokens >= needed:
                bucket.tokens -= events
                return 0
            return max(1, math.ceil((needed - bucket.tokens) / rate))
