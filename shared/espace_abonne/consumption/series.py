"""Consumption series of a linked télérelève contract: by day, month or year (PRODUCT.md §8)."""

import datetime as dt
from dataclasses import dataclass

from espace_abonne.consumption.daily import Granularity, Period, day_volumes, periods
from espace_abonne.contracts.billing_store import Threshold
from espace_abonne.contracts.reading import ContractReader
from espace_abonne.core.errors import DomainError

# A JSON series by day covers a year at most (a chart); the CSV file may hold every day.
MAX_DAYS = {"json": 366, "csv": 4000}


class NoDailyData(DomainError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "no_daily_data",
            "Ce compteur n'est pas télérelevé\u00a0: sa consommation se lit dans l'historique des relevés.",
        )


class InvalidPeriod(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__(400, "invalid_period", message)


@dataclass(frozen=True)
class Series:
    contract_number: str
    granularity: Granularity
    first_day: dt.date
    last_day: dt.date
    periods: list[Period]
    data_first_day: dt.date | None  # the days the meter's data covers
    data_last_day: dt.date | None
    data_as_of: str
    threshold: Threshold | None  # the caller's

    @property
    def total_l(self) -> int:
        return sum(period.volume_l for period in self.periods)


def default_first_day(granularity: Granularity, last: dt.date, data_first: dt.date) -> dt.date:
    """30 days, the 12 calendar months, or every year up to `last`."""
    if granularity is Granularity.DAY:
        first = last - dt.timedelta(days=29)
    elif granularity is Granularity.MONTH:
        year, month = divmod(last.year * 12 + last.month - 1 - 11, 12)
        first = dt.date(year, month + 1, 1)
    else:
        first = data_first
    return max(first, data_first)


class ConsumptionSeries:
    def __init__(self, contracts: ContractReader) -> None:
        self._contracts = contracts

    def series(
        self,
        account_id: str,
        number: str,
        granularity: Granularity,
        first_day: dt.date | None,
        last_day: dt.date | None,
        purpose: str = "json",
    ) -> Series:
        """The caller's contract's consumption over [first_day, last_day] (defaults: the last 30 days,
        12 months, or all years of data), from one read of the contract's partition."""
        contract = self._contracts.contract_file(account_id, number)
        if not contract.details.remote_reading:
            raise NoDailyData()
        days = day_volumes(contract.daily)
        data_first = days[0].date if days else None
        data_last = days[-1].date if days else None
        last = last_day or data_last or dt.date.fromisoformat(contract.details.data_as_of)
        first = first_day or default_first_day(granularity, last, data_first or last)
        if first > last:
            raise InvalidPeriod("La date de début doit précéder la date de fin.")
        if granularity is Granularity.DAY and (last - first).days + 1 > MAX_DAYS[purpose]:
            raise InvalidPeriod(f"Une série par jour couvre {MAX_DAYS[purpose]}\u00a0jours au plus.")
        chosen = [day for day in days if first <= day.date <= last]
        return Series(
            contract_number=contract.details.number,
            granularity=granularity,
            first_day=first,
            last_day=last,
            periods=periods(chosen, granularity),
            data_first_day=data_first,
            data_last_day=data_last,
            data_as_of=contract.details.data_as_of,
            threshold=contract.threshold_of(account_id),
        )
