"""« Lier un contrat », the contract selector and the dashboard (PRODUCT.md §2 flows 5–7, §3)."""

from dataclasses import dataclass
from typing import Any

from espace_abonne import aws
from espace_abonne.billing_store import BillingStore, ContractPartition, ContractSummary, contract_details_key
from espace_abonne.clock import Clock
from espace_abonne.contract_keys import is_contract_number, key_matches
from espace_abonne.dynamo import from_item
from espace_abonne.email_messages import contract_linked_email
from espace_abonne.errors import DomainError, ServiceUnavailable, TooManyAttempts
from espace_abonne.link_store import LinkStore
from espace_abonne.mailer import Mailer
from espace_abonne.throttle_store import Counter, ThrottleStore

FAILURES_PER_ACCOUNT = (5, 3600)
FAILURES_PER_CONTRACT = (10, 3600)
# HMAC of a clé nobody has, so that an unknown number costs the same comparison as a wrong clé.
_UNKNOWN_CONTRACT_DIGEST = "0" * 64


class InvalidContractOrKey(DomainError):
    def __init__(self) -> None:
        super().__init__(
            400,
            "invalid_contract_or_key",
            "Le numéro de contrat ou la clé est incorrect. Vérifiez-les sur votre dernière facture.",
        )


class ContractNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__(404, "contract_not_found", "Ce contrat n'existe pas ou n'est pas lié à votre compte.")


@dataclass(frozen=True)
class Linked:
    contracts: list[ContractSummary]


def link_counters(account_id: str, contract_number: str) -> tuple[Counter, ...]:
    return (
        Counter(f"link-account#{account_id}", "all", *FAILURES_PER_ACCOUNT),
        Counter(f"link-contract#{contract_number}", "all", *FAILURES_PER_CONTRACT),
    )


class ContractLinker:
    def __init__(
        self,
        billing: BillingStore,
        links: LinkStore,
        throttles: ThrottleStore,
        mailer: Mailer,
        clock: Clock,
        key_secret: str,
    ) -> None:
        self._billing = billing
        self._links = links
        self._throttles = throttles
        self._mailer = mailer
        self._clock = clock
        self._key_secret = key_secret

    def link(self, account_id: str, email: str, contract_number: str, key: str) -> Linked:
        now = self._clock.now()
        counters = link_counters(account_id, contract_number)
        details, attempts = self._details_and_failures(contract_number, counters, now)
        full = [c for c, n in zip(counters, attempts, strict=True) if n >= c.limit]
        if full:
            raise TooManyAttempts(max(c.retry_after(now) for c in full))

        stored_digest = details["key_digest"] if details else _UNKNOWN_CONTRACT_DIGEST
        if not key_matches(self._key_secret, contract_number, key, stored_digest) or details is None:
            self._throttles.record(counters, now)
            raise InvalidContractOrKey()

        contracts = self._billing.payer_contracts(details["payer_id"])
        self._links.link(account_id, details["payer_id"], contracts, now)
        self._mailer.send(contract_linked_email(email, contracts))
        return Linked(contracts)

    def _details_and_failures(
        self, contract_number: str, counters: tuple[Counter, ...], now: int
    ) -> tuple[dict[str, Any] | None, list[int]]:
        """The contract and the failure counts, in one BatchGetItem."""
        counter_keys = [counter.key(now) for counter in counters]
        response = aws.dynamodb().batch_get_item(
            RequestItems={
                self._billing.table: {"Keys": [contract_details_key(contract_number)], "ConsistentRead": True},
                self._throttles.table: {"Keys": counter_keys, "ConsistentRead": True},
            }
        )
        if response.get("UnprocessedKeys"):
            raise ServiceUnavailable()
        found = response.get("Responses", {})
        details = [from_item(item) for item in found.get(self._billing.table, [])]
        counts = {
            (item["pk"], item["sk"]): int(item.get("attempts", 0))
            for item in (from_item(raw) for raw in found.get(self._throttles.table, []))
        }
        attempts = [counts.get((from_item(key)["pk"], from_item(key)["sk"]), 0) for key in counter_keys]
        return (details[0] if details else None), attempts


class ContractReader:
    """What a linked account may read: its contracts, and one contract's dashboard."""

    def __init__(self, billing: BillingStore, links: LinkStore) -> None:
        self._billing = billing
        self._links = links

    def contracts(self, account_id: str) -> list[ContractSummary]:
        return self._links.contracts(account_id)

    def dashboard(self, account_id: str, contract_number: str) -> ContractPartition:
        # Not linked and unknown are the same 404: no one learns which numbers exist.
        if not is_contract_number(contract_number) or not self._links.is_linked(account_id, contract_number):
            raise ContractNotFound()
        partition = self._billing.contract_partition(contract_number)
        if partition is None:  # linked, then removed from the billing export
            raise ContractNotFound()
        return partition
