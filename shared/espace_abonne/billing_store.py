"""The billing copy in BillingTable, laid out so that each screen is one request.

    pk = CONTRACT#<number>   sk = CONTRACT              the contract, its règlement, clé digest
                             sk = READING#<date>        one meter reading
                             sk = INVOICE#<date>#<no>   one invoice
                             sk = PAYMENT#<date>#<seq>  one payment
    pk = PAYER#<payer id>    sk = PAYER                 the payer (redevable)
                             sk = CONTRACT#<number>     one of its contracts (number, address)

A contract's dashboard is one Query on its partition; a payer's contracts, one Query on theirs.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from espace_abonne import aws
from espace_abonne.dynamo import from_item, to_item

if TYPE_CHECKING:
    from espace_abonne.billing import ContractRecord, PayerRecord, RegulationRecord

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
class ContractPartition:
    details: dict[str, Any]
    readings: list[dict[str, Any]]
    invoices: list[dict[str, Any]]
    payments: list[dict[str, Any]]


class BillingStore:
    def __init__(self, billing_table: str) -> None:
        self._table = billing_table

    @property
    def table(self) -> str:
        return self._table

    def payer_contracts(self, payer_id: str) -> list[ContractSummary]:
        response = aws.dynamodb().query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_item({":pk": payer_pk(payer_id), ":prefix": "CONTRACT#"}),
            ConsistentRead=True,
        )
        items = [from_item(item) for item in response.get("Items", [])]
        return [ContractSummary(item["number"], item["service_address"]) for item in items]

    def contract_partition(self, number: str) -> ContractPartition | None:
        """Everything the dashboard shows, in one Query (paginated only past 1 MB)."""
        client = aws.dynamodb()
        items: list[dict[str, Any]] = []
        paginator = client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": contract_pk(number)}),
        ):
            items.extend(from_item(item) for item in page.get("Items", []))
        by_kind: dict[str, list[dict[str, Any]]] = {"CONTRACT": [], "READING": [], "INVOICE": [], "PAYMENT": []}
        for item in items:
            by_kind.setdefault(str(item["sk"]).split("#", 1)[0], []).append(item)
        if not by_kind["CONTRACT"]:
            return None
        return ContractPartition(
            details=by_kind["CONTRACT"][0],
            readings=by_kind["READING"],
            invoices=by_kind["INVOICE"],
            payments=by_kind["PAYMENT"],
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
