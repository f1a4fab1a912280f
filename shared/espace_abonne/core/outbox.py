"""Work done after the answer: tasks on an SQS queue (OutboxQueue), run by the outbox worker.

Why a queue: the routes that must not tell whether an address has an account (sign-up, resend,
forgot password, email change) make the same AWS calls whatever the address and leave the
lookups, tokens and emails that differ to the worker; and every email is sent from there, so an
SES hiccup never fails a user's request (the message is retried, then kept in a dead-letter
queue that an alarm watches). A token is minted by the worker, never carried in a message.
"""

import json
from dataclasses import dataclass
from typing import Any

from espace_abonne.core.mail import EmailMessage

# The kinds of task, each run by one domain function (functions/outbox/outbox_handler.py).
SEND_EMAIL = "email"
SIGN_UP = "sign_up"
RESEND_ACTIVATION = "resend_activation"
PASSWORD_RESET = "password_reset"  # noqa: S105 (a task kind, not a password)
EMAIL_CHANGE = "email_change"
CONTRACT_ENDED = "contract_ended"
NEW_INVOICE = "new_invoice"
LEAK_ALERT = "leak_alert"
BATCH = 10  # SQS's SendMessageBatch limit


class MalformedTask(ValueError):
    """A message no retry can make valid: the worker logs and drops it."""


@dataclass(frozen=True)
class Task:
    kind: str
    payload: dict[str, Any]
    id: str = ""  # the SQS message id: a task delivered twice is recognised by it

    def body(self) -> str:
        return json.dumps({"kind": self.kind, "payload": self.payload}, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def parse(cls, body: str, message_id: str) -> "Task":
        try:
            value = json.loads(body)
        except ValueError as error:
            raise MalformedTask("body is not JSON") from error
        if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
            raise MalformedTask("no kind")
        payload = value.get("payload")
        if not isinstance(payload, dict):
            raise MalformedTask("no payload")
        return cls(kind=value["kind"], payload=payload, id=message_id)


class Outbox:
    def __init__(self, queue_url: str | None) -> None:
        self._queue_url = queue_url  # None in a function that queues nothing (the worker itself)

    def enqueue(self, kind: str, payload: dict[str, Any]) -> None:
        from espace_abonne.core import aws
        from espace_abonne.core.settings import MissingSetting

        if not self._queue_url:
            raise MissingSetting("OUTBOX_QUEUE_URL")
        aws.sqs().send_message(QueueUrl=self._queue_url, MessageBody=Task(kind, payload).body())

    def enqueue_all(self, kind: str, payloads: list[dict[str, Any]]) -> None:
        """Many tasks of a kind, ten to a request (the import announces new invoices this way)."""
        from espace_abonne.core import aws
        from espace_abonne.core.settings import MissingSetting

        if not self._queue_url:
            raise MissingSetting("OUTBOX_QUEUE_URL")
        for start in range(0, len(payloads), BATCH):
            entries = [
                {"Id": str(n), "MessageBody": Task(kind, payload).body()}
                for n, payload in enumerate(payloads[start : start + BATCH])
            ]
            pending = entries
            for _ in range(3):
                response = aws.sqs().send_message_batch(QueueUrl=self._queue_url, Entries=pending)  # type: ignore[arg-type]
                failed = {f["Id"] for f in response.get("Failed", [])}
                pending = [entry for entry in pending if entry["Id"] in failed]
                if not pending:
                    break
            else:
                raise RuntimeError(f"SQS refused {len(pending)} {kind} tasks")


class QueuedMailer:
    """The mailer of API functions: the rendered email goes to the outbox; the worker sends it."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    def send(self, message: EmailMessage) -> None:
        self._outbox.enqueue(SEND_EMAIL, message.as_payload())
