"""Requests sent to the Régie: subscription requests and contact messages (RequestsTable).

pk = reference; the ByAccount index (account_id, created_at) finds a subscriber's own requests
for the RGPD export and detaches them when the account is deleted. Items expire through TTL at
the end of their retention period.
"""

from typing import Any

from espace_abonne.core import aws
from espace_abonne.core.dynamo import query_all, to_item, transact

BY_ACCOUNT_INDEX = "ByAccount"


class RequestsStore:
    def __init__(self, requests_table: str) -> None:
        self._table = requests_table

    def add(self, item: dict[str, Any], feed_entry: dict[str, Any]) -> bool:
        """Stores a request under its reference, with its return-feed entry; False if that reference
        is taken (draw another)."""
        return transact(
            [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(item),
                        "ConditionExpression": "attribute_not_exists(#reference)",
                        "ExpressionAttributeNames": {"#reference": "reference"},
                    }
                },
                feed_entry,
            ]
        )

    def of_account(self, account_id: str) -> list[dict[str, Any]]:
        return query_all(
            TableName=self._table,
            IndexName=BY_ACCOUNT_INDEX,
            KeyConditionExpression="account_id = :account_id",
            ExpressionAttributeValues=to_item({":account_id": account_id}),
        )

    def detach(self, account_id: str) -> int:
        """Keeps the requests (the Régie must) but removes their link to the account."""
        client = aws.dynamodb()
        requests = self.of_account(account_id)
        for request in requests:
            client.update_item(
                TableName=self._table,
                Key=to_item({"reference": request["reference"]}),
                UpdateExpression="REMOVE account_id",
                ConditionExpression="attribute_exists(#reference)",
                ExpressionAttributeNames={"#reference": "reference"},
            )
        return len(requests)
