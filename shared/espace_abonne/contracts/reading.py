"""What a linked account may read: its contracts, one contract's file and its invoices' PDFs
(PRODUCT.md §2 flows 6–7, §7), and what is left to pay on one of its invoices (§6)."""

from dataclasses import dataclass
from typing import Any

from espace_abonne.contracts.billing_store import (
    BillingStore,
    ContractFile,
    ContractSummary,
    OnlinePayment,
    Threshold,
)
from espace_abonne.contracts.documents import InvoiceDocuments, InvoicePdf
from espace_abonne.contracts.keys import is_contract_number
from espace_abonne.contracts.links_store import Link, LinkStore
from espace_abonne.core.errors import DomainError


class ContractNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__(404, "contract_not_found", "Ce contrat n'existe pas ou n'est pas lié à votre compte.")


class InvoiceNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__(404, "invoice_not_found", "Cette facture n'existe pas sur ce contrat.")


class InvoicePdfNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__(
            404, "invoice_not_found", "Cette facture n'existe pas pour ce contrat ou son PDF n'est pas disponible."
        )


@dataclass(frozen=True)
class AmountDue:
    contract_number: str
    invoice_number: str
    issue_date: str  # YYYY-MM-DD
    left_to_pay_cents: int
    online_payments: int  # how many were ever accepted for this invoice: the payments lock's version


class ContractReader:
    def __init__(self, billing: BillingStore, links: LinkStore, documents: InvoiceDocuments | None = None) -> None:
        self._billing = billing
        self._links = links
        self._documents = documents or InvoiceDocuments(None)

    def contracts(self, account_id: str) -> list[ContractSummary]:
        return [link.summary for link in self._links.of_account(account_id)]

    def link(self, account_id: str, contract_number: str) -> Link:
        """The caller's link to a contract; not linked, malformed and unknown are the same 404."""
        link = self._links.get(account_id, contract_number) if is_contract_number(contract_number) else None
        if link is None:
            raise ContractNotFound()
        return link

    def contract_file(self, account_id: str, contract_number: str, consistent: bool = False) -> ContractFile:
        link = self.link(account_id, contract_number)
        contract = self._billing.contract_file(contract_number, consistent)
        # Removed from the export, or now another payer's (a new occupant): not the caller's any more.
        if contract is None or contract.details.payer_id != link.payer_id:
            raise ContractNotFound()
        return contract

    def amount_due(self, account_id: str, contract_number: str, invoice_number: str) -> AmountDue:
        """What is left to pay on one of the caller's invoices, read consistently: a payment about to
        start must see every online payment accepted before it."""
        contract = self.contract_file(account_id, contract_number, consistent=True)
        invoice = contract.invoice(invoice_number)
        if invoice is None:
            raise InvoiceNotFound()
        return AmountDue(
            contract_number=contract_number,
            invoice_number=invoice.number,
            issue_date=invoice.issue_date,
            left_to_pay_cents=contract.left_to_pay_cents(invoice.number),
            online_payments=contract.online_payments_of(invoice.number),
        )

    def invoice_pdf(self, account_id: str, contract_number: str, invoice_number: str) -> InvoicePdf:
        """An invoice's PDF, from a contract linked to the caller: not linked is 404 contract_not_found;
        an invoice the contract does not have, or without a PDF, is 404 invoice_not_found."""
        contract = self.contract_file(account_id, contract_number)
        invoice = contract.invoice(invoice_number)
        if invoice is None or not invoice.pdf_available:
            raise InvoicePdfNotFound()
        pdf = self._documents.read(contract_number, invoice.number)
        if pdf is None:
            raise InvoicePdfNotFound()
        return pdf

    def linked_accounts(self, contract_number: str, payer_id: str) -> list[str]:
        """The accounts linked to a contract for this payer (a link left behind by a former payer
        reads nothing, so it is told nothing either)."""
        return sorted(
            {link.account_id for link in self._links.of_contract(contract_number) if link.payer_id == payer_id}
        )

    # -- RGPD --------------------------------------------------------------------------------
    def export(self, account_id: str) -> list[Link]:
        return self._links.of_account(account_id)

    def thresholds_of(self, account_id: str, links: list[Link]) -> dict[str, Threshold]:
        """The consumption thresholds the account set on its linked contracts."""
        numbers = [link.contract_number for link in links]
        return self._billing.thresholds_of(account_id, numbers) if numbers else {}

    def unlink(self, account_id: str, contract_number: str) -> None:
        if not self._links.unlink(account_id, contract_number):
            raise ContractNotFound()
        self._billing.delete_thresholds(contract_number, account_id)

    def forget(self, account_id: str) -> None:
        for link in self._links.of_account(account_id):
            self._billing.delete_thresholds(link.contract_number, account_id)
        self._links.unlink_all(account_id)


class OnlinePaymentRecords:
    """Where the payments domain records an accepted online payment in the contract's partition, so
    that the dashboard and what is left to pay count it (one Query still shows everything)."""

    def __init__(self, billing: BillingStore) -> None:
        self._billing = billing

    def entry(self, contract_number: str, payment: OnlinePayment) -> dict[str, Any]:
        """A transaction item: the payments domain writes it with the payment's status change."""
        return self._billing.online_payment_entry(contract_number, payment)
