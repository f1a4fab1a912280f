"""« Lier un contrat » (PRODUCT.md §2 flow 5, §3 Contracts and billing data), and the end of the
links of a contract that changed payer."""

from dataclasses import dataclass

from espace_abonne.contracts.billing_store import BillingStore, ContractSummary
from espace_abonne.contracts.emails import contract_ended_email, contract_linked_email
from espace_abonne.contracts.keys import key_matches
from espace_abonne.contracts.links_store import LinkStore
from espace_abonne.core.clock import Clock
from espace_abonne.core.errors import DomainError, TooManyAttempts
from espace_abonne.core.mail import Mailer
from espace_abonne.core.outbox import CONTRACT_ENDED, Outbox
from espace_abonne.core.throttles import Counter, LimitReached, ThrottleStore, per_address

FAILURES_PER_ACCOUNT = (5, 3600)
FAILURES_PER_IP = (20, 3600)
# As high as the clé's entropy keeps safe (docs/security.md, "Guessing a clé"): strangers cannot reach it
# before the per-account and per-IP limits stop them, and at this rate guessing one contract's
# clé stays below one chance in a million a year.
FAILURES_PER_CONTRACT = (300, 3600)
# HMAC of a clé nobody has, so that an unknown number costs the same comparison as a wrong clé.
_UNKNOWN_CONTRACT_DIGEST = "0" * 64


class InvalidContractOrKey(DomainError):
    def __init__(self) -> None:
        super().__init__(
            400,
            "invalid_contract_or_key",
            "Le numéro de contrat ou la clé est incorrect. Vérifiez-les sur votre dernière facture.",
        )


@dataclass(frozen=True)
class Linked:
    contracts: list[ContractSummary]


def link_counters(account_id: str, source_ip: str, contract_number: str) -> tuple[Counter, ...]:
    return (
        Counter(f"link-account#{account_id}", "all", *FAILURES_PER_ACCOUNT),
        Counter(f"link-ip#{per_address(source_ip)}", "all", *FAILURES_PER_IP),
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

    def link(self, account_id: str, email: str, contract_number: str, key: str, source_ip: str) -> Linked:
        now = self._clock.now()
        # Taken before the clé is compared, in one conditional transaction: however many guesses
        # arrive at once, no more are compared than the limits allow. A success gives it back.
        try:
            attempt = self._throttles.take(link_counters(account_id, source_ip, contract_number), now)
        except LimitReached as limit:
            raise TooManyAttempts(limit.retry_after) from limit

        # Should anything below fail (DynamoDB, the secret), the attempt stays counted: a failure.
        details = self._billing.details(contract_number)
        stored_digest = details.key_digest if details else _UNKNOWN_CONTRACT_DIGEST
        if not key_matches(self._key_secret, contract_number, key, stored_digest) or details is None:
            raise InvalidContractOrKey()
        self._throttles.give_back(attempt)

        contracts = self._billing.payer_contracts(details.payer_id)
        self._links.link(account_id, details.payer_id, contracts, now)
        self._mailer.send(contract_linked_email(email, contracts))
        return Linked(contracts)


class FormerPayerLinks:
    """A contract that changed payer (a new occupant) is no longer readable by the accounts that
    linked it for the former payer: their links end at import, and they are told."""

    def __init__(self, links: LinkStore, outbox: Outbox) -> None:
        self._links = links
        self._outbox = outbox

    def end(self, contract_number: str, payer_id: str) -> int:
        ended = 0
        for link in self._links.of_contract(contract_number):
            if link.payer_id != payer_id and self._links.unlink_if_payer(link):
                ended += 1
                self._outbox.enqueue(
                    CONTRACT_ENDED,
                    {
                        "account_id": link.account_id,
                        "contract_number": link.contract_number,
                        "service_address": link.service_address,
                    },
                )
        return ended


def send_contract_ended(mailer: Mailer, to: str, contract_number: str, service_address: str) -> None:
    """Run by the outbox worker once it knows the account's address."""
    mailer.send(contract_ended_email(to, ContractSummary(contract_number, service_address)))
