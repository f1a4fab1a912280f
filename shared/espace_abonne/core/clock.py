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


# -- Paris time -----------------------------------------------------------------------------------
# The Régie's day (a return feed's file, PayFiP's transaction times) is Paris time. France follows
# the EU rule since 1996: UTC+2 from the last Sunday of March 01:00 UTC to the last Sunday of
# October 01:00 UTC, UTC+1 otherwise. Computed here rather than with zoneinfo: Lambda's image is
# not guaranteed to carry a time zone database, and this rule is all the portal needs.


def _last_sunday(year: int, month: int) -> dt.date:
    last = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


def paris_offset(moment_utc: dt.datetime) -> dt.timedelta:
    """Paris's offset from UTC at that moment."""
    year = moment_utc.year
    summer_starts = dt.datetime.combine(_last_sunday(year, 3), dt.time(1), dt.UTC)
    summer_ends = dt.datetime.combine(_last_sunday(year, 10), dt.time(1), dt.UTC)
    return dt.timedelta(hours=2 if summer_starts <= moment_utc < summer_ends else 1)


def paris_datetime(epoch: int) -> dt.datetime:
    """Seconds since the epoch as Paris's local date and time (with its offset)."""
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    offset = paris_offset(moment)
    return moment.astimezone(dt.timezone(offset))


def paris_epoch(local: dt.datetime) -> int:
    """A naive Paris local date and time as seconds since the epoch (the earlier of an ambiguous hour)."""
    for hours in (2, 1):
        candidate = local.replace(tzinfo=dt.timezone(dt.timedelta(hours=hours)))
        if paris_offset(candidate.astimezone(dt.UTC)) == dt.timedelta(hours=hours):
            return int(candidate.timestamp())
    return int(local.replace(tzinfo=dt.timezone(dt.timedelta(hours=1))).timestamp())  # the skipped spring hour
