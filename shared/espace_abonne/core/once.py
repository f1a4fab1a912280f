"""Things done once per recipient — « Nouvelle facture disponible » to one account for one invoice —
however many times the task that does them is delivered (SQS delivers at least once).

A marker in ThrottlesTable (pk `once#<what>`, sk the recipient), taken with a conditional write
before the thing is done and given back if doing it fails, so that the retry does it. Two
deliveries at once: one takes the marker, the other does nothing. Markers expire (TTL) long after
the last redelivery could come (the outbox keeps a task 4 days, its dead-letter queue 14).
"""

from typing import TYPE_CHECKING

from espace_abonne.core import aws
from espace_abonne.core.dynamo import conditional, to_item

if TYPE_CHECKING:
    from espace_abonne.core.mail import EmailMessage, Mailer

KEPT = 60 * 24 * 3600


class OnceLog:
    def __init__(self, throttles_table: str) -> None:
        self._table = throttles_table

    def _key(self, what: str, recipient: str) -> dict[str, dict[str, str]]:
        return to_item({"pk": f"once#{what}", "sk": recipient})

    def take(self, what: str, recipient: str, now: int) -> bool:
        """True if nobody did it yet (it is now this caller's to do); False if it was done."""
        return conditional(
            lambda: aws.dynamodb().update_item(
                TableName=self._table,
                Key=self._key(what, recipient),
                UpdateExpression="SET done_at = :now, expires_at = :expires",
                ConditionExpression="attribute_not_exists(done_at)",
                ExpressionAttributeValues=to_item({":now": now, ":expires": now + KEPT}),
            )
        )

    def give_back(self, what: str, recipient: str) -> None:
        """Doing it failed: the next delivery of the task does it."""
        aws.dynamodb().update_item(
            TableName=self._table, Key=self._key(what, recipient), UpdateExpression="REMOVE done_at"
        )

    def send(self, what: str, recipient: str, now: int, mailer: "Mailer", message: "EmailMessage") -> bool:
        """Sends `message` unless it was sent already; a send that fails gives the marker back (and
        raises), so that the task's next delivery sends it. True if this call sent it."""
        if not self.take(what, recipient, now):
            return False
        try:
            mailer.send(message)
        except Exception:
            self.give_back(what, recipient)
            raise
        return True
