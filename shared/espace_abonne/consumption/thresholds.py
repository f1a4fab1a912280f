"""Personal consumption thresholds (PRODUCT.md §8): litres a day and m³ a month, per contract, for
télérelève meters; one email per day or month exceeded.

The watch runs once a day (ConsumptionAlertsFunction, after the night's import): for each
threshold it reads the contract's last three months of daily index (one Query) and emails the
account for each day (of the last week) and each month over its threshold — once per day or month
and account (core/once.py), never for a day before the threshold was set (but the day before it,
which the meter reports the next night).
"""

import datetime as dt
from dataclasses import dataclass

from espace_abonne.accounts.store import AccountStore
from espace_abonne.consumption.daily import Granularity, day_volumes, periods
from espace_abonne.consumption.emails import daily_threshold_email, monthly_threshold_email
from espace_abonne.consumption.series import NoDailyData
from espace_abonne.consumption.thresholds_store import ThresholdStore
from espace_abonne.contracts.billing_store import BillingStore, Threshold
from espace_abonne.contracts.links_store import LinkStore
from espace_abonne.contracts.reading import ContractReader
from espace_abonne.core import links
from espace_abonne.core.clock import Clock, paris_datetime
from espace_abonne.core.errors import DomainError
from espace_abonne.core.mail import EmailMessage, Mailer
from espace_abonne.core.once import OnceLog

DAYS_LOOKED_BACK = 7  # a day over its threshold is told within a week of the meter reporting it


class NoThreshold(DomainError):
    def __init__(self) -> None:
        super().__init__(404, "no_threshold", "Aucun seuil n'est défini pour ce contrat.")


class ThresholdSettings:
    def __init__(self, contracts: ContractReader, store: ThresholdStore, clock: Clock) -> None:
        self._contracts = contracts
        self._store = store
        self._clock = clock

    def set(self, account_id: str, number: str, daily_limit_l: int | None, monthly_limit_m3: int | None) -> Threshold:
        contract = self._contracts.contract_file(account_id, number)  # linked, and still the payer's
        if not contract.details.remote_reading:
            raise NoDailyData()
        threshold = Threshold(account_id, number, daily_limit_l, monthly_limit_m3, self._clock.now())
        self._store.put(threshold)
        return threshold

    def remove(self, account_id: str, number: str) -> None:
        self._contracts.link(account_id, number)
        if not self._store.delete(account_id, number):
            raise NoThreshold()


@dataclass
class WatchReport:
    thresholds: int = 0
    emails: int = 0
    removed: int = 0  # thresholds whose link had ended


class ThresholdWatch:
    def __init__(
        self,
        store: ThresholdStore,
        billing: BillingStore,
        links_store: LinkStore,
        accounts: AccountStore,
        once: OnceLog,
        mailer: Mailer,
        clock: Clock,
        frontend_url: str,
    ) -> None:
        self._store = store
        self._billing = billing
        self._links = links_store
        self._accounts = accounts
        self._once = once
        self._mailer = mailer
        self._clock = clock
        self._frontend_url = frontend_url

    def run(self) -> WatchReport:
        report = WatchReport()
        today = paris_datetime(self._clock.now()).date()
        for threshold in self._store.all():
            report.thresholds += 1
            details = self._billing.details(threshold.contract_number)
            link = self._links.get(threshold.account_id, threshold.contract_number)
            if details is None or link is None or link.payer_id != details.payer_id:
                self._store.delete(threshold.account_id, threshold.contract_number)  # the link has ended
                report.removed += 1
                continue
            email = self._accounts.email_of(threshold.account_id)
            if email is None:
                continue
            report.emails += self._check(threshold, email, details.service_address, today)
        return report

    def _check(self, threshold: Threshold, email: str, service_address: str, today: dt.date) -> int:
        number = threshold.contract_number
        last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        # From the month before last: the index at its end gives last month's first day its volume.
        before = (last_month - dt.timedelta(days=1)).replace(day=1)
        days = [
            day
            for day in day_volumes(self._billing.daily_index(number, f"{before:%Y-%m}", f"{today:%Y-%m}"))
            if day.date >= last_month
        ]
        set_on = paris_datetime(threshold.set_at).date()
        # The meter's day reaches the portal the next night: the day before the threshold was set counts.
        first_day = max(today - dt.timedelta(days=DAYS_LOOKED_BACK), set_on - dt.timedelta(days=1))
        dashboard = links.page(self._frontend_url, links.DASHBOARD, contrat=number)
        sent = 0
        if threshold.daily_limit_l is not None:
            for day in days:
                if day.date >= first_day and day.volume_l > threshold.daily_limit_l:
                    message = daily_threshold_email(
                        email,
                        number,
                        service_address,
                        day.date.isoformat(),
                        day.volume_l,
                        threshold.daily_limit_l,
                        dashboard,
                    )
                    sent += self._send_once(f"threshold-day#{number}#{day.date}", threshold.account_id, message)
        if threshold.monthly_limit_m3 is not None:
            for month in periods(days, Granularity.MONTH):
                if month.first_day.replace(day=1) >= set_on.replace(day=1) and (
                    month.volume_l > threshold.monthly_limit_m3 * 1000
                ):
                    message = monthly_threshold_email(
                        email,
                        number,
                        service_address,
                        month.label,
                        month.volume_l,
                        threshold.monthly_limit_m3,
                        dashboard,
                    )
                    sent += self._send_once(f"threshold-month#{number}#{month.label}", threshold.account_id, message)
        return sent

    def _send_once(self, what: str, account_id: str, message: EmailMessage) -> int:
        return int(self._once.send(what, account_id, self._clock.now(), self._mailer, message))
