"""Builds the contracts domain's services from the settings (imports lazily: cold start is import time)."""

from collections.abc import Mapping
from typing import TYPE_CHECKING

from espace_abonne.core.clock import current_clock
from espace_abonne.core.settings import get_settings

if TYPE_CHECKING:
    from espace_abonne.contracts.importing import BillingImport
    from espace_abonne.contracts.inbox import BillingInbox
    from espace_abonne.contracts.linking import ContractLinker
    from espace_abonne.contracts.links_store import LinkStore
    from espace_abonne.contracts.paperless import PaperlessBilling
    from espace_abonne.contracts.reading import ContractReader, OnlinePaymentRecords


def link_store() -> "LinkStore":
    from espace_abonne.contracts.links_store import LinkStore

    return LinkStore(get_settings().require("links_table"))


def contract_reader() -> "ContractReader":
    from espace_abonne.contracts.billing_store import BillingStore
    from espace_abonne.contracts.documents import InvoiceDocuments
    from espace_abonne.contracts.reading import ContractReader

    settings = get_settings()
    return ContractReader(
        BillingStore(settings.billing_table), link_store(), InvoiceDocuments(settings.documents_bucket)
    )


def paperless_billing() -> "PaperlessBilling":
    from espace_abonne.contracts.billing_store import BillingStore
    from espace_abonne.contracts.paperless import PaperlessBilling
    from espace_abonne.core import wiring

    return PaperlessBilling(
        contract_reader(), BillingStore(get_settings().require("billing_table")), wiring.return_feed(), current_clock()
    )


def billing_import() -> "BillingImport":
    """The import as BillingImportFunction runs it: the clé secret read from Secrets Manager."""
    from espace_abonne.contracts.billing_store import BillingStore
    from espace_abonne.contracts.documents import InvoiceDocuments
    from espace_abonne.contracts.importing import BillingImport
    from espace_abonne.contracts.linking import FormerPayerLinks
    from espace_abonne.core import aws, wiring

    settings = get_settings()
    outbox = wiring.outbox()
    return BillingImport(
        billing=BillingStore(settings.require("billing_table")),
        key_secret=aws.secret_value(settings.require("contract_key_secret_id")),
        former_payer_links=FormerPayerLinks(link_store(), outbox),
        outbox=outbox,
        documents=InvoiceDocuments(settings.require("documents_bucket"), settings.require("billing_inbox_bucket")),
        concurrency=settings.billing_import_concurrency,
    )


def billing_import_from(
    environment: Mapping[str, str], key_secret: str, concurrency: int = 1, chunk: int | None = None
) -> "BillingImport":
    """The import over the resources a BillingImportFunction environment names, outside Lambda:
    `python -m importer`, local mode's `POST /_local/billing-imports`, the import bench, tests."""
    from espace_abonne.contracts.billing_store import BillingStore
    from espace_abonne.contracts.documents import InvoiceDocuments
    from espace_abonne.contracts.importing import BillingImport
    from espace_abonne.contracts.linking import FormerPayerLinks
    from espace_abonne.contracts.links_store import LinkStore
    from espace_abonne.core.outbox import Outbox

    outbox = Outbox(environment["OUTBOX_QUEUE_URL"])
    return BillingImport(
        billing=BillingStore(environment["BILLING_TABLE"]),
        key_secret=key_secret,
        former_payer_links=FormerPayerLinks(LinkStore(environment["LINKS_TABLE"]), outbox),
        outbox=outbox,
        documents=InvoiceDocuments(environment["DOCUMENTS_BUCKET"], environment["BILLING_INBOX_BUCKET"]),
        concurrency=concurrency,
        chunk=chunk,
    )


def billing_inbox() -> "BillingInbox":
    from espace_abonne.contracts.inbox import BillingInbox
    from espace_abonne.core import wiring

    return BillingInbox(
        get_settings().require("billing_inbox_bucket"), billing_import(), wiring.alerts(), current_clock()
    )


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
