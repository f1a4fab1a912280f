"""Builds the consumption domain's services from the settings (imports lazily: cold start is import time)."""

from typing import TYPE_CHECKING

from espace_abonne.core.clock import current_clock
from espace_abonne.core.settings import get_settings

if TYPE_CHECKING:
    from espace_abonne.consumption.leaks import LeakAlertNotices, LeakAttestations
    from espace_abonne.consumption.meter_readings import MeterReadingSender
    from espace_abonne.consumption.series import ConsumptionSeries
    from espace_abonne.consumption.thresholds import ThresholdSettings, ThresholdWatch
    from espace_abonne.contracts.billing_store import BillingStore
    from espace_abonne.core.mail import Mailer


def _billing() -> "BillingStore":
    from espace_abonne.contracts.billing_store import BillingStore

    return BillingStore(get_settings().require("billing_table"))


def consumption_series() -> "ConsumptionSeries":
    from espace_abonne.consumption.series import ConsumptionSeries
    from espace_abonne.contracts.wiring import contract_reader

    return ConsumptionSeries(contract_reader())


def threshold_settings() -> "ThresholdSettings":
    from espace_abonne.consumption.thresholds import ThresholdSettings
    from espace_abonne.consumption.thresholds_store import ThresholdStore
    from espace_abonne.contracts.wiring import contract_reader

    return ThresholdSettings(
        contract_reader(), ThresholdStore(get_settings().require("billing_table")), current_clock()
    )


def threshold_watch() -> "ThresholdWatch":
    from espace_abonne.accounts.wiring import account_store
    from espace_abonne.consumption.thresholds import ThresholdWatch
    from espace_abonne.consumption.thresholds_store import ThresholdStore
    from espace_abonne.contracts.wiring import link_store
    from espace_abonne.core import wiring

    settings = get_settings()
    return ThresholdWatch(
        ThresholdStore(settings.require("billing_table")),
        _billing(),
        link_store(),
        account_store(),
        wiring.once_log(),
        wiring.mailer(),
        current_clock(),
        settings.frontend_url,
    )


def meter_reading_sender() -> "MeterReadingSender":
    from espace_abonne.consumption.meter_readings import MeterReadingSender
    from espace_abonne.contracts.wiring import contract_reader
    from espace_abonne.core import wiring

    return MeterReadingSender(contract_reader(), _billing(), wiring.return_feed(), current_clock())


def leak_attestations() -> "LeakAttestations":
    from espace_abonne.consumption.leaks import LeakAttestations
    from espace_abonne.contracts.wiring import contract_reader
    from espace_abonne.core import wiring

    return LeakAttestations(
        contract_reader(), _billing(), wiring.return_feed(), get_settings().documents_bucket, current_clock()
    )


def leak_alert_notices(mailer: "Mailer") -> "LeakAlertNotices":
    """For the outbox worker, with its SES mailer."""
    from espace_abonne.accounts.wiring import account_store
    from espace_abonne.consumption.leaks import LeakAlertNotices
    from espace_abonne.contracts.wiring import contract_reader
    from espace_abonne.core import wiring

    return LeakAlertNotices(
        contract_reader(),
        _billing(),
        account_store(),
        wiring.once_log(),
        mailer,
        current_clock(),
        get_settings().frontend_url,
    )
