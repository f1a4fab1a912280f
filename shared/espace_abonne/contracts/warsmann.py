"""The loi Warsmann's test of an abnormal increase (CGCT art. L2224-12-4 III bis and R2224-20-1).

« Une augmentation du volume d'eau consommé est anormale si le volume d'eau consommé depuis le
dernier relevé excède le double du volume d'eau moyen consommé par l'abonné […] pendant une
période équivalente au cours des trois années précédentes » (R2224-20-1). The service must then
tell the subscriber « sans délai »; within one month, a plumber's attestation of a repaired leak
caps the bill at twice the average, or the subscriber may ask for the meter to be checked.

How this module reads it:
- the volume is the one between the new reading and the last measured reading before it
  (estimated readings are not measurements: neither the new reading nor a bound may be one);
- the « période équivalente » of each of the three previous years is the same calendar span
  moved back one, two or three years; its volume is read from the measured readings around it,
  pro rata of days (linear between two readings) — the meter's readings rarely fall on those days;
- a year counts only if the measured history covers its whole equivalent period; the average is
  over the years that count (one or two when the subscriber is recent); with none, there is no
  reference of the subscriber's own, and nothing is detected (the zone average the law allows
  as a fallback is not in the billing export);
- « excède le double »: strictly more than twice the average; exactly twice is not abnormal.
"""

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

YEARS_OF_REFERENCE = 3
# « dans le délai d'un mois à compter de l'information »; also how recent a reading must be to be
# tested at import (an older one is history, not news).
REPLY_WITHIN_DAYS = 31


@dataclass(frozen=True)
class IndexReading:
    date: dt.date
    index_m3: int
    estimated: bool


@dataclass(frozen=True)
class AbnormalIncrease:
    reading_date: dt.date
    since: dt.date  # the last measured reading before it
    volume_m3: int
    average_m3: Fraction  # the average volume of the equivalent periods
    years: int  # how many previous years gave an equivalent period

    @property
    def ratio(self) -> Fraction:
        return Fraction(self.volume_m3) / self.average_m3

    @property
    def capped_at_m3(self) -> Fraction:
        """What the bill is capped at if a plumber attests a repaired leak: twice the average."""
        return 2 * self.average_m3


def one_month_after(day: dt.date) -> dt.date:
    """The same day a month later (the month's last day when it has no such day): 31 January → 28
    or 29 February."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    while True:
        try:
            return dt.date(year, month, day.day)
        except ValueError:
            day = day.replace(day=day.day - 1)


def _years_back(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _index_at(measured: Sequence[IndexReading], day: dt.date) -> Fraction | None:
    """The meter's index on a day, linear between the measured readings around it."""
    after = bisect.bisect_left(measured, day, key=lambda reading: reading.date)
    if after == len(measured):
        return None
    if measured[after].date == day:
        return Fraction(measured[after].index_m3)
    if after == 0:
        return None
    before = measured[after - 1]
    span = (measured[after].date - before.date).days
    done = (day - before.date).days
    return before.index_m3 + Fraction((measured[after].index_m3 - before.index_m3) * done, span)


def abnormal_increase(readings: Sequence[IndexReading], reading_date: dt.date) -> AbnormalIncrease | None:
    """The abnormal increase the reading of that day shows, or None (readings: oldest first)."""
    measured = [r for r in readings if not r.estimated]
    new = next((r for r in measured if r.date == reading_date), None)
    if new is None:
        return None  # an estimated (or unknown) reading measures nothing
    earlier = [r for r in measured if r.date < reading_date]
    if not earlier:
        return None
    since = earlier[-1]
    volume = new.index_m3 - since.index_m3
    volumes = []
    for years in range(1, YEARS_OF_REFERENCE + 1):
        start = _index_at(measured, _years_back(since.date, years))
        end = _index_at(measured, _years_back(new.date, years))
        if start is not None and end is not None:
            volumes.append(end - start)
    if not volumes:
        return None
    average = sum(volumes, Fraction(0)) / len(volumes)
    if average <= 0 or volume <= 2 * average:
        return None
    return AbnormalIncrease(new.date, since.date, volume, average, len(volumes))
