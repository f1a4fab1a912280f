"""Autorelève (PRODUCT.md §8): a subscriber sends the meter's index (date, m³) of a meter read by an
agent. It is checked — not in the future, after the last reading, not below its index, plausible
against the usual consumption — then kept as « transmis, en attente de validation » and put in the
return feed, in one transaction; the billing system validates it and its next export brings it.

Plausible: the volume since the last reading is at most three times the usual volume for as many
days (the average of the last year's measured readings) plus 5 m³. Above it — typically a digit
too many — the subscriber is asked to check and confirm (`confirmed`), and the record says so.
"""

import datetime as dt
from dataclasses import dataclass

from espace_abonne.contracts.billing_store import BillingStore, ContractFile, SentReading
from espace_abonne.contracts.reading import ContractReader
from espace_abonne.core.clock import Clock, paris_datetime
from espace_abonne.core.dynamo import transact
from espace_abonne.core.errors import DomainError, FieldError, InvalidInput
from espace_abonne.core.return_feed import ReturnFeed
from espace_abonne.invoices.emails import french_date

PLAUSIBLE_FACTOR = 3
PLAUSIBLE_MARGIN_M3 = 5
USUAL_OVER_DAYS = 365


class RemoteReadMeter(DomainError):
    def __init__(self) -> None:
        super().__init__(
            409, "remote_read_meter", "Ce compteur est télérelevé\u00a0: son index nous parvient chaque jour."
        )


class ContractNotActive(DomainError):
    def __init__(self) -> None:
        super().__init__(409, "contract_not_active", "Ce contrat est résilié\u00a0: il n'attend plus de relevé.")


class ReadingAlreadySent(DomainError):
    def __init__(self) -> None:
        super().__init__(409, "reading_already_sent", "Un index a déjà été transmis pour ce jour.")


class ConfirmationRequired(DomainError):
    def __init__(self, volume_m3: int, days: int, usual_m3: int) -> None:
        super().__init__(
            409,
            "confirmation_required",
            f"Cet index correspond à {_grouped(volume_m3)}\u00a0m³ consommés en {days}\u00a0jours, bien plus "
            f"que d'habitude (environ {_grouped(usual_m3)}\u00a0m³). Vérifiez-le (un chiffre en trop\u00a0?) puis "
            "confirmez-le s'il est exact.",
        )


def _grouped(number: int) -> str:
    """18333 -> "18 333" (a narrow no-break space between thousands)."""
    return f"{number:,}".replace(",", "\u202f")


@dataclass(frozen=True)
class LastIndex:
    date: dt.date
    index_m3: int


def last_index(contract: ContractFile) -> LastIndex | None:
    """The latest index known: the export's measured readings and what the subscriber sent."""
    known = [LastIndex(dt.date.fromisoformat(r.date), r.index_m3) for r in contract.readings if not r.estimated]
    known += [LastIndex(dt.date.fromisoformat(r.date), r.index_m3) for r in contract.pending_readings]
    return max(known, key=lambda k: k.date, default=None)


def usual_m3_per_day(contract: ContractFile, until: dt.date) -> float | None:
    """The average daily volume of the measured readings over the last year before `until`."""
    measured = [r for r in contract.readings if not r.estimated]
    if len(measured) < 2:
        return None
    since = until - dt.timedelta(days=USUAL_OVER_DAYS)
    start = next((r for r in reversed(measured) if dt.date.fromisoformat(r.date) <= since), measured[0])
    end = measured[-1]
    days = (dt.date.fromisoformat(end.date) - dt.date.fromisoformat(start.date)).days
    return (end.index_m3 - start.index_m3) / days if days > 0 else None


class MeterReadingSender:
    def __init__(self, contracts: ContractReader, billing: BillingStore, feed: ReturnFeed, clock: Clock) -> None:
        self._contracts = contracts
        self._billing = billing
        self._feed = feed
        self._clock = clock

    def send(self, account_id: str, number: str, date: dt.date, index_m3: int, confirmed: bool) -> SentReading:
        contract = self._contracts.contract_file(account_id, number, consistent=True)
        if contract.details.remote_reading:
            raise RemoteReadMeter()
        if contract.details.status != "actif":
            raise ContractNotActive()
        now = self._clock.now()
        self._check(contract, date, index_m3, paris_datetime(now).date(), confirmed)
        reading = SentReading(date=date.isoformat(), index_m3=index_m3, sent_at=now)
        record = {
            "contract_number": number,
            "payer_id": contract.details.payer_id,
            "meter_number": contract.details.meter_number,
            "date": reading.date,
            "index_m3": index_m3,
            "confirmed_after_warning": confirmed,
        }
        if not transact(
            [
                self._billing.sent_reading_entry(number, reading),
                self._feed.entry("meter_reading", record, now, event_id=f"{number}#{reading.date}"),
            ]
        ):
            raise ReadingAlreadySent()
        return reading

    @staticmethod
    def _check(contract: ContractFile, date: dt.date, index_m3: int, today: dt.date, confirmed: bool) -> None:
        if date > today:
            raise InvalidInput([FieldError("date", "in_the_future", "La date du relevé ne peut pas être future.")])
        if date < dt.date.fromisoformat(contract.details.start_date):
            raise InvalidInput(
                [FieldError("date", "before_contract", "La date du relevé précède le début du contrat.")]
            )
        last = last_index(contract)
        if last is None:
            return
        if date <= last.date:
            raise InvalidInput(
                [
                    FieldError(
                        "date",
                        "not_after_last_reading",
                        f"Un relevé du {french_date(last.date.isoformat())} est déjà connu\u00a0: la date doit "
                        "être postérieure.",
                    )
                ]
            )
        if index_m3 < last.index_m3:
            raise InvalidInput(
                [
                    FieldError(
                        "index_m3",
                        "below_last_index",
                        f"L'index ne peut pas être inférieur au dernier index connu ({last.index_m3}\u00a0m³ le "
                        f"{french_date(last.date.isoformat())}).",
                    )
                ]
            )
        usual = usual_m3_per_day(contract, date)
        days = (date - last.date).days
        volume = index_m3 - last.index_m3
        if usual is not None and not confirmed:
            expected = usual * days
            if volume > PLAUSIBLE_FACTOR * expected + PLAUSIBLE_MARGIN_M3:
                raise ConfirmationRequired(volume, days, round(expected))
