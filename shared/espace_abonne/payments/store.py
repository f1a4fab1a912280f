"""Online payments in PaymentsTable (pk only).

    pk = PAYMENT#<payment id>        one payment: who (account, mel), what (contract, invoice, amount,
                                     refdet, exer, numcli), PayFiP's idOp, status and times; `pending`
                                     is set while it is en_attente (the sparse index Pending)
    pk = IDOP#<idOp>                 -> payment id: what PayFiP's notification and return look up
    pk = LOCK#<contract>#<invoice>   the invoice's lock: the payment holding it, until when, and how many
                                     online payments were accepted for that invoice (its version)

Pending (GSI, sparse): pending = "PENDING", created_at — the payments the settler asks PayFiP about;
pending = "RECEIPT" — accepted payments whose « Paiement reçu » is not known to be queued yet.

Never two accepted payments for one amount due: a payment is created in the same transaction that
takes its invoice's lock, which only a payment whose lock time has passed gives up, and only if
no online payment was accepted for the invoice since the amount was computed (the version). The
lock time outlasts PayFiP's payment page, so an operation that may still succeed keeps it.

Only this module knows the attribute names: callers get `Payment` values.
"""

from dataclasses import dataclass
from typing import Any, Literal

from espace_abonne.core import aws
from espace_abonne.core.dynamo import conditional, from_item, to_item, transact

Status = Literal["en_attente", "payé", "refusé", "abandonné", "expiré"]
PENDING: Status = "en_attente"
PAID: Status = "payé"
REFUSED: Status = "refusé"
ABANDONED: Status = "abandonné"
EXPIRED: Status = "expiré"
PENDING_INDEX = "Pending"
_PENDING_MARK = "PENDING"
# An accepted payment whose « Paiement reçu » is not known to be queued yet: the settler queues it.
_RECEIPT_MARK = "RECEIPT"


@dataclass(frozen=True)
class Payment:
    payment_id: str
    account_id: str
    contract_number: str
    invoice_number: str
    amount_cents: int
    refdet: str
    exer: int
    numcli: str
    mel: str  # the address the payment was made from: where « Paiement reçu » goes
    status: Status
    created_at: int
    id_op: str | None = None
    updated_at: int | None = None
    paid_at: int | None = None  # PayFiP's transaction time
    authorization_number: str | None = None  # numauto
    method: str | None = None  # carte bancaire, prélèvement


def _payment_pk(payment_id: str) -> str:
    return f"PAYMENT#{payment_id}"


def _lock_pk(contract_number: str, invoice_number: str) -> str:
    return f"LOCK#{contract_number}#{invoice_number}"


def _payment_from(item: dict[str, Any]) -> Payment:
    def optional_int(name: str) -> int | None:
        value = item.get(name)
        return None if value is None else int(value)

    return Payment(
        payment_id=item["payment_id"],
        account_id=item["account_id"],
        contract_number=item["contract_number"],
        invoice_number=item["invoice_number"],
        amount_cents=int(item["amount_cents"]),
        refdet=item["refdet"],
        exer=int(item["exer"]),
        numcli=item["numcli"],
        mel=item["mel"],
        status=item["status"],
        created_at=int(item["created_at"]),
        id_op=item.get("id_op"),
        updated_at=optional_int("updated_at"),
        paid_at=optional_int("paid_at"),
        authorization_number=item.get("authorization_number"),
        method=item.get("method"),
    )


