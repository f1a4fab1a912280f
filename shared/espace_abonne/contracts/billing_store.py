"""The billing copy in BillingTable, laid out so that each screen is one request.

    pk = CONTRACT#<number>   sk = CONTRACT              the contract, its règlement, clé digest, and
                                                        what its last import wrote (item_keys,
                                                        pdf_keys, source_digest)
                             sk = READING#<date>        one meter reading
                             sk = INVOICE#<date>#<no>   one invoice
                             sk = PAYMENT#<date>#<seq>  one payment
                             sk = ONLINE#<payment id>   a payment made online in the portal (PayFiP),
                                                        written by the portal, never by the importer
                             sk = PAPERLESS             the subscriber's facture électronique choice
                                                        (made in the portal: imports keep it)
                             sk = DAY#<YYYY-MM>         a télérelève meter's daily index for a month
                                                        (litres, by day of the month)
                             sk = LEAK#<reading date>   a loi Warsmann alert on that reading, and the
                                                        attestation sent for it (the portal's: kept)
                             sk = SELF#<date>           an index the subscriber sent (autorelève),
                                                        until the export brings a reading that day
                             sk = ALERTS#<account id>   an account's consumption thresholds
                                                        (consumption/thresholds_store.py)
    pk = PAYER#<payer id>    sk = PAYER                 the payer (redevable)
                             sk = CONTRACT#<number>     one of its contracts (number, address)

A contract's dashboard is one Query on its partition; a payer's contracts, one Query on theirs.
Only this module knows the attribute names: callers get typed values.

An import replaces only the items the previous import wrote (`item_keys`): the ONLINE, PAPERLESS,
LEAK and SELF items, which the portal writes, stay.
An online payment counts in what is left to pay until the export brings a payment carrying the
same PayFiP operation (`payfip_operation`), which then replaces it.
"""

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from espace_abonne.contracts.vocabulary import InvoiceStatus, ReadingSource
from espace_abonne.core import aws
from espace_abonne.core.dynamo import conditional, from_item, query_all, to_item
from espace_abonne.core.settings import MissingSetting

if TYPE_CHECKING:
    from espace_abonne.contracts.billing import ContractRecord, PayerRecord, RegulationRecord

DETAILS = "CONTRACT"
PAPERLESS = "PAPERLESS"
BATCH_WRITE = 25  # BatchWriteItem's limit
BATCH_GET = 100  # BatchGetItem's limit
# A bulk import may write faster than an on-demand table's current capacity: DynamoDB then leaves
# items unprocessed, and the import backs off (about a minute in all) rather than fail.
WRITE_ATTEMPTS = 16


def contract_pk(number: str) -> str:
    return f"CONTRACT#{number}"


def payer_pk(payer_id: str) -> str:
    return f"PAYER#{payer_id}"


def contract_details_key(number: str) -> dict[str, Any]:
    return to_item({"pk": contract_pk(number), "sk": DETAILS})


@dataclass(frozen=True)
class ContractSummary:
    number: str
    service_address: str


@dataclass(frozen=True)
class Regulation:
    title: str
    version: str
    adopted_on: str
    pdf_url: str


@dataclass(frozen=True)
class ContractDetails:
    number: str
    status: str
    start_date: str
    service_address: str
    holder: str
    payer_id: str
    payer_name: str
    meter_number: str
    remote_reading: bool  # télérelève
    monthly_payment: bool  # mensualisation
    regulation: Regulation
    data_as_of: str
    key_digest: str
    paperless_billing: bool | None = None  # as the billing system exported it (None: not said)


@dataclass(frozen=True)
class MeterReading:
    date: str
    index_m3: int
    volume_m3: int | None  # since the previous reading
    source: ReadingSource
    estimated: bool


@dataclass(frozen=True)
class DailyIndex:
    """A télérelève meter's index at the end of a day, in litres."""

    date: dt.date
    index_l: int


@dataclass(frozen=True)
class Attestation:
    """A plumber's attestation of a repaired leak, sent online for a loi Warsmann alert."""

    sent_at: int
    repair_date: str
    leak_location: str
    plumber: str
    document_key: str  # in the documents bucket
    content_type: str


