"""Throttles in DynamoDB (ThrottlesTable: atomic updates, TTL), never in process memory.

A `Counter` counts within fixed windows (`window` seconds, aligned on the epoch). Taking an
attempt is one transaction that increments every counter concerned only if none is at its
limit, so parallel attempts can never pass a limit; a successful attempt gives its unit back.

A `SendLog` keeps the times of the last sends to one mailbox (a sliding window, exact): it caps
the emails one address receives in an hour, whatever the requests that cause them.
"""

import ipaddress
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from espace_abonne.core import aws
from espace_abonne.core.dynamo import conditional, from_item, to_item

# Items outlive their window a little, so that the code, not TTL, decides when they stop counting.
TTL_GRACE = 3600
CONFLICT_RETRIES = 3


def per_address(ip: str) -> str:
    """What a per-IP limit counts: an IPv4 address, or the /64 of an IPv6 one — an ISP gives each
    line a whole /64, and its holder may use any address in it."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


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


class SendLog:
    """The sends of the last `window` seconds to each mailbox, one item per mailbox."""

    def __init__(self, throttles_table: str, limit: int, window: int) -> None:
        self._table = throttles_table
        self._limit = limit
        self._window = window

    def _key(self, mailbox: str) -> dict[str, Any]:
        return to_item({"pk": f"mailbox#{mailbox}", "sk": "sends"})

    def _read(self, mailbox: str) -> tuple[list[int], int]:
        """The send times kept for the mailbox, and the item's version."""
        client = aws.dynamodb()
        item = client.get_item(TableName=self._table, Key=self._key(mailbox), ConsistentRead=True).get("Item")
        values = from_item(item) if item else {}
        return [int(t) for t in values.get("times", [])], int(values.get("version", 0))

    def _write(self, mailbox: str, times: list[int], version: int, now: int) -> bool:
        """Replaces the times if nobody else did since they were read (version)."""

        def update() -> object:
            return aws.dynamodb().update_item(
                TableName=self._table,
                Key=self._key(mailbox),
                UpdateExpression="SET times = :times, version = :next, expires_at = :expires",
                ConditionExpression="attribute_not_exists(version) OR version = :version",
                ExpressionAttributeValues=to_item(
                    {
                        ":times": times,
                        ":next": version + 1,
                        ":version": version,
                        ":expires": now + self._window + TTL_GRACE,
                    }
                ),
            )

        return conditional(update)

    def recent(self, mailbox: str, now: int) -> tuple[int, ...]:
        times, _ = self._read(mailbox)
        return tuple(t for t in times if t > now - self._window)

    def reserve(self, mailbox: str, now: int) -> bool:
        """Counts one send to the mailbox now; False (and nothing counted) when it had its share."""
        for _ in range(CONFLICT_RETRIES):
            times, version = self._read(mailbox)
            recent = [t for t in times if t > now - self._window]
            if len(recent) >= self._limit:
                return False
            if self._write(mailbox, [*recent, now], version, now):
                return True
        return False  # lost to concurrent sends three times: this one is not sent

    def release(self, mailbox: str, at: int) -> None:
        """Gives back a reservation whose email was not sent after all (a concurrent request sent it)."""
        for _ in range(CONFLICT_RETRIES):
            times, version = self._read(mailbox)
            if at not in times:
                return
            times.remove(at)
            if self._write(mailbox, times, version, at):
                return
