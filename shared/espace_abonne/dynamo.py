"""Small helpers over the low-level DynamoDB client (cheaper to create than a resource)."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.exceptions import ClientError


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    return {key: serializer.serialize(value) for key, value in values.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {key: deserializer.deserialize(value) for key, value in item.items()}


def is_condition_failure(error: "ClientError") -> bool:
    """A conditional write (or a transaction with one) lost: the state was not what we required."""
    code = error.response.get("Error", {}).get("Code", "")
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = error.response.get("CancellationReasons", [])
        codes = {reason.get("Code") for reason in reasons}
        # Any cancelled transaction that lost to a condition or to a concurrent transaction.
        return bool(codes & {"ConditionalCheckFailed", "TransactionConflict"}) or not reasons
    return False