@dataclass(frozen=True)
class LeakAlert:
    """A reading whose volume was more than twice the subscriber's average for an equivalent period
    (loi Warsmann), as detected at import; the subscriber may reply until `reply_by`."""

    reading_date: str
    since: str  # the measured reading before it
    volume_m3: int
    average_l: int  # the average volume of the equivalent periods, in litres
    years: int  # how many previous years gave an equivalent period
    detected_at: int
    reply_by: str  # YYYY-MM-DD (Paris): one month after the subscriber was told
    attestation: Attestation | None = None


@dataclass(frozen=True)
class Threshold:
    """An account's consumption thresholds for a télérelève contract (None: not set)."""

    account_id: str
    contract_number: str
    daily_limit_l: int | None
    monthly_limit_m3: int | None
    set_at: int


def threshold_from(item: dict[str, Any]) -> Threshold:
    daily, monthly = item.get("daily_limit_l"), item.get("monthly_limit_m3")
    return Threshold(
        account_id=item["account_id"],
        contract_number=item["contract_number"],
        daily_limit_l=None if daily is None else int(daily),
        monthly_limit_m3=None if monthly is None else int(monthly),
        set_at=int(item["set_at"]),
    )


@dataclass(frozen=True)
class SentReading:
    """An index the subscriber sent (autorelève), waiting for the billing system's validation."""

    date: str
    index_m3: int
    sent_at: int


@dataclass(frozen=True)
class InvoiceRecord:
    number: str
    issue_date: str
    due_date: str
    amount_cents: int
    status: InvoiceStatus
    pdf_available: bool


@dataclass(frozen=True)
class PaymentRecord:
    date: str
    amount_cents: int
    method: str
    invoice_number: str
    payfip_operation: str | None = None  # the idOp of a payment made online, once the export has it


@dataclass(frozen=True)
class OnlinePayment:
    """A payment made online in the portal and accepted by PayFiP, until the export brings it."""

    payment_id: str
    invoice_number: str
    amount_cents: int
    paid_on: str  # the Paris day it was accepted, YYYY-MM-DD
    payfip_operation: str  # idOp
    authorization_number: str


# The smallest amount PayFiP takes (montant ≥ 100 cents): below it, « Payer en ligne » is not offered.
MIN_ONLINE_PAYMENT_CENTS = 100


@dataclass(frozen=True)
class PaperlessChoice:
    """Facture électronique (or back to paper) as a subscriber chose it in the portal."""

    paperless: bool
    payer_id: str  # the payer it was chosen for: a new occupant does not inherit it
    chosen_at: int
    exported_then: bool | None  # what the billing system's export said when it was chosen


