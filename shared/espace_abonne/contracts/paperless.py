"""« Facture électronique » (PRODUCT.md §7): per contract, the subscriber chooses to receive invoices
in the portal only, and can go back to paper.

Where the choice lives: the billing system sends the invoices, so it is the one that must apply it;
the portal keeps the subscriber's choice in the contract's partition (`PAPERLESS`, kept by imports)
and tells the billing system through the return feed (a `paperless_billing` record each time the
mode changes, in the same transaction as the choice). The export may also carry the billing
system's mode (`paperless_billing`); the contract's mode is the subscriber's choice for the current
payer, unless the export's mode has changed since it was made — the Régie changed it on its side
(`ContractFile.paperless_billing`).
"""

from espace_abonne.contracts.billing_store import BillingStore, PaperlessChoice
from espace_abonne.contracts.reading import ContractReader
from espace_abonne.core.clock import Clock
from espace_abonne.core.dynamo import transact
from espace_abonne.core.errors import ServiceUnavailable
from espace_abonne.core.return_feed import ReturnFeed

ATTEMPTS = 3


class PaperlessBilling:
    def __init__(self, reader: ContractReader, billing: BillingStore, feed: ReturnFeed, clock: Clock) -> None:
        self._reader = reader
        self._billing = billing
        self._feed = feed
        self._clock = clock

    def choose(self, account_id: str, email: str, contract_number: str, paperless: bool) -> bool:
        """Sets the contract's mode; True if it changed (and the billing system will be told),
        False if it already was that mode. Two requests at once: one records the change."""
        for _ in range(ATTEMPTS):
            contract = self._reader.contract_file(account_id, contract_number)  # 404 unless linked
            if contract.paperless_billing == paperless:
                return False
            now = self._clock.now()
            details = contract.details
            choice = PaperlessChoice(
                paperless=paperless, payer_id=details.payer_id, chosen_at=now, exported_then=details.paperless_billing
            )
            record = {
                "contract_number": details.number,
                "payer_id": details.payer_id,
                "paperless_billing": paperless,
                "requested_by": email,
            }
            if transact(
                [
                    self._billing.paperless_entry(details.number, choice, contract.paperless_choice),
                    self._feed.entry("paperless_billing", record, now),
                ]
            ):
                return True
        raise ServiceUnavailable()  # changed by other requests each time: let the caller try again
