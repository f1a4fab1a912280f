"""Paris time without a time zone database (core/clock.py), checked against one hour by hour."""

import datetime as dt
from zoneinfo import ZoneInfo

from espace_abonne.core.clock import paris_datetime, paris_epoch

PARIS = ZoneInfo("Europe/Paris")
START = int(dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp())


def test_paris_local_time_matches_the_time_zone_database_for_three_years() -> None:
    for hour in range(3 * 366 * 24):
        epoch = START + hour * 3600 + 17 * 60
        ours, reference = paris_datetime(epoch), dt.datetime.fromtimestamp(epoch, PARIS)
        assert (ours.replace(tzinfo=None), ours.utcoffset()) == (reference.replace(tzinfo=None), reference.utcoffset())


def test_a_paris_local_time_reads_back_as_the_same_moment() -> None:
    assert paris_epoch(dt.datetime(2026, 7, 14, 12, 30)) == int(
        dt.datetime(2026, 7, 14, 10, 30, tzinfo=dt.UTC).timestamp()
    )
    assert paris_epoch(dt.datetime(2026, 12, 25, 12, 30)) == int(
        dt.datetime(2026, 12, 25, 11, 30, tzinfo=dt.UTC).timestamp()
    )
    # 02:30 on the last Sunday of October happens twice: the earlier (summer time) is taken.
    assert paris_epoch(dt.datetime(2026, 10, 25, 2, 30)) == int(
        dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC).timestamp()
    )
