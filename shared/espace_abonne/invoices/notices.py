"""« Nouvelle facture disponible » (PRODUCT.md §7).

The import queues one task per invoice a contract did not have before (contracts/importing.py);
the outbox worker runs it here: every account linked to the contract for its current payer, whose
preference is on, gets one email — once per invoice and account, however many times the task is
delivered (core/once.py) or the export is imported (an invoice already known is not announced).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from espace_abonne.accounts.store import AccountStore
from espace_abonne.contracts.reading import ContractReader
from espace_abonne.core import links
from espace_abonne.core.clock import Clock
from espace_abonne.core.mail import Mailer
from espace_abonne.core.once import OnceLog
from espace_abonne.invoices.emails import new_invoice_email


@dataclass(frozen=True)
class NewInvoice:
    contract_number: str
    payer_id: str
    service_address: str
    invoice_number: str
    issue_date: str
    due_date: str
    amount_cents: int

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "NewInvoice":
        return cls(
            contract_number=payload["contract_number"],
            payer_id=payload["payer_id"],
            service_address=payload["service_address"],
            invoice_number=payload["invoice_number"],
            issue_date=payload["issue_date"],
            due_date=payload["due_date"],
            amount_cents=int(Decimal(payload["amount"]) * 100),
        )


class NewInvoiceNotices:
    def __init__(
        self,
        contracts: ContractReader,
        accounts: AccountStore,
        once: OnceLog,
        mailer: Mailer,
        clock: Clock,
        frontend_url: str,
    ) -> None:
        self._contracts = contracts
        self._accounts = accounts
        self._once = once
        self._mailer = mailer
        self._clock = clock
        self._frontend_url = frontend_url

    def perform(self, invoice: NewInvoice) -> int:
        """Run by the outbox worker; returns how many emails it sent."""
        sent = 0
        what = f"new-invoice#{invoice.contract_number}#{invoice.invoice_number}"
        for account_id in self._contracts.linked_accounts(invoice.contract_number, invoice.payer_id):
            email = self._accounts.email_of(account_id)
            account = self._accounts.get(email) if email else None
            if account is None or account.account_id != account_id or not account.new_invoice_emails:
                continue  # deleted or moved since, or does not want these emails
            message = new_invoice_email(
                account.email,
                invoice.contract_number,
                invoice.service_address,
                invoice.invoice_number,
                invoice.issue_date,
                invoice.due_date,
                invoice.amount_cents,
                links.page(self._frontend_url, links.DASHBOARD, contrat=invoice.contract_number),
            )
            sent += self._once.send(what, account_id, self._clock.now(), self._mailer, message)
        return sent
