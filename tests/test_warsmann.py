"""The loi Warsmann's rule at its edges (CGCT art. R2224-20-1): « Une augmentation du volume d'eau
consommé est anormale si le volume d'eau consommé depuis le dernier relevé excède le double du
volume d'eau moyen consommé par l'abonné […] pendant une période équivalente au cours des trois
années précédentes »."""

import datetime as dt
from fractions import Fraction

from espace_abonne.contracts.warsmann import AbnormalIncrease, IndexReading, abnormal_increase


def half_yearly(start_year: int, volumes: list[int], estimated: frozenset[int] = frozenset()) -> list[IndexReading]:
    """Readings every 15 April and 15 October from start_year, each period consuming its volume."""
    readings = [IndexReading(dt.date(start_year, 4, 15), 1000, False)]
    index = 1000
    for n, volume in enumerate(volumes, start=1):
        index += volume
        year, month = start_year + n // 2, 10 if n % 2 else 4
        readings.append(IndexReading(dt.date(year, month, 15), index, n in estimated))
    return readings


# Three years of 40 m³ every half year, then the half year being read.
HISTORY = [40] * 6


def test_more_than_twice_the_average_of_the_three_equivalent_periods_is_abnormal() -> None:
    readings = half_yearly(2023, [*HISTORY, 81])

    found = abnormal_increase(readings, readings[-1].date)

    assert found == AbnormalIncrease(dt.date(2026, 10, 15), dt.date(2026, 4, 15), 81, Fraction(40), 3)
    assert found.capped_at_m3 == 80  # what a plumber's attestation caps the bill at


def test_exactly_twice_the_average_is_not_abnormal() -> None:
    """« excède le double »: strictly more."""
    readings = half_yearly(2023, [*HISTORY, 80])

    assert abnormal_increase(readings, readings[-1].date) is None


def test_the_equivalent_periods_are_the_same_season_of_each_previous_year() -> None:
    # Winters (October → April) use 20 m³, summers 60 m³: a summer of 100 m³ is normal for a summer.
    readings = half_yearly(2023, [60, 20, 60, 20, 60, 20, 100])
    assert abnormal_increase(readings, readings[-1].date) is None
    # …while a winter of 50 m³ is more than twice the winters' 20 m³.
    winter = half_yearly(2023, [60, 20, 60, 20, 60, 20, 60, 50])
    assert abnormal_increase(winter, winter[-1].date) is not None


def test_with_less_than_three_years_the_average_is_over_the_years_there_are() -> None:
    readings = half_yearly(2024, [40, 40, 90])  # one year of history: one equivalent period

    found = abnormal_increase(readings, readings[-1].date)

    assert found is not None
    assert (found.years, found.average_m3) == (1, Fraction(40))


def test_without_a_whole_equivalent_period_before_there_is_no_reference_and_no_alert() -> None:
    readings = half_yearly(2025, [40, 500])  # a new subscriber: no equivalent period a year back

    assert abnormal_increase(readings, readings[-1].date) is None


def test_an_estimated_reading_measures_nothing() -> None:
    readings = half_yearly(2023, [*HISTORY, 200], estimated=frozenset({7}))

    assert abnormal_increase(readings, readings[-1].date) is None


def test_the_volume_runs_from_the_last_measured_reading_over_an_estimated_one() -> None:
    # The reading before the new one was estimated: the volume is counted from the one before it,
    # and compared with the same (whole year) span of the previous years.
    readings = half_yearly(2023, [*HISTORY, 40, 150], estimated=frozenset({7}))

    found = abnormal_increase(readings, readings[-1].date)

    assert found is not None
    assert (found.since, found.volume_m3, found.average_m3) == (dt.date(2026, 4, 15), 190, Fraction(80))


def test_equivalent_periods_are_read_pro_rata_between_readings() -> None:
    # A meter turning at 1 m³ a day, read every 15 April and 15 October; the period now read runs
    # 1 July → 1 January, days on which the meter was never read in the previous years.
    dates = [dt.date(year, month, 15) for year in (2023, 2024, 2025, 2026) for month in (4, 10)][:-1]
    readings = [IndexReading(day, (day - dates[0]).days, False) for day in dates]
    july = IndexReading(dt.date(2026, 7, 1), (dt.date(2026, 7, 1) - dates[0]).days, False)
    days_read = (dt.date(2027, 1, 1) - july.date).days  # 184, like each previous 1 July → 1 January

    normal = [*readings, july, IndexReading(dt.date(2027, 1, 1), july.index_m3 + 2 * days_read, False)]
    leak = [*readings, july, IndexReading(dt.date(2027, 1, 1), july.index_m3 + 2 * days_read + 1, False)]

    assert abnormal_increase(normal, dt.date(2027, 1, 1)) is None
    found = abnormal_increase(leak, dt.date(2027, 1, 1))
    assert found is not None
    assert (found.since, found.average_m3, found.years) == (july.date, Fraction(days_read), 3)
