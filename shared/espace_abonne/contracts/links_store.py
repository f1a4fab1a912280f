"""Which contracts an account may see: LinksTable (pk account_id, sk contract_number).

A link remembers the payer it was made for: when the contract changes payer, the link ends.
The ByContract index (contract_number) finds the accounts linked to a contract.
"""

from dataclasses import dataclass
from typing import Any

from espace_abonne.contracts.billing_store import ContractSummary
from espace_abonne.core import aws
from espace_abonne.core.dynamo import from_item, query_all, to_item
from espace_abonne.core.errors import ServiceUnavailable

BY_CONTRACT_INDEX = "ByContract"


@dataclass(frozen=True)
class Link:
    account_id: str
    contract_number: str
    service_address: str
    payer_id: str
    linked_at: int

    @property
    def summary(self) -> ContractSummary:
        return ContractSummary(self.contract_number, self.service_address)


def _link_from(item: dict[str, Any]) -> Link:
    return Link(
        account_id=item["account_id"],
        contract_number=item["contract_number"],
        service_address=item["service_address"],
        payer_id=item["payer_id"],
        linked_at=int(item["linked_at"]),
    )


class LinkStore:
    def __init__(self, links_table: str) -> None:
        self._table = links_table

    def _key(self, account_id: str, number: str) -> dict[str, Any]:
        return to_item({"account_id": account_id, "contract_number": number})

    def link(self, account_id: str, payer_id: str, contracts: list[ContractSummary], now: int) -> None:
        """Links every contract at once; linking again overwrites the same items (idempotent)."""
        requests: list[Any] = [
            {
                "PutRequest": {
                    "Item": to_item(
                        {
                            "account_id": account_id,
                            "contract_number": contract.number,
                            "service_address": contract.service_address,
                            "payer_id": payer_id,
                            "linked_at": now,
                        }
                    )
                }
            }
            for contract in contracts
        ]
        client = aws.dynamodb()
        for start in range(0, len(requests), 25):
            pending: dict[str, Any] = {self._table: requests[start : start + 25]}
            for _ in range(5):
                unprocessed = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not unprocessed:
                    break
                pending = dict(unprocessed)
            else:
                raise ServiceUnavailable()  # DynamoDB kept items unprocessed

    def of_account(self, account_id: str) -> list[Link]:
        items = query_all(
            TableName=self._table,
            KeyConditionExpression="account_id = :account_id",
            ExpressionAttributeValues=to_item({":account_id": account_id}),
            ConsistentRead=True,
        )
        return [_link_from(item) for item in items]

    def get(self, account_id: str, number: str) -> Link | None:
        response = aws.dynamodb().get_item(
            TableName=self._table, Key=self._key(account_id, number), ConsistentRead=True
        )
        item = response.get("Item")
        return _link_from(from_item(item)) if item else None

    def of_contract(self, number: str) -> list[Link]:
        items = query_all(
            TableName=self._table,
            IndexName=BY_CONTRACT_INDEX,
            KeyConditionExpression="contract_number = :number",
            ExpressionAttributeValues=to_item({":number": number}),
        )
        return [_link_from(item) for item in items]

    def unlink(self, account_id: str, number: str) -> bool:
        response = aws.dynamodb().delete_item(
            TableName=self._table, Key=self._key(account_id, number), ReturnValues="ALL_OLD"
        )
        return "Attributes" in response

    def unlink_if_payer(self, link: Link) -> bool:
        """Ends a link made for a payer, unless it was made again meanwhile (for the new payer)."""
        from espace_abonne.core.dynamo import conditional

        return conditional(
            lambda: aws.dynamodb().delete_item(
                TableName=self._table,
                Key=self._key(link.account_id, link.contract_number),
                ConditionExpression="payer_id = :payer",
                ExpressionAttributeValues=to_item({":payer": link.payer_id}),
            )
        )

    def unlink_all(self, account_id: str) -> None:
        client = aws.dynamodb()
        for link in self.of_account(account_id):
            client.delete_item(TableName=self._table, Key=self._key(account_id, link.contract_number))
