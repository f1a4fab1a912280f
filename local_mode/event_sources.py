"""AWS's event sources, driven locally the way AWS drives them.

A queue feeds its worker's real handler with SQS-shaped events, in batches, as Lambda's event
source mapping does: the messages a handler reports as failed (`batchItemFailures`) are received
again, and after the queue's `maxReceiveCount` SQS (moto) moves them to the dead-letter queue.
Locally a failed message is retried at once instead of after the visibility timeout, so that
draining is deterministic: when `drain` returns, every message queued before has been handled.
"""

import hashlib
import time
from collections.abc import Callable
from typing import Any

from local_mode.template import REGION, QueueSource

Invoke = Callable[[str, dict[str, Any]], dict[str, Any]]
# A handler that keeps failing ends in the dead-letter queue; this only guards against a loop.
MAX_ROUNDS = 1000


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


def drain(sources: list[QueueSource], invoke: Invoke) -> int:
    """Delivers every message waiting in the queues to their functions; returns how many were handled."""
    import boto3

    sqs = boto3.client("sqs", region_name=REGION)
    handled = 0
    for _ in range(MAX_ROUNDS):
        delivered = False
        for source in sources:
            messages = sqs.receive_message(
                QueueUrl=source.url,
                MaxNumberOfMessages=min(source.batch_size, 10),
                WaitTimeSeconds=0,
                AttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                continue
            delivered = True
            records = [sqs_record(dict(m), source) for m in messages]
            response = invoke(source.function, {"Records": records})
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
                    handled += 1
        if not delivered:
            return handled
    raise RuntimeError("the queues never emptied")
