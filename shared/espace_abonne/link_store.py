"""Which contracts an account may see: LinksTable (pk account_id, sk contract_number)."""

from typing import Any

from espace_abonne import aws
from espace_abonne.billing_store import ContractSummary
from espace_abonne.dynamo import from_item, to_item
from espace_abonne.errors import ServiceUnavailable


class LinkStore:
    def __init__(self, links_table: str) -> None:
        self._table = links_table

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

    def contracts(self, account_id: str) -> list[ContractSummary]:
        response = aws.dynamodb().query(
            TableName=self._table,
            KeyConditionExpression="account_id = :account_id",
            ExpressionAttributeValues=to_item({":account_id": account_id}),
            ConsistentRead=True,
        )
        items = [from_item(item) for item in response.get("Items", [])]
        return [ContractSummary(item["contract_number"], item["service_address"]) for item in items]

    def is_linked(self, account_id: str, number: str) -> bool:
        response = aws.dynamodb().get_item(
            TableName=self._table,
            Key=to_item({"account_id": account_id, "contract_number": number}),
            ConsistentRead=True,
            ProjectionExpression="contract_number",
        )
        return "Item" in response

    def unlink(self, account_id: str, number: str) -> bool:
        response = aws.dynamodb().delete_item(
            TableName=self._table,
            Key=to_item({"account_id": account_id, "contract_number": number}),
            ReturnValues="ALL_OLD",
        )
        return "Attributes" in response

    def unlink_all(self, account_id: str) -> None:
        client = aws.dynamodb()
        for contract in self.contracts(account_id):
            client.delete_item(
                TableName=self._table, Key=to_item({"account_id": account_id, "contract_number": contract.number})
            )

    def export(self, account_id: str) -> list[dict[str, Any]]:
        response = aws.dynamodb().query(
            TableName=self._table,
            KeyConditionExpression="account_id = :account_id",
            ExpressionAttributeValues=to_item({":account_id": account_id}),
            ConsistentRead=True,
        )
        return [from_item(item) for item in response.get("Items", [])]
