"""What a linked account may read: its contracts, and one contract's file (PRODUCT.md §2 flows 6–7)."""

from espace_abonne.contracts.billing_store import BillingStore, ContractFile, ContractSummary
from espace_abonne.contracts.keys import is_contract_number
from espace_abonne.contracts.links_store import Link, LinkStore
from espace_abonne.core.errors import DomainError


class ContractNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__(404, "contract_not_found", "Ce contrat n'existe pas ou n'est pas lié à votre compte.")


class ContractReader:
    def __init__(self, billing: BillingStore, links: LinkStore) -> None:
        self._billing = billing
        self._links = links

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

    # -- RGPD --------------------------------------------------------------------------------
    def export(self, account_id: str) -> list[Link]:
        return self._links.of_account(account_id)

    def unlink(self, account_id: str, contract_number: str) -> None:
        if not self._links.unlink(account_id, contract_number):
            raise ContractNotFound()

    def forget(self, account_id: str) -> None:
        self._links.unlink_all(account_id)
