"""Small helpers over the low-level DynamoDB client (cheaper to create than a resource)."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from espace_abonne.core import aws

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


def conditional(call: Callable[[], object]) -> bool:
    """Runs a conditional write; False when its condition (or a concurrent transaction) made it lose."""
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def transact(items: list[dict[str, Any]]) -> bool:
    """One TransactWriteItems; False if any of its conditions failed (nothing was written)."""
    return conditional(lambda: aws.dynamodb().transact_write_items(TransactItems=items))  # type: ignore[arg-type]


def batch_get(keys: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """One consistent BatchGetItem over several tables: the items found, per table."""
    from espace_abonne.core.errors import ServiceUnavailable

    response = aws.dynamodb().batch_get_item(
        RequestItems={table: {"Keys": table_keys, "ConsistentRead": True} for table, table_keys in keys.items()}
    )
    if response.get("UnprocessedKeys"):
        raise ServiceUnavailable()
    found = response.get("Responses", {})
    return {table: [from_item(item) for item in found.get(table, [])] for table in keys}


def query_all(**arguments: Any) -> list[dict[str, Any]]:
    """Every item of a Query (paginated past 1 MB), deserialised."""
    items: list[dict[str, Any]] = []
    paginator = aws.dynamodb().get_paginator("query")
    for page in paginator.paginate(**arguments):
        items.extend(from_item(item) for item in page.get("Items", []))
    return items
