"""Personal consumption thresholds, in the contract's partition of BillingTable (imports keep them):

    pk = CONTRACT#<number>   sk = ALERTS#<account id>   daily_limit_l, monthly_limit_m3, set_at

The sparse index `Thresholds` (constant partition `thresholds_index`) lists every threshold for the
daily check; a threshold whose link has ended is removed by that check (and when the account goes).
"""

from espace_abonne.contracts.billing_store import Threshold, contract_pk, item_key, threshold_from
from espace_abonne.core import aws
from espace_abonne.core.dynamo import from_item, query_all, to_item

THRESHOLDS_INDEX = "Thresholds"
ALL = "all"


class ThresholdStore:
    def __init__(self, billing_table: str) -> None:
        self._table = billing_table

    def get(self, account_id: str, number: str) -> Threshold | None:
        item = aws.dynamodb().get_item(TableName=self._table, Key=item_key(number, f"ALERTS#{account_id}")).get("Item")
        return threshold_from(from_item(item)) if item else None

    def put(self, threshold: Threshold) -> None:
        aws.dynamodb().put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": contract_pk(threshold.contract_number),
                    "sk": f"ALERTS#{threshold.account_id}",
                    "thresholds_index": ALL,
                    "account_id": threshold.account_id,
                    "contract_number": threshold.contract_number,
                    "daily_limit_l": threshold.daily_limit_l,
                    "monthly_limit_m3": threshold.monthly_limit_m3,
                    "set_at": threshold.set_at,
                }
            ),
        )

    def delete(self, account_id: str, number: str) -> bool:
        response = aws.dynamodb().delete_item(
            TableName=self._table, Key=item_key(number, f"ALERTS#{account_id}"), ReturnValues="ALL_OLD"
        )
        return "Attributes" in response

    def all(self) -> list[Threshold]:
        """Every threshold set, by contract (the index holds nothing else)."""
        items = query_all(
            TableName=self._table,
            IndexName=THRESHOLDS_INDEX,
            KeyConditionExpression="thresholds_index = :all",
            ExpressionAttributeValues=to_item({":all": ALL}),
        )
        return sorted((threshold_from(item) for item in items), key=lambda t: (t.contract_number, t.account_id))
