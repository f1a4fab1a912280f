"""Daily consumption of a remote-read (télérelève) meter, from the index it reports each day.

The index of a day is the meter's index at the end of that day, in litres; a day's volume is its
index minus the day before's. A meter that did not report for some days (radio out of reach) has
its index on those days interpolated between the reports around them, rounded down to the litre,
and the days are marked estimated: every litre the meter counted is in exactly one day, so days
add up to months, months to years, and all of them to the difference of the two end indexes.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from espace_abonne.contracts.billing_store import DailyIndex


class Granularity(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class DayVolume:
    date: dt.date
    index_l: int  # at the end of the day
    volume_l: int
    estimated: bool  # the meter did not report that day


@dataclass(frozen=True)
class Period:
    """A day, a month or a year of consumption (within the days asked for)."""

    label: str  # 2026-11-03, 2026-11 or 2026
    first_day: dt.date
    last_day: dt.date
    volume_l: int
    days: int  # days with a volume in the period
    estimated_days: int


def day_volumes(indexes: "Sequence[DailyIndex]") -> list[DayVolume]:
    """Each day's volume after the first report (indexes: oldest first, at most one a day)."""
    days: list[DayVolume] = []
    for before, after in pairwise(indexes):
        span = (after.date - before.date).days
        previous = before.index_l
        for n in range(1, span + 1):
            index = before.index_l + (after.index_l - before.index_l) * n // span
            day = before.date + dt.timedelta(days=n)
            days.append(DayVolume(day, index, index - previous, estimated=n < span))
            previous = index
    return days


def _label(day: dt.date, granularity: Granularity) -> str:
    if granularity is Granularity.DAY:
        return day.isoformat()
    if granularity is Granularity.MONTH:
        return f"{day:%Y-%m}"
    return f"{day:%Y}"


def periods(days: Iterable[DayVolume], granularity: Granularity) -> list[Period]:
    """The days grouped by day, calendar month or calendar year (days: oldest first)."""
    grouped: list[Period] = []
    for day in days:
        label = _label(day.date, granularity)
        estimated = int(day.estimated)
        if grouped and grouped[-1].label == label:
            last = grouped[-1]
            grouped[-1] = Period(
                label,
                last.first_day,
                day.date,
                last.volume_l + day.volume_l,
                last.days + 1,
                last.estimated_days + estimated,
            )
        else:
            grouped.append(Period(label, day.date, day.date, day.volume_l, 1, estimated))
    return grouped


def month_volume_l(days: Iterable[DayVolume], month: str) -> int:
    """The volume of a calendar month (YYYY-MM) from the days known."""
    return sum(day.volume_l for day in days if f"{day.date:%Y-%m}" == month)
