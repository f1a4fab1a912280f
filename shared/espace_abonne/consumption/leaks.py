"""The loi Warsmann after detection (PRODUCT.md §8): every linked account is told, and a plumber's
attestation of a repaired leak is taken online within the month.

Telling (the outbox worker runs the import's `leak_alert` task): each account linked to the
contract for its current payer gets one email per alert, however many times the task comes.

The attestation: the repair date, where the leak was, the plumber, and the document (PDF, JPEG or
PNG up to 4 MB, checked by its first bytes, not by the name or type the browser gives). The
document goes to the documents bucket under `attestations/<contract>/`, then one transaction
attaches it to its alert (once) and puts it in the return feed, where the billing system finds
it and caps the bill; a second attestation for the same alert is refused.
"""

import base64
import binascii
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from espace_abonne.accounts.store import AccountStore
from espace_abonne.consumption.emails import leak_alert_email
from espace_abonne.contracts.billing_store import Attestation, BillingStore, LeakAlert
from espace_abonne.contracts.reading import ContractReader
from espace_abonne.core import aws, links
from espace_abonne.core.clock import Clock, paris_datetime
from espace_abonne.core.dynamo import transact
from espace_abonne.core.errors import DomainError, FieldError, InvalidInput
from espace_abonne.core.mail import Mailer
from espace_abonne.core.once import OnceLog
from espace_abonne.core.return_feed import ReturnFeed
from espace_abonne.core.settings import MissingSetting
from espace_abonne.invoices.emails import french_date

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
# What each accepted type's file starts with.
SIGNATURES = {
    "application/pdf": (b"%PDF-", "pdf"),
    "image/jpeg": (b"\xff\xd8\xff", "jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "png"),
}


class LeakAlertNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__(404, "leak_alert_not_found", "Aucune alerte de consommation anormale pour ce relevé.")


class AttestationAlreadySent(DomainError):
    def __init__(self) -> None:
        super().__init__(409, "attestation_already_sent", "Une attestation a déjà été envoyée pour cette alerte.")


class ReplyPeriodOver(DomainError):
    def __init__(self, reply_by: str) -> None:
        super().__init__(
            409,
            "reply_period_over",
            f"Le délai d'un mois pour envoyer l'attestation a pris fin le {french_date(reply_by)}. Contactez la Régie.",
        )


@dataclass(frozen=True)
class AttestationForm:
    reading_date: dt.date
    repair_date: dt.date
    leak_location: str
    plumber: str
    file_name: str
    content_type: str
    content_base64: str


def _document(form: AttestationForm) -> bytes:
    """The document's bytes, once they are what the form says they are."""
    try:
        content = base64.b64decode(form.content_base64, validate=True)
    except (binascii.Error, ValueError):
        content = b""
    problem = None
    if not content:
        problem = FieldError("document", "unreadable", "Le document est vide ou illisible.")
    elif len(content) > MAX_DOCUMENT_BYTES:
        problem = FieldError("document", "too_large", "Le document dépasse 4\u00a0Mo.")
    elif not content.startswith(SIGNATURES[form.content_type][0]):
        problem = FieldError("document", "wrong_type", "Le document doit être un PDF, une photo JPEG ou PNG.")
    if problem:
        raise InvalidInput([problem])
    return content


class LeakAttestations:
    def __init__(
        self,
        contracts: ContractReader,
        billing: BillingStore,
        feed: ReturnFeed,
        documents_bucket: str | None,
        clock: Clock,
    ) -> None:
        self._contracts = contracts
        self._billing = billing
        self._feed = feed
        self._bucket = documents_bucket
        self._clock = clock

    def send(self, account_id: str, number: str, form: AttestationForm) -> Attestation:
        contract = self._contracts.contract_file(account_id, number, consistent=True)
        alert = next((a for a in contract.leak_alerts if a.reading_date == form.reading_date.isoformat()), None)
        if alert is None:
            raise LeakAlertNotFound()
        if alert.attestation is not None:
            raise AttestationAlreadySent()
        now = self._clock.now()
        today = paris_datetime(now).date()
        if today > dt.date.fromisoformat(alert.reply_by):
            raise ReplyPeriodOver(alert.reply_by)
        if not dt.date.fromisoformat(alert.since) <= form.repair_date <= today:
            raise InvalidInput(
                [
                    FieldError(
                        "repair_date",
                        "out_of_range",
                        f"La réparation doit dater d'après le relevé du {french_date(alert.since)} et ne peut "
                        "pas être future.",
                    )
                ]
            )
        content = _document(form)
        key = f"attestations/{number}/{alert.reading_date}-{uuid.uuid4().hex}.{SIGNATURES[form.content_type][1]}"
        bucket = self._documents()
        aws.s3().put_object(Bucket=bucket, Key=key, Body=content, ContentType=form.content_type)
        attestation = Attestation(
            sent_at=now,
            repair_date=form.repair_date.isoformat(),
            leak_location=form.leak_location,
            plumber=form.plumber,
            document_key=key,
            content_type=form.content_type,
        )
        if not transact(
            [
                self._billing.attestation_entry(number, alert.reading_date, attestation),
                self._feed.entry(
                    "leak_attestation",
                    _feed_record(contract.details.payer_id, number, alert, attestation, bucket, len(content)),
                    now,
                ),
            ]
        ):
            # Another attestation won a race: its document is the one the alert and the feed name;
            # this one stays unreferenced (nobody reads a document the feed does not name).
            raise AttestationAlreadySent()
        return attestation

    def _documents(self) -> str:
        if not self._bucket:
            raise MissingSetting("DOCUMENTS_BUCKET")
        return self._bucket


def _feed_record(
    payer_id: str, number: str, alert: LeakAlert, attestation: Attestation, bucket: str, size: int
) -> dict[str, Any]:
    return {
        "contract_number": number,
        "payer_id": payer_id,
        "reading_date": alert.reading_date,
        "since": alert.since,
        "volume_m3": alert.volume_m3,
        "average_l": alert.average_l,
        "capped_at_l": 2 * alert.average_l,
        "repair_date": attestation.repair_date,
        "leak_location": attestation.leak_location,
        "plumber": attestation.plumber,
        "document": {"bucket": bucket, "key": attestation.document_key, "content_type": attestation.content_type,
                     "bytes": size},
    }  # fmt: skip


@dataclass(frozen=True)
class LeakAlertTask:
    contract_number: str
    payer_id: str
    service_address: str
    reading_date: str

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "LeakAlertTask":
        return cls(payload["contract_number"], payload["payer_id"], payload["service_address"], payload["reading_date"])


class LeakAlertNotices:
    def __init__(
        self,
        contracts: ContractReader,
        billing: BillingStore,
        accounts: AccountStore,
        once: OnceLog,
        mailer: Mailer,
        clock: Clock,
        frontend_url: str,
    ) -> None:
        self._contracts = contracts
        self._billing = billing
        self._accounts = accounts
        self._once = once
        self._mailer = mailer
        self._clock = clock
        self._frontend_url = frontend_url

    def perform(self, task: LeakAlertTask) -> int:
        """Run by the outbox worker; returns how many emails it sent."""
        contract = self._billing.contract_file(task.contract_number, consistent=True)
        alert = (
            next((a for a in contract.leak_alerts if a.reading_date == task.reading_date), None) if contract else None
        )
        if contract is None or alert is None:
            return 0
        what = f"leak-alert#{task.contract_number}#{task.reading_date}"
        dashboard = links.page(self._frontend_url, links.DASHBOARD, contrat=task.contract_number)
        sent = 0
        for account_id in self._contracts.linked_accounts(task.contract_number, task.payer_id):
            email = self._accounts.email_of(account_id)
            if email is None:
                continue
            message = leak_alert_email(
                email,
                task.contract_number,
                task.service_address,
                alert.reading_date,
                alert.since,
                alert.volume_m3,
                alert.average_l,
                alert.years,
                alert.reply_by,
                dashboard,
            )
            sent += self._once.send(what, account_id, self._clock.now(), self._mailer, message)
        return sent
