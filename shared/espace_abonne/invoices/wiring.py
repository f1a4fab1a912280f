"""Builds the invoices domain's services from the settings (imports lazily: cold start is import time)."""

from typing import TYPE_CHECKING

from espace_abonne.core.clock import current_clock
from espace_abonne.core.settings import get_settings

if TYPE_CHECKING:
    from espace_abonne.core.mail import Mailer
    from espace_abonne.invoices.notices import NewInvoiceNotices


def new_invoice_notices(mailer: "Mailer") -> "NewInvoiceNotices":
    """For the outbox worker, with its SES mailer."""
    from espace_abonne.accounts.wiring import account_store
    from espace_abonne.contracts.wiring import contract_reader
    from espace_abonne.core import wiring
    from espace_abonne.invoices.notices import NewInvoiceNotices

    return NewInvoiceNotices(
        contract_reader(), account_store(), wiring.once_log(), mailer, current_clock(), get_settings().frontend_url
    )
