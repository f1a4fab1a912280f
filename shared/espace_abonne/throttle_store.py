"""Failure counters in DynamoDB (atomic updates, TTL), never in process memory.

A counter counts within fixed windows (`window` seconds, aligned on the epoch). Taking an
attempt is one transaction that increments every counter concerned only if none is at its
limit, so parallel attempts can never pass a limit; a successful attempt gives its unit back.
"""

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from espace_abonne import aws
from espace_abonne.dynamo import to_item

# Items outlive their window a little, so that the code, not TTL, decides when they stop counting.
TTL_GRACE = 3600
CONFLICT_RETRIES = 3


@dataclass(frozen=True)
class Counter:
    partition: str  # e.g. "login-email#camille@example.fr"
    scope: str  # e.g. "ip#203.0.113.7" or "all"
    limit: int
    window: int  # seconds

    def key(self, now: int) -> dict[str, Any]:
        return to_item({"pk": self.partition, "sk": f"{self.scope}#{self.window_start(now)}"})

    def window_start(self, now: int) -> int:
        return now - now % self.window

    def retry_after(self, now: int) -> int:
        return self.window_start(now) + self.window - now


@dataclass(frozen=True)
class Attempt:
    """Counters taken at one moment: giving the attempt back hits the same windows."""

    counters: tuple[Counter, ...]
    at: int


class LimitReached(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"limit reached, retry after {retry_after}s")
        self.retry_after = retry_after


class ThrottleStore:
    def __init__(self, throttles_table: str) -> None:
        self._table = throttles_table

    @property
    def table(self) -> str:
        return self._table

    def _increment(self, counter: Counter, now: int) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Key": counter.key(now),
            "UpdateExpression": "ADD attempts :one SET expires_at = :expires",
            "ExpressionAttributeValues": to_item(
                {":one": 1, ":expires": counter.window_start(now) + counter.window + TTL_GRACE}
            ),
        }

    def record(self, counters: tuple[Counter, ...], now: int) -> None:
        """Counts one failure on every counter, whatever their level (checked by the caller)."""
        aws.dynamodb().transact_write_items(
            TransactItems=[{"Update": self._increment(counter, now)} for counter in counters]  # type: ignore[typeddict-item]
        )

    def take(self, counters: tuple[Counter, ...], now: int) -> Attempt:
        """Counts one attempt on every counter, or raises `LimitReached` and counts nothing."""
        updates = []
        for counter in counters:
            update = self._increment(counter, now)
            update["ConditionExpression"] = "attribute_not_exists(attempts) OR attempts < :limit"
            update["ExpressionAttributeValues"] |= to_item({":limit": counter.limit})
            updates.append({"Update": update})
        for _ in range(CONFLICT_RETRIES):
            try:
                aws.dynamodb().transact_write_items(TransactItems=updates)  # type: ignore[arg-type]
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                reasons = error.response.get("CancellationReasons", [])
                full = [c for c, r in zip(counters, reasons, strict=False) if r.get("Code") == "ConditionalCheckFailed"]
                if full:
                    raise LimitReached(max(c.retry_after(now) for c in full)) from error
                continue  # lost to a concurrent attempt on the same counters: count again
            return Attempt(counters, now)
        raise LimitReached(1)

    def give_back(self, attempt: Attempt) -> None:
        aws.dynamodb().transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": counter.key(attempt.at),
                        "UpdateExpression": "ADD attempts :minus_one",
                        "ExpressionAttributeValues": to_item({":minus_one": -1}),
                    }
                }
                for counter in attempt.counters
            ]
        )

    def clear(self, partition: str) -> None:
        """Forgets every counter of a partition (e.g. an email's login failures)."""
        client = aws.dynamodb()
        paginator = client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": partition}),
            ProjectionExpression="pk, sk",
        ):
            for item in page.get("Items", []):
                client.delete_item(TableName=self._table, Key={"pk": item["pk"], "sk": item["sk"]})