@dataclass(frozen=True)
class ContractFile:
    """One contract as the billing system exported it: details, readings, invoices, payments
    (each list oldest first), and the subscriber's facture électronique choice."""

    details: ContractDetails
    readings: list[MeterReading]
    invoices: list[InvoiceRecord]
    payments: list[PaymentRecord]
    online_payments: list[OnlinePayment] = field(default_factory=list)  # every one ever accepted
    paperless_choice: PaperlessChoice | None = None
    daily: list[DailyIndex] = field(default_factory=list)  # télérelève: the index each day, oldest first
    leak_alerts: list[LeakAlert] = field(default_factory=list)  # oldest first
    sent_readings: list[SentReading] = field(default_factory=list)  # all the portal kept, oldest first
    thresholds: list[Threshold] = field(default_factory=list)  # every linked account's

    def threshold_of(self, account_id: str) -> Threshold | None:
        return next((t for t in self.thresholds if t.account_id == account_id), None)

    @property
    def pending_readings(self) -> list[SentReading]:
        """Indexes the subscriber sent that the export does not carry yet (« en attente de validation »)."""
        exported = {r.date for r in self.readings if r.source == "autorelève"}
        return [r for r in self.sent_readings if r.date not in exported]

    @property
    def paperless_billing(self) -> bool:
        """The contract's billing mode: the subscriber's choice for this payer, unless the billing
        system's export has changed since it was made (the Régie changed it, e.g. on the phone);
        otherwise what the export says (nothing said: paper)."""
        choice = self.paperless_choice
        if (
            choice is not None
            and choice.payer_id == self.details.payer_id
            and choice.exported_then == self.details.paperless_billing
        ):
            return choice.paperless
        return bool(self.details.paperless_billing)

    def invoice(self, number: str) -> InvoiceRecord | None:
        return next((i for i in self.invoices if i.number == number), None)

    def paid_cents(self, invoice_number: str) -> int:
        """What the billing system has recorded as paid on an invoice."""
        return sum(p.amount_cents for p in self.payments if p.invoice_number == invoice_number)

    @property
    def collecting(self) -> list[OnlinePayment]:
        """Online payments the export does not carry yet (« en cours d'encaissement »), oldest first."""
        exported = {p.payfip_operation for p in self.payments if p.payfip_operation}
        return [p for p in self.online_payments if p.payfip_operation not in exported]

    def left_to_pay_cents(self, invoice_number: str) -> int:
        """The one computation of what is left to pay on an invoice (dashboard and payments share it):
        its amount, minus the payments the export records for it, minus the online payments accepted
        that the export does not carry yet."""
        invoice = self.invoice(invoice_number)
        if invoice is None:
            return 0
        online = sum(p.amount_cents for p in self.collecting if p.invoice_number == invoice_number)
        return max(0, invoice.amount_cents - self.paid_cents(invoice_number) - online)

    def payable_online(self, invoice_number: str) -> bool:
        return self.left_to_pay_cents(invoice_number) >= MIN_ONLINE_PAYMENT_CENTS

    def invoice_status(self, invoice: InvoiceRecord) -> InvoiceStatus:
        """The export's status, unless an online payment it does not carry yet changes it."""
        if not any(p.invoice_number == invoice.number for p in self.collecting):
            return invoice.status
        left = self.left_to_pay_cents(invoice.number)
        return "payée" if left == 0 else "partiellement payée"

    def online_payments_of(self, invoice_number: str) -> int:
        """How many online payments were ever accepted for an invoice (the payments lock's version)."""
        return sum(1 for p in self.online_payments if p.invoice_number == invoice_number)

    @property
    def balance_cents(self) -> int:
        """Invoices minus payments, online ones being collected included (positive: left to pay)."""
        return (
            sum(i.amount_cents for i in self.invoices)
            - sum(p.amount_cents for p in self.payments)
            - sum(p.amount_cents for p in self.collecting)
        )


def _details_from(item: dict[str, Any]) -> ContractDetails:
    regulation = item["regulation"]
    return ContractDetails(
        number=item["number"],
        status=item["status"],
        start_date=item["start_date"],
        service_address=item["service_address"],
        holder=item["holder"],
        payer_id=item["payer_id"],
        payer_name=item["payer_name"],
        meter_number=item["meter_number"],
        remote_reading=bool(item["remote_reading"]),
        monthly_payment=bool(item["monthly_payment"]),
        regulation=Regulation(
            title=regulation["title"],
            version=regulation["version"],
            adopted_on=regulation["adopted_on"],
            pdf_url=regulation["pdf_url"],
        ),
        data_as_of=item["data_as_of"],
        key_digest=item["key_digest"],
        paperless_billing=None if item.get("paperless_billing") is None else bool(item["paperless_billing"]),
    )


def _paperless_from(item: dict[str, Any]) -> PaperlessChoice:
    exported = item.get("exported_then")
    return PaperlessChoice(
        paperless=bool(item["paperless"]),
        payer_id=item["payer_id"],
        chosen_at=int(item["chosen_at"]),
        exported_then=None if exported is None else bool(exported),
    )


@dataclass(frozen=True)
class PreviousImport:
    """What the last import of a contract wrote (nothing: never imported)."""

    item_keys: tuple[str, ...] = ()
    payer_id: str | None = None
    source_digest: str | None = None
    pdf_keys: frozenset[str] = field(default_factory=frozenset)  # invoices whose PDF the portal has

    @property
    def exists(self) -> bool:
        return bool(self.item_keys)

    @property
    def invoice_numbers(self) -> frozenset[str]:
        return frozenset(key.rsplit("#", 1)[-1] for key in self.item_keys if key.startswith("INVOICE#"))


