"""« Effectuer une demande d'abonnement » and « Contacter la Régie » (issue 5)."""

import datetime as dt
import re
import secrets
from typing import Any

from espace_abonne.contracts.keys import is_contract_number
from espace_abonne.core.clock import Clock
from espace_abonne.core.email_addresses import email_errors, normalize_email
from espace_abonne.core.errors import FieldError, InvalidInput, ServiceUnavailable, TooManyAttempts
from espace_abonne.core.mail import Mailer
from espace_abonne.core.return_feed import ReturnFeed
from espace_abonne.core.throttles import Counter, LimitReached, ThrottleStore, per_address
from espace_abonne.requests.emails import (
    contact_acknowledgement,
    contact_to_regie,
    subscription_acknowledgement,
    subscription_to_regie,
)
from espace_abonne.requests.forms import ContactMessage, SubscriptionRequest
from espace_abonne.requests.store import RequestsStore

# How long the Régie keeps what it receives (then DynamoDB TTL removes it).
SUBSCRIPTION_RETENTION = 5 * 365 * 24 * 3600  # contractual: 5 years
CONTACT_RETENTION = 3 * 365 * 24 * 3600  # CNIL's guidance for customer contacts: 3 years
REQUESTS_PER_EMAIL = (5, 3600)
REQUESTS_PER_IP = (20, 3600)
MAX_LINKS_IN_A_MESSAGE = 3
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
# Whatever a mail client or a browser would turn into a link, in any case, counted once each: an
# address with a scheme, one starting with www., or a bare domain — not the domain of an email address.
_URL_CHARS = r"[^\s,;<>\"'()\[\]]"
_LINK = re.compile(
    rf"https?://{_URL_CHARS}+"
    rf"|(?<![\w@.-])www\.{_URL_CHARS}+"
    rf"|(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:com|net|org|fr|ru|cn|io|xyz|info|biz|top)\b(?:[/?#]{_URL_CHARS}*)?",
    re.IGNORECASE,
)


def count_links(text: str) -> int:
    return len(_LINK.findall(text))


def _phone_errors(phone: str) -> list[FieldError]:
    digits = "".join(c for c in phone if c.isdigit())
    allowed = set("0123456789 +.()-")
    if not 9 <= len(digits) <= 15 or not set(phone) <= allowed:
        return [FieldError("phone", "phone_invalid", "Le numéro de téléphone n'est pas valide.")]
    return []


class RequestsService:
    def __init__(
        self,
        store: RequestsStore,
        feed: ReturnFeed,
        throttles: ThrottleStore,
        mailer: Mailer,
        clock: Clock,
        regie_email: str,
    ) -> None:
        self._store = store
        self._feed = feed
        self._throttles = throttles
        self._mailer = mailer
        self._clock = clock
        self._regie_email = regie_email

    def request_subscription(self, request: SubscriptionRequest, source_ip: str, account_id: str | None) -> str:
        email = normalize_email(request.email)
        errors = email_errors(email) + _phone_errors(request.phone)
        today = dt.datetime.fromtimestamp(self._clock.now(), dt.UTC).date()
        if not today - dt.timedelta(days=365) <= request.move_in_date <= today + dt.timedelta(days=365):
            errors.append(
                FieldError(
                    "move_in_date", "move_in_date_out_of_range", "La date d'emménagement doit être dans l'année."
                )
            )
        if errors:
            raise InvalidInput(errors)
        now = self._take(email, source_ip)
        reference = self._store_with_reference(
            "DA",
            {
                "kind": "subscription_request",
                "account_id": account_id,
                "holder_name": request.holder_name,
                "service_address": request.service_address,
                "move_in_date": request.move_in_date.isoformat(),
                "phone": request.phone,
                "email": email,
                "meter_index": request.meter_index,
                "comment": request.comment,
                "created_at": now,
                "expires_at": now + SUBSCRIPTION_RETENTION,
            },
        )
        self._mailer.send(subscription_to_regie(self._regie_email, reference, request, email))
        self._mailer.send(subscription_acknowledgement(email, reference))
        return reference

    def contact(self, message: ContactMessage, source_ip: str, account_id: str | None) -> str:
        email = normalize_email(message.email)
        errors = email_errors(email)
        if message.contract_number and not is_contract_number(message.contract_number):
            errors.append(
                FieldError(
                    "contract_number", "invalid_format", "Le numéro de contrat doit avoir la forme 11301.11377.01."
                )
            )
        if count_links(message.message) > MAX_LINKS_IN_A_MESSAGE:
            errors.append(FieldError("message", "too_many_links", "Le message contient trop de liens."))
        if errors:
            raise InvalidInput(errors)
        now = self._take(email, source_ip)
        reference = self._store_with_reference(
            "MC",
            {
                "kind": "contact_message",
                "account_id": account_id,
                "name": message.name,
                "email": email,
                "subject": message.subject,
                "contract_number": message.contract_number,
                "message": message.message,
                "created_at": now,
                "expires_at": now + CONTACT_RETENTION,
            },
        )
        self._mailer.send(contact_to_regie(self._regie_email, reference, message, email))
        self._mailer.send(contact_acknowledgement(email, reference, message.subject))
        return reference

    def _take(self, email: str, source_ip: str) -> int:
        now = self._clock.now()
        counters = (
            Counter(f"requests-email#{email}", "all", *REQUESTS_PER_EMAIL),
            Counter(f"requests-ip#{per_address(source_ip)}", "all", *REQUESTS_PER_IP),
        )
        try:
            self._throttles.take(counters, now)
        except LimitReached as limit:
            raise TooManyAttempts(limit.retry_after) from limit
        return now

    def _store_with_reference(self, prefix: str, item: dict[str, Any]) -> str:
        """Stores the request under a new reference, with its return-feed record (one transaction):
        the billing system learns of every request the Régie received."""
        created_at = int(item["created_at"])
        year = dt.datetime.fromtimestamp(created_at, dt.UTC).year
        feed_record = {k: v for k, v in item.items() if k not in ("kind", "account_id", "created_at", "expires_at")}
        for _ in range(5):
            reference = f"{prefix}-{year}-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
            feed_entry = self._feed.entry(
                item["kind"], {"reference": reference, **feed_record}, created_at, event_id=reference
            )
            if self._store.add({"reference": reference, **item}, feed_entry):
                return reference
        raise ServiceUnavailable()

    # -- RGPD --------------------------------------------------------------------------------
    def export(self, account_id: str) -> list[dict[str, Any]]:
        """The account's requests as they are kept (oldest first), without the account id."""
        requests = sorted(self._store.of_account(account_id), key=lambda r: int(r["created_at"]))
        return [{k: v for k, v in r.items() if k != "account_id"} for r in requests]

    def forget(self, account_id: str) -> None:
        """The Régie keeps the requests for their legal retention, detached from the account."""
        self._store.detach(account_id)
