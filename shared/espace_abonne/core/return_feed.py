"""The return feed: what subscribers did in the portal that the billing system must know (PRODUCT.md §7).

Each domain records its events here as they happen — in the same transaction as the change when
it can (`entry`), so that a change is never without its record. ReturnFeedTable keeps them by
Paris day; once a day a scheduled function (ReturnFeedFunction) writes each day's records as one
JSON-lines file to the bucket the billing system reads (`ReturnFeedFile`; docs/return-feed.md has
the schema).

    pk = DAY#<YYYY-MM-DD, Paris>   sk = <epoch, 10 digits>#<event id>   kind, record, expires_at

A day's file is named after the day (`2026/11/espace-abonne-2026-11-29.jsonl`) and holds that
day's records, oldest first, one per line, each with its fields in a fixed order: writing a day
again gives the same file.
"""

import datetime as dt
import json
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
        """One line of the day's file: type, id and time first, then the record's own fields by name
        (DynamoDB keeps a map's fields in no particular order)."""
        return {"type": self.kind, "id": self.event_id, "at": iso_time(self.at), **dict(sorted(self.record.items()))}


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


def file_key(day: str) -> str:
    """Where a Paris day's file goes in the return-feed bucket: `YYYY/MM/espace-abonne-YYYY-MM-DD.jsonl`."""
    return f"{day[:4]}/{day[5:7]}/espace-abonne-{day}.jsonl"


def file_body(events: list[FeedEvent]) -> bytes:
    return "".join(
        json.dumps(event.as_line(), ensure_ascii=False, separators=(",", ":")) + "\n" for event in events
    ).encode("utf-8")


def is_day(text: str) -> bool:
    """`YYYY-MM-DD`, a date that exists."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def previous_day(epoch: int) -> str:
    """The Paris day before the one `epoch` falls in (the day the nightly run writes)."""
    return (paris_datetime(epoch).date() - dt.timedelta(days=1)).isoformat()


@dataclass(frozen=True)
class WrittenFile:
    day: str
    key: str
    records: int


class ReturnFeedFile:
    """Writes a day's records to the bucket the billing system reads."""

    def __init__(self, feed: ReturnFeed, bucket: str) -> None:
        self._feed = feed
        self._bucket = bucket

    def write(self, day: str) -> WrittenFile:
        if not is_day(day):
            raise ValueError(f"not a day: {day!r}")
        events = self._feed.day(day)
        key = file_key(day)
        aws.s3().put_object(
            Bucket=self._bucket,
            Key=key,
            Body=file_body(events),
            ContentType="application/x-ndjson; charset=utf-8",
        )
        return WrittenFile(day=day, key=key, records=len(events))