class PaymentStore:
    def __init__(self, table: str) -> None:
        self._table = table

    def _key(self, pk: str) -> dict[str, Any]:
        return to_item({"pk": pk})

    def create(self, payment: Payment, lock_until: int, accepted_so_far: int) -> bool:
        """Stores a new payment and takes its invoice's lock, in one transaction. False (nothing
        written) while another operation holds the lock, or when an online payment was accepted for
        the invoice since `accepted_so_far` was read."""
        lock = {
            "Put": {
                "TableName": self._table,
                "Item": to_item(
                    {
                        "pk": _lock_pk(payment.contract_number, payment.invoice_number),
                        "payment_id": payment.payment_id,
                        "locked_until": lock_until,
                        "accepted": accepted_so_far,
                    }
                ),
                "ConditionExpression": "attribute_not_exists(pk) OR (locked_until <= :now AND accepted = :accepted)",
                "ExpressionAttributeValues": to_item({":now": payment.created_at, ":accepted": accepted_so_far}),
            }
        }
        item = {
            "pk": _payment_pk(payment.payment_id),
            "payment_id": payment.payment_id,
            "account_id": payment.account_id,
            "contract_number": payment.contract_number,
            "invoice_number": payment.invoice_number,
            "amount_cents": payment.amount_cents,
            "refdet": payment.refdet,
            "exer": payment.exer,
            "numcli": payment.numcli,
            "mel": payment.mel,
            "status": PENDING,
            "pending": _PENDING_MARK,
            "created_at": payment.created_at,
            "updated_at": payment.created_at,
        }
        put = {
            "Put": {"TableName": self._table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}
        }
        return transact([lock, put])

    def attach_operation(self, payment_id: str, id_op: str) -> bool:
        """Records PayFiP's idOp on the payment, and the lookup from that idOp (one transaction).
        False if that idOp already names a payment (PayFiP would be out of its protocol)."""
        return transact(
            [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": self._key(_payment_pk(payment_id)),
                        "UpdateExpression": "SET id_op = :id_op",
                        "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(id_op)",
                        "ExpressionAttributeValues": to_item({":id_op": id_op}),
                    }
                },
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item({"pk": f"IDOP#{id_op}", "payment_id": payment_id}),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )

    def discard(self, payment: Payment) -> None:
        """Forgets a payment PayFiP never registered, and gives its invoice's lock back."""
        conditional(
            lambda: aws.dynamodb().delete_item(
                TableName=self._table,
                Key=self._key(_payment_pk(payment.payment_id)),
                ConditionExpression="attribute_not_exists(id_op)",
            )
        )
        self.release_lock(payment)

    def get(self, payment_id: str) -> Payment | None:
        item = (
            aws.dynamodb()
            .get_item(TableName=self._table, Key=self._key(_payment_pk(payment_id)), ConsistentRead=True)
            .get("Item")
        )
        return _payment_from(from_item(item)) if item else None

    def by_operation(self, id_op: str) -> Payment | None:
        """The payment PayFiP's idOp belongs to (two consistent reads), or None."""
        item = (
            aws.dynamodb()
            .get_item(TableName=self._table, Key=self._key(f"IDOP#{id_op}"), ConsistentRead=True)
            .get("Item")
        )
        return self.get(str(from_item(item)["payment_id"])) if item else None

    def pending(self) -> list[Payment]:
        """Every payment still en_attente, oldest first (the index is eventually consistent: a
        payment just settled may still be listed, and its conditional change will lose)."""
        return self._marked(_PENDING_MARK)

    def receipts_due(self) -> list[Payment]:
        """Accepted payments whose « Paiement reçu » may not have been queued (the queue failed
        right after the acceptance)."""
        return self._marked(_RECEIPT_MARK)

    def receipt_queued(self, payment: Payment) -> None:
        conditional(
            lambda: aws.dynamodb().update_item(
                TableName=self._table,
                Key=self._key(_payment_pk(payment.payment_id)),
                UpdateExpression="REMOVE pending",
                ConditionExpression="pending = :receipt",
                ExpressionAttributeValues=to_item({":receipt": _RECEIPT_MARK}),
            )
        )

    def _marked(self, mark: str) -> list[Payment]:
        payments: list[Payment] = []
        for page in (
            aws.dynamodb()
            .get_paginator("query")
            .paginate(
                TableName=self._table,
                IndexName=PENDING_INDEX,
                KeyConditionExpression="pending = :mark",
                ExpressionAttributeValues=to_item({":mark": mark}),
            )
        ):
            payments.extend(_payment_from(from_item(item)) for item in page.get("Items", []))
        return payments

    def accept(
        self,
        payment: Payment,
        *,
        paid_at: int,
        authorization_number: str,
        method: str,
        now: int,
        entries: list[dict[str, Any]],
    ) -> bool:
        """Marks the payment paid — once: False if it was already settled otherwise (a replay, or
        a concurrent check won). In the same transaction: the invoice lock's version goes up and
        `entries` (the contract's record of the payment, the return feed's) are written."""
        return transact(
            [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": self._key(_payment_pk(payment.payment_id)),
                        "UpdateExpression": "SET #status = :paid, paid_at = :paid_at, authorization_number = :numauto, "
                        "#method = :method, updated_at = :now, pending = :receipt",
                        # expiré too: PayFiP's word that it was paid wins over our giving up waiting.
                        "ConditionExpression": "#status IN (:pending, :expired)",
                        "ExpressionAttributeNames": {"#status": "status", "#method": "method"},
                        "ExpressionAttributeValues": to_item(
                            {
                                ":paid": PAID,
                                ":paid_at": paid_at,
                                ":numauto": authorization_number,
                                ":method": method,
                                ":now": now,
                                ":pending": PENDING,
                                ":expired": EXPIRED,
                                ":receipt": _RECEIPT_MARK,
                            }
                        ),
                    }
                },
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": self._key(_lock_pk(payment.contract_number, payment.invoice_number)),
                        "UpdateExpression": "ADD accepted :one",
                        "ExpressionAttributeValues": to_item({":one": 1}),
                    }
                },
                *entries,
            ]
        )

    def finish(self, payment: Payment, status: Status, now: int) -> bool:
        """Ends a pending payment without money (refusé, abandonné, expiré) and gives its invoice's
        lock back; False if it was no longer pending."""
        changed = conditional(
            lambda: aws.dynamodb().update_item(
                TableName=self._table,
                Key=self._key(_payment_pk(payment.payment_id)),
                UpdateExpression="SET #status = :status, updated_at = :now REMOVE pending",
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item({":status": status, ":now": now, ":pending": PENDING}),
            )
        )
        if changed:
            self.release_lock(payment)
        return changed

    def release_lock(self, payment: Payment) -> bool:
        """Lets the next payment of the invoice start now, if this payment still holds the lock."""
        return conditional(
            lambda: aws.dynamodb().update_item(
                TableName=self._table,
                Key=self._key(_lock_pk(payment.contract_number, payment.invoice_number)),
                UpdateExpression="SET locked_until = :zero",
                ConditionExpression="payment_id = :payment_id",
                ExpressionAttributeValues=to_item({":zero": 0, ":payment_id": payment.payment_id}),
            )
        )