def _previous_from(item: dict[str, Any]) -> PreviousImport:
    return PreviousImport(
        item_keys=tuple(item.get("item_keys", [])),
        payer_id=item.get("payer_id"),
        source_digest=item.get("source_digest"),
        pdf_keys=frozenset(item.get("pdf_keys", [])),
    )


def _daily_from(items: list[dict[str, Any]]) -> list[DailyIndex]:
    days = []
    for item in items:  # a month per item, in month order
        year, month = (int(part) for part in str(item["month"]).split("-"))
        for day, index in sorted(item["index_l"].items()):
            days.append(DailyIndex(dt.date(year, month, int(day)), int(index)))
    return days


def _leak_alert_from(item: dict[str, Any]) -> LeakAlert:
    attestation = item.get("attestation")
    return LeakAlert(
        reading_date=item["reading_date"],
        since=item["since"],
        volume_m3=int(item["volume_m3"]),
        average_l=int(item["average_l"]),
        years=int(item["years"]),
        detected_at=int(item["detected_at"]),
        reply_by=item["reply_by"],
        attestation=None
        if attestation is None
        else Attestation(
            sent_at=int(attestation["sent_at"]),
            repair_date=attestation["repair_date"],
            leak_location=attestation["leak_location"],
            plumber=attestation["plumber"],
            document_key=attestation["document_key"],
            content_type=attestation["content_type"],
        ),
    )


def _sent_reading_from(item: dict[str, Any]) -> SentReading:
    return SentReading(date=item["date"], index_m3=int(item["index_m3"]), sent_at=int(item["sent_at"]))


def _reading_from(item: dict[str, Any]) -> MeterReading:
    volume = item.get("volume_m3")
    return MeterReading(
        date=item["date"],
        index_m3=int(item["index_m3"]),
        volume_m3=None if volume is None else int(volume),
        source=item["source"],
        estimated=bool(item["estimated"]),
    )


def _invoice_from(item: dict[str, Any]) -> InvoiceRecord:
    return InvoiceRecord(
        number=item["number"],
        issue_date=item["issue_date"],
        due_date=item["due_date"],
        amount_cents=int(item["amount_cents"]),
        status=item["status"],
        pdf_available=bool(item["pdf_available"]),
    )


def _payment_from(item: dict[str, Any]) -> PaymentRecord:
    return PaymentRecord(
        date=item["date"],
        amount_cents=int(item["amount_cents"]),
        method=item["method"],
        invoice_number=item["invoice_number"],
        payfip_operation=item.get("payfip_operation"),
    )


def _online_payment_from(item: dict[str, Any]) -> OnlinePayment:
    return OnlinePayment(
        payment_id=item["payment_id"],
        invoice_number=item["invoice_number"],
        amount_cents=int(item["amount_cents"]),
        paid_on=item["paid_on"],
        payfip_operation=item["payfip_operation"],
        authorization_number=item.get("authorization_number", ""),
    )


