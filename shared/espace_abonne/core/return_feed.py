"""The return feed: what subscribers did in the portal that the billing system must know (PRODUCT.md §7).

Each domain records its events here as they happen — in the same transaction as the change when
it can (`entry`), so that a change is never without its record. ReturnFeedTable keeps them by
Paris day; once a day a scheduled function writes each day's records as one JSON-lines file to the
bucket the billing system reads (docs/return-feed.md has the schema).

    pk = DAY#<YYYY-MM-DD, Paris>   sk = <epoch, 10 digits>#<event id>   kind, record, expires_at
"""

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from espace_abonne.core import aws
from espace_abonne.core.clock import iso_time, paris_datetime
from espace_abonne.core.dynamo import query_all, to_item

# One record type per line of the file; the billing system dispatches on it.
FeedKind = Literal[
    "subscription_request",
    "contact_message",
    "paperless_billing",
    "online_payment",
    "meter_reading",
    "leak_attestation",
]
KEPT = 90 * 24 * 3600  # long after its file is written: the file can be written again from it


def paris_day(epoch: int) -> str:
    return paris_datetime(epoch).date().isoformat()


@dataclass(frozen=True)
class FeedEvent:
    kind: FeedKind
    at: int
    event_id: str
    record: dict[str, Any]

    def as_line(self) -> dict[str, Any]:
        """One line of the day's file: type, id and time first, then the record's own fields."""
        return {"type": self.kind, "id": self.event_id, "at": iso_time(self.at), **self.record}


class ReturnFeed:
    def __init__(self, table: str) -> None:
        self._table = table

    def entry(self, kind: FeedKind, record: dict[str, Any], at: int, event_id: str | None = None) -> dict[str, Any]:
        """The transaction item that records an event (with the change it reports, in one transaction).

        `event_id` makes recording twice the same event harmless (e.g. the reference of a request).
        """
        identifier = event_id or str(uuid.uuid4())
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_item(
                    {
                        "pk": f"DAY#{paris_day(at)}",
                        "sk": f"{at:010d}#{identifier}",
                        "kind": kind,
                        "event_id": identifier,
                        "record": record,
                        "expires_at": at + KEPT,
                    }
                ),
            }
        }

    def record(self, kind: FeedKind, record: dict[str, Any], at: int, event_id: str | None = None) -> None:
        aws.dynamodb().put_item(**self.entry(kind, record, at, event_id)["Put"])

    def day(self, day: str) -> list[FeedEvent]:
        """The events of a Paris day, oldest first."""
        items = query_all(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": f"DAY#{day}"}),
            ConsistentRead=True,
        )
        return [
            FeedEvent(
                kind=item["kind"],
                at=int(str(item["sk"]).split("#", 1)[0]),
                event_id=item["event_id"],
                record=_plain(item["record"]),
            )
            for item in items
        ]


def _plain(value: Any) -> Any:
    """DynamoDB's numbers (Decimal) back to int or str, for JSON."""
    from decimal import Decimal

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    return value
