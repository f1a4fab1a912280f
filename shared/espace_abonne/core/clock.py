"""Time, injected so that expiry rules are testable without waiting.

Services take a `Clock`; handlers pass `current_clock()`, which tests and local mode can
replace with `use_clock(...)`.
"""

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Seconds since the epoch."""
        ...


class SystemClock:
    def now(self) -> int:
        return int(time.time())


class _Current:
    clock: Clock = SystemClock()


def current_clock() -> Clock:
    return _Current.clock


@contextmanager
def use_clock[C: Clock](clock: C) -> Iterator[C]:
    previous, _Current.clock = _Current.clock, clock
    try:
        yield clock
    finally:
        _Current.clock = previous


def iso_time(epoch: int | None) -> str | None:
    """Seconds since the epoch as ISO 8601 UTC, for the API."""
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat()
