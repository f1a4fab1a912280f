"""Builds the contracts domain's services from the settings (imports lazily: cold start is import time)."""

from typing import TYPE_CHECKING

from espace_abonne.core.clock import current_clock
from espace_abonne.core.settings import get_settings

if TYPE_CHECKING:
    from espace_abonne.contracts.linking import ContractLinker
    from espace_abonne.contracts.links_store import LinkStore
    from espace_abonne.contracts.reading import ContractReader, OnlinePaymentRecords


def link_store() -> "LinkStore":
    from espace_abonne.contracts.links_store import LinkStore

    return LinkStore(get_settings().require("links_table"))


def contract_reader() -> "ContractReader":
    from espace_abonne.contracts.billing_store import BillingStore
    from espace_abonne.contracts.reading import ContractReader

    return ContractReader(BillingStore(get_settings().billing_table), link_store())


def contract_linker() -> "ContractLinker":
    from espace_abonne.contracts.billing_store import BillingStore
    from espace_abonne.contracts.linking import ContractLinker
    from espace_abonne.core import aws, wiring

    settings = get_settings()
    return ContractLinker(
        billing=BillingStore(settings.require("billing_table")),
        links=link_store(),
        throttles=wiring.throttle_store(),
        mailer=wiring.mailer(),
        clock=current_clock(),
        key_secret=aws.secret_value(settings.require("contract_key_secret_id")),
    )


def online_payment_records() -> "OnlinePaymentRecords":
    from espace_abonne.contracts.billing_store import BillingStore
    from espace_abonne.contracts.reading import OnlinePaymentRecords

    return OnlinePaymentRecords(BillingStore(get_settings().require("billing_table")))