class BillingStore:
    def __init__(self, billing_table: str | None) -> None:
        self._billing_table = billing_table  # None where only links are read (/me)

    @property
    def table(self) -> str:
        if self._billing_table is None:
            raise MissingSetting("BILLING_TABLE")
        return self._billing_table

    def payer_contracts(self, payer_id: str) -> list[ContractSummary]:
        items = query_all(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_item({":pk": payer_pk(payer_id), ":prefix": "CONTRACT#"}),
            ConsistentRead=True,
        )
        return [ContractSummary(item["number"], item["service_address"]) for item in items]

    @staticmethod
    def details_from(item: dict[str, Any]) -> ContractDetails:
        """A contract's details item, read by a caller's own batch (linking reads it with its counters)."""
        return _details_from(item)

    def details(self, number: str) -> ContractDetails | None:
        item = aws.dynamodb().get_item(TableName=self.table, Key=contract_details_key(number)).get("Item")
        return _details_from(from_item(item)) if item else None

    def contract_file(self, number: str, consistent: bool = False) -> ContractFile | None:
        """Everything the dashboard shows, in one Query (paginated only past 1 MB).

        `consistent`: a strongly consistent read, for a decision that must see the last write (what
        is left to pay before a payment starts)."""
        items = query_all(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": contract_pk(number)}),
            ConsistentRead=consistent,
        )
        by_kind: dict[str, list[dict[str, Any]]] = {
            "CONTRACT": [], "READING": [], "INVOICE": [], "PAYMENT": [], "ONLINE": [], PAPERLESS: [],
            "DAY": [], "LEAK": [], "SELF": [], "ALERTS": [],
        }  # fmt: skip
        for item in items:
            by_kind.setdefault(str(item["sk"]).split("#", 1)[0], []).append(item)
        if not by_kind["CONTRACT"]:
            return None
        return ContractFile(
            details=_details_from(by_kind["CONTRACT"][0]),
            readings=[_reading_from(i) for i in by_kind["READING"]],
            invoices=[_invoice_from(i) for i in by_kind["INVOICE"]],
            payments=[_payment_from(i) for i in by_kind["PAYMENT"]],
            online_payments=sorted(
                (_online_payment_from(i) for i in by_kind["ONLINE"]), key=lambda p: (p.paid_on, p.payment_id)
            ),
            paperless_choice=_paperless_from(by_kind[PAPERLESS][0]) if by_kind[PAPERLESS] else None,
            daily=_daily_from(by_kind["DAY"]),
            leak_alerts=[_leak_alert_from(i) for i in by_kind["LEAK"]],
            sent_readings=[_sent_reading_from(i) for i in by_kind["SELF"]],
            thresholds=[threshold_from(i) for i in by_kind["ALERTS"]],
        )

    def daily_index(self, number: str, first_month: str, last_month: str) -> list[DailyIndex]:
        """A télérelève meter's daily index over whole months (YYYY-MM), in one Query."""
        items = query_all(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues=to_item(
                {":pk": contract_pk(number), ":first": f"DAY#{first_month}", ":last": f"DAY#{last_month}"}
            ),
        )
        return _daily_from(items)

    # -- what the portal adds to a contract's partition (imports keep it) -----------------------
    def record_leak_alert(self, number: str, alert: LeakAlert) -> bool:
        """Records an alert once per reading: False if that reading's alert was recorded before."""
        return conditional(
            lambda: aws.dynamodb().put_item(
                TableName=self.table,
                Item=to_item(
                    {
                        "pk": contract_pk(number),
                        "sk": f"LEAK#{alert.reading_date}",
                        "reading_date": alert.reading_date,
                        "since": alert.since,
                        "volume_m3": alert.volume_m3,
                        "average_l": alert.average_l,
                        "years": alert.years,
                        "detected_at": alert.detected_at,
                        "reply_by": alert.reply_by,
                    }
                ),
                ConditionExpression="attribute_not_exists(sk)",
            )
        )

    def attestation_entry(self, number: str, reading_date: str, attestation: Attestation) -> dict[str, Any]:
        """The transaction item that attaches an attestation to its alert, once."""
        return {
            "Update": {
                "TableName": self.table,
                "Key": item_key(number, f"LEAK#{reading_date}"),
                "UpdateExpression": "SET attestation = :attestation",
                "ConditionExpression": "attribute_exists(sk) AND attribute_not_exists(attestation)",
                "ExpressionAttributeValues": to_item(
                    {
                        ":attestation": {
                            "sent_at": attestation.sent_at,
                            "repair_date": attestation.repair_date,
                            "leak_location": attestation.leak_location,
                            "plumber": attestation.plumber,
                            "document_key": attestation.document_key,
                            "content_type": attestation.content_type,
                        }
                    }
                ),
            }
        }

    def thresholds_of(self, account_id: str, numbers: list[str]) -> dict[str, Threshold]:
        """An account's consumption thresholds on its contracts (RGPD export), by contract number."""
        from espace_abonne.core.dynamo import batch_get

        found: dict[str, Threshold] = {}
        for start in range(0, len(numbers), BATCH_GET):
            keys = [item_key(n, f"ALERTS#{account_id}") for n in numbers[start : start + BATCH_GET]]
            for item in batch_get({self.table: keys})[self.table]:
                threshold = threshold_from(item)
                found[threshold.contract_number] = threshold
        return found

    def delete_thresholds(self, number: str, account_id: str) -> None:
        """An account's consumption thresholds on a contract, when its link ends."""
        aws.dynamodb().delete_item(TableName=self.table, Key=item_key(number, f"ALERTS#{account_id}"))

    def sent_reading_entry(self, number: str, reading: SentReading) -> dict[str, Any]:
        """The transaction item that keeps an index the subscriber sent: one per day."""
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item(
                    {
                        "pk": contract_pk(number),
                        "sk": f"SELF#{reading.date}",
                        "date": reading.date,
                        "index_m3": reading.index_m3,
                        "sent_at": reading.sent_at,
                    }
                ),
                "ConditionExpression": "attribute_not_exists(sk)",
            }
        }

    def online_payment_entry(self, contract_number: str, payment: OnlinePayment) -> dict[str, Any]:
        """The transaction item that records an accepted online payment in the contract's partition
        (with the payment's own change, in one transaction); recording it twice is refused."""
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item(
                    {
                        "pk": contract_pk(contract_number),
                        "sk": f"ONLINE#{payment.payment_id}",
                        "payment_id": payment.payment_id,
                        "invoice_number": payment.invoice_number,
                        "amount_cents": payment.amount_cents,
                        "paid_on": payment.paid_on,
                        "payfip_operation": payment.payfip_operation,
                        "authorization_number": payment.authorization_number,
                    }
                ),
                "ConditionExpression": "attribute_not_exists(sk)",
            }
        }

    # -- facture électronique ------------------------------------------------------------------
    def paperless_entry(
        self, number: str, choice: PaperlessChoice, replacing: PaperlessChoice | None
    ) -> dict[str, Any]:
        """The transaction item that stores a choice, only if the stored one is still `replacing`
        (two requests at once: one wins)."""
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(sk)"}
            if replacing is None
            else {
                "ConditionExpression": "chosen_at = :then",
                "ExpressionAttributeValues": to_item({":then": replacing.chosen_at}),
            }
        )
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item(
                    {
                        "pk": contract_pk(number),
                        "sk": PAPERLESS,
                        "paperless": choice.paperless,
                        "payer_id": choice.payer_id,
                        "chosen_at": choice.chosen_at,
                        "exported_then": choice.exported_then,
                    }
                ),
                **condition,
            }
        }

    # -- the import ----------------------------------------------------------------------------
    def previous_imports(self, numbers: list[str]) -> dict[str, PreviousImport]:
        """What the last import wrote for each contract, a hundred contracts to a request."""
        client = aws.dynamodb_bulk()
        found: dict[str, PreviousImport] = {}
        for start in range(0, len(numbers), BATCH_GET):
            pending: dict[str, Any] = {
                self.table: {
                    "Keys": [contract_details_key(n) for n in numbers[start : start + BATCH_GET]],
                    "ProjectionExpression": "pk, item_keys, payer_id, source_digest, pdf_keys",
                    "ConsistentRead": True,
                }
            }
            for attempt in range(8):
                response = client.batch_get_item(RequestItems=pending)
                for item in response.get("Responses", {}).get(self.table, []):
                    values = from_item(item)
                    found[str(values["pk"]).removeprefix("CONTRACT#")] = _previous_from(values)
                pending = dict(response.get("UnprocessedKeys") or {})
                if not pending:
                    break
                time.sleep(min(0.05 * 2**attempt, 2))  # back off while DynamoDB is throttling us
            else:
                raise RuntimeError("DynamoDB kept keys unprocessed; run the import again")
        return found

    def write(self, puts: list[dict[str, Any]], deletes: list[dict[str, Any]]) -> None:
        """BatchWriteItem in groups of 25 (deletes first), retrying what DynamoDB leaves unprocessed."""
        requests: list[Any] = [{"DeleteRequest": {"Key": key}} for key in deletes]
        requests += [{"PutRequest": {"Item": to_item(item)}} for item in puts]
        client = aws.dynamodb_bulk()
        for start in range(0, len(requests), BATCH_WRITE):
            pending: dict[str, Any] = {self.table: requests[start : start + BATCH_WRITE]}
            for attempt in range(WRITE_ATTEMPTS):
                unprocessed = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not unprocessed:
                    break
                pending = dict(unprocessed)
                time.sleep(min(0.05 * 2**attempt, 5))  # back off while DynamoDB is throttling us
            else:
                raise RuntimeError("DynamoDB kept items unprocessed; run the import again")


