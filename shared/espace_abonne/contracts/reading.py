"""What a linked account may read: its contracts, one contract's file and its invoices' PDFs
(PRODUCT.md §2 flows 6–7, §7)."""

from espace_abonne.contracts.billing_store import BillingStore, ContractFile, ContractSummary
from espace_abonne.contracts.documents import InvoiceDocuments, InvoicePdf
from espace_abonne.contracts.keys import is_contract_number
from espace_abonne.contracts.links_store import Link, LinkStore
from espace_abonne.core.errors import DomainError


class ContractNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__(404, "contract_not_found", "Ce contrat n'existe pas ou n'est pas lié à votre compte.")


class InvoiceNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__(
            404, "invoice_not_found", "Cette facture n'existe pas pour ce contrat ou son PDF n'est pas disponible."
        )


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

    def contract_file(self, account_id: str, contract_number: str) -> ContractFile:
        link = self.link(account_id, contract_number)
        contract = self._billing.contract_file(contract_number)
        # Removed from the export, or now another payer's (a new occupant): not the caller's any more.
        if contract is None or contract.details.payer_id != link.payer_id:
            raise ContractNotFound()
        return contract

    def invoice_pdf(self, account_id: str, contract_number: str, invoice_number: str) -> InvoicePdf:
        """An invoice's PDF, from a contract linked to the caller: not linked is 404 contract_not_found;
        an invoice the contract does not have, or without a PDF, is 404 invoice_not_found."""
        contract = self.contract_file(account_id, contract_number)
        invoice = contract.invoice(invoice_number)
        if invoice is None or not invoice.pdf_available:
            raise InvoiceNotFound()
        pdf = self._documents.read(contract_number, invoice.number)
        if pdf is None:
            raise InvoiceNotFound()
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

    def unlink(self, account_id: str, contract_number: str) -> None:
        if not self._links.unlink(account_id, contract_number):
            raise ContractNotFound()

    def forget(self, account_id: str) -> None:
        self._links.unlink_all(account_id)
