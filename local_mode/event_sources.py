"""AWS's event sources, driven locally the way AWS drives them (local mode and the tests).

- A queue feeds its worker's real handler with SQS-shaped events, in batches, as Lambda's event
  source mapping does: the messages a handler reports as failed (`batchItemFailures`) are received
  again, and after the queue's `maxReceiveCount` SQS (moto) moves them to the dead-letter queue.
  Locally a failed message is retried at once rather than after the visibility timeout.
- An object created in a bucket that has an S3 event source calls its function with an S3
  event (ObjectCreated), as S3 does; like an asynchronous invocation, a failure is retried twice.
  In a versioned bucket every put is a new version and is announced, with its `versionId` and a
  `sequencer` that grows with each event, as S3 announces it.
- A schedule (EventBridge rule) is triggered by hand: `run_schedule`.

`settle` runs all of it until nothing is left, so that when it returns every message queued and
every object dropped before has been handled: local mode and the tests are deterministic.
"""

import datetime as dt
import hashlib
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from local_mode.template import ACCOUNT_ID, REGION, BucketSource, QueueSource, Template

Invoke = Callable[[str, dict[str, Any]], dict[str, Any]]
# A handler that keeps failing ends in the dead-letter queue; this only guards against a loop.
MAX_ROUNDS = 1000
ASYNC_ATTEMPTS = 3  # Lambda retries an asynchronous invocation twice


def sqs_record(message: dict[str, Any], source: QueueSource) -> dict[str, Any]:
    """One record of an SQS event, as Lambda's event source mapping builds it."""
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", str(int(time.time() * 1000))),
            "SenderId": attributes.get("SenderId", "AIDAEXAMPLE"),
            "ApproximateFirstReceiveTimestamp": attributes.get(
                "ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))
            ),
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(message["Body"].encode("utf-8"), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": source.arn,
        "awsRegion": REGION,
    }


def s3_event(
    bucket: str, key: str, size: int, etag: str, version_id: str | None = None, sequencer: int = 0
) -> dict[str, Any]:
    """An S3 ObjectCreated notification, as S3 sends it to Lambda (the key URL-encoded). A versioned
    bucket's notification names the version created (`versionId`); an unversioned one's has none."""
    s3_object: dict[str, Any] = {"key": quote_plus(key, safe="/"), "size": size, "eTag": etag}
    if version_id is not None:
        s3_object["versionId"] = version_id
    s3_object["sequencer"] = f"{sequencer:018X}"  # hexadecimal, ordering the events of one key
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:LOCAL"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16], "x-amz-id-2": "local"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "local",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "LOCAL"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": s3_object,
                },
            }
        ]
    }


def scheduled_event(function: str, now: int) -> dict[str, Any]:
    """What EventBridge sends a function on a schedule."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": dt.datetime.fromtimestamp(now, dt.UTC).isoformat().replace("+00:00", "Z"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{function}-schedule"],
        "detail": {},
    }


class EventSources:
    def __init__(self, template: Template) -> None:
        self.queues = template.queue_sources()
        self.buckets = template.s3_sources()
        self.schedules = template.schedules()
        # (bucket, key, version id) already announced; the ETag stands for the version in an
        # unversioned bucket, where moto lists every object's version as "null".
        self._notified: set[tuple[str, str, str]] = set()
        self._sequencer = 0

    def settle(self, invoke: Invoke) -> int:
        """Delivers every waiting message and new object to its function; returns how many."""
        handled = 0
        for _ in range(MAX_ROUNDS):
            delivered = self._drain_queues(invoke) + self._announce_new_objects(invoke)
            if not delivered:
                return handled
            handled += delivered
        raise RuntimeError("the event sources never settled")

    def run_schedule(self, function: str, invoke: Invoke, now: int) -> dict[str, Any]:
        """Triggers a scheduled function by hand, with the event its rule would send."""
        if function not in self.schedules:
            raise KeyError(f"{function} has no schedule in template.yaml")
        response = invoke(function, scheduled_event(function, now))
        self.settle(invoke)
        return response

    def _drain_queues(self, invoke: Invoke) -> int:
        import boto3

        sqs = boto3.client("sqs", region_name=REGION)
        handled = 0
        for source in self.queues:
            messages = sqs.receive_message(
                QueueUrl=source.url, MaxNumberOfMessages=min(source.batch_size, 10), WaitTimeSeconds=0,
                AttributeNames=["All"],
            ).get("Messages", [])  # fmt: skip
            if not messages:
                continue
            response = invoke(source.function, {"Records": [sqs_record(dict(m), source) for m in messages]})
            failed = (
                {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])}
                if source.reports_failures
                else set()
            )
            for message in messages:
                if message["MessageId"] in failed:
                    sqs.change_message_visibility(
                        QueueUrl=source.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
                else:
                    sqs.delete_message(QueueUrl=source.url, ReceiptHandle=message["ReceiptHandle"])
            handled += len(messages)
        return handled

    def _announce_new_objects(self, invoke: Invoke) -> int:
        if not self.buckets:
            return 0
        import boto3

        s3 = boto3.client("s3", region_name=REGION)
        announced = 0
        for bucket in {source.bucket for source in self.buckets}:
            created = []
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
                created += page.get("Versions", [])  # delete markers create nothing
            created.reverse()  # S3 lists a key's versions newest first: announce them oldest first
            for entry in sorted(created, key=lambda e: (e["LastModified"], e["Key"])):
                version = entry["VersionId"] if entry.get("VersionId") not in (None, "null") else None
                marker = (bucket, entry["Key"], version or entry["ETag"])
                if marker in self._notified:
                    continue
                self._notified.add(marker)
                for source in self.buckets:
                    if source.bucket == bucket and source.matches(entry["Key"]):
                        self._sequencer += 1
                        event = s3_event(
                            bucket, entry["Key"], int(entry["Size"]), entry["ETag"].strip('"'), version, self._sequencer
                        )
                        self._invoke_async(invoke, source, event)
                        announced += 1
        return announced

    @staticmethod
    def _invoke_async(invoke: Invoke, source: BucketSource, event: dict[str, Any]) -> None:
        key = event["Records"][0]["s3"]["object"]["key"]
        for attempt in range(ASYNC_ATTEMPTS):
            try:
                invoke(source.function, event)
                return
            except Exception as error:
                print(f"{source.function} failed on s3://{source.bucket}/{key} ({attempt + 1}): {error!r}")