def contract_items(
    record: "ContractRecord",
    payer: "PayerRecord",
    regulation: "RegulationRecord",
    key_digest: str,
    pdf_keys: frozenset[str] = frozenset(),
    source_digest: str | None = None,
) -> list[dict[str, Any]]:
    """Every item of a contract's partition, details last (written last by the importer).

    `pdf_keys`: the invoices whose PDF is in the documents bucket; `source_digest`: what the
    export said, so that the next import can skip the contract when it says the same."""
    pk = contract_pk(record.number)
    items: list[dict[str, Any]] = []
    previous_index: int | None = None
    for reading in record.readings:
        items.append(
            {
                "pk": pk,
                "sk": f"READING#{reading.date.isoformat()}",
                "date": reading.date.isoformat(),
                "index_m3": reading.index_m3,
                "volume_m3": None if previous_index is None else reading.index_m3 - previous_index,
                "source": reading.source,
                "estimated": reading.estimated,
            }
        )
        previous_index = reading.index_m3
    for invoice in record.invoices:
        items.append(
            {
                "pk": pk,
                "sk": f"INVOICE#{invoice.issue_date.isoformat()}#{invoice.number}",
                "number": invoice.number,
                "issue_date": invoice.issue_date.isoformat(),
                "due_date": invoice.due_date.isoformat(),
                "amount_cents": invoice.amount_ttc,
                "status": invoice.status,
                "pdf_available": invoice.pdf and invoice.number in pdf_keys,
            }
        )
    months: dict[str, dict[str, int]] = {}
    for day in record.daily_index:
        months.setdefault(f"{day.date:%Y-%m}", {})[f"{day.date:%d}"] = day.index_l
    for month, days in months.items():
        items.append({"pk": pk, "sk": f"DAY#{month}", "month": month, "index_l": days})
    for sequence, payment in enumerate(record.payments):
        items.append(
            {
                "pk": pk,
                "sk": f"PAYMENT#{payment.date.isoformat()}#{sequence:04d}",
                "date": payment.date.isoformat(),
                "amount_cents": payment.amount,
                "method": payment.method,
                "invoice_number": payment.invoice_number,
                "payfip_operation": payment.payfip_operation,
            }
        )
    items.append(
        {
            "pk": pk,
            "sk": DETAILS,
            "number": record.number,
            "status": record.status,
            "start_date": record.start_date.isoformat(),
            "service_address": record.service_address,
            "holder": record.holder,
            "payer_id": payer.payer_id,
            "payer_name": payer.name,
            "meter_number": record.meter.number,
            "remote_reading": record.meter.remote_reading,
            "monthly_payment": record.monthly_payment,
            "paperless_billing": record.paperless_billing,
            "regulation": {
                "title": regulation.title,
                "version": regulation.version,
                "adopted_on": regulation.adopted_on.isoformat(),
                "pdf_url": regulation.pdf_url,
            },
            "data_as_of": record.data_as_of.isoformat(),
            "key_digest": key_digest,
            # What this import wrote: the next import deletes what it no longer has.
            "item_keys": [item["sk"] for item in items],
            "pdf_keys": sorted(pdf_keys) or None,
            "source_digest": source_digest,
        }
    )
    return items


def payer_contract_key(payer_id: str, number: str) -> dict[str, Any]:
    return to_item({"pk": payer_pk(payer_id), "sk": f"CONTRACT#{number}"})


def item_key(number: str, sort_key: str) -> dict[str, Any]:
    return to_item({"pk": contract_pk(number), "sk": sort_key})


def payer_items(payer: "PayerRecord") -> list[dict[str, Any]]:
    return [{"pk": payer_pk(payer.payer_id), "sk": "PAYER", "payer_id": payer.payer_id, "name": payer.name}]


def payer_contract_item(record: "ContractRecord") -> dict[str, Any]:
    return {
        "pk": payer_pk(record.payer_id),
        "sk": f"CONTRACT#{record.number}",
        "number": record.number,
        "service_address": record.service_address,
    }
