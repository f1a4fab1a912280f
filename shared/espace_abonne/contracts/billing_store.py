"""The billing copy in BillingTable, laid out so that each screen is one request.

    pk = CONTRACT#<number>   sk = CONTRACT              the contract, its règlement, clé digest
                             sk = READING#<date>        one meter reading
                             sk = INVOICE#<date>#<no>   one invoice
                             sk = PAYMENT#<date>#<seq>  one payment
    pk = PAYER#<payer id>    sk = PAYER                 the payer (redevable)
                             sk = CONTRACT#<number>     one of its contracts (number, address)

A contract's dashboard is one Query on its partition; a payer's contracts, one Query on theirs.
Only this module knows the attribute names: callers get typed values.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from espace_abonne.contracts.vocabulary import InvoiceStatus, ReadingSource
from espace_abonne.core import aws
from espace_abonne.core.dynamo import from_item, query_all, to_item
from espace_abonne.core.settings import MissingSetting

if TYPE_CHECKING:
    from espace_abonne.contracts.billing import ContractRecord, PayerRecord, RegulationRecord

DETAILS = "CONTRACT"


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


@dataclass(frozen=True)
class MeterReading:
    date: str
    index_m3: int
    volume_m3: int | None  # since the previous reading
    source: ReadingSource
    estimated: bool


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


@dataclass(frozen=True)
class ContractFile:
    """One contract as the billing system exported it: details, readings, invoices, payments
    (each list oldest first)."""

    details: ContractDetails
    readings: list[MeterReading]
    invoices: list[InvoiceRecord]
    payments: list[PaymentRecord]

    def invoice(self, number: str) -> InvoiceRecord | None:
        return next((i for i in self.invoices if i.number == number), None)

    def paid_cents(self, invoice_number: str) -> int:
        """What the billing system has recorded as paid on an invoice."""
        return sum(p.amount_cents for p in self.payments if p.invoice_number == invoice_number)

    @property
    def balance_cents(self) -> int:
        """Invoices minus payments (positive: left to pay)."""
        return sum(i.amount_cents for i in self.invoices) - sum(p.amount_cents for p in self.payments)


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
    )


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

    def contract_file(self, number: str) -> ContractFile | None:
        """Everything the dashboard shows, in one Query (paginated only past 1 MB)."""
        items = query_all(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": contract_pk(number)}),
        )
        by_kind: dict[str, list[dict[str, Any]]] = {"CONTRACT": [], "READING": [], "INVOICE": [], "PAYMENT": []}
        for item in items:
            by_kind.setdefault(str(item["sk"]).split("#", 1)[0], []).append(item)
        if not by_kind["CONTRACT"]:
            return None
        return ContractFile(
            details=_details_from(by_kind["CONTRACT"][0]),
            readings=[_reading_from(i) for i in by_kind["READING"]],
            invoices=[_invoice_from(i) for i in by_kind["INVOICE"]],
            payments=[_payment_from(i) for i in by_kind["PAYMENT"]],
        )


def contract_items(
    record: "ContractRecord", payer: "PayerRecord", regulation: "RegulationRecord", key_digest: str
) -> list[dict[str, Any]]:
    """Every item of a contract's partition, details last (written last by the importer)."""
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
                "pdf_available": invoice.pdf,
            }
        )
    for sequence, payment in enumerate(record.payments):
        items.append(
            {
                "pk": pk,
                "sk": f"PAYMENT#{payment.date.isoformat()}#{sequence:04d}",
                "date": payment.date.isoformat(),
                "amount_cents": payment.amount,
                "method": payment.method,
                "invoice_number": payment.invoice_number,
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
        }
    )
    return items


def payer_items(payer: "PayerRecord") -> list[dict[str, Any]]:
    return [{"pk": payer_pk(payer.payer_id), "sk": "PAYER", "payer_id": payer.payer_id, "name": payer.name}]


def payer_contract_item(record: "ContractRecord") -> dict[str, Any]:
    return {
        "pk": payer_pk(record.payer_id),
        "sk": f"CONTRACT#{record.number}",
        "number": record.number,
        "service_address": record.service_address,
    }
