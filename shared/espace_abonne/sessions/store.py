"""Data access for sessions: one item per session, under its account (pk account_id, sk digest).

Keeping an account's sessions in one partition makes "end every session of this account" a
strongly consistent Query, and reading a session one GetItem.
"""

from dataclasses import dataclass
from typing import Any

from espace_abonne.core import aws
from espace_abonne.core.dynamo import conditional, from_item, query_all, to_item, transact
from espace_abonne.core.settings import MissingSetting


@dataclass(frozen=True)
class Session:
    account_id: str
    digest: str
    email: str
    created_at: int
    last_seen_at: int
    expires_at: int  # absolute end, also the TTL attribute
    idle_timeout: int  # seconds without a request that end it; 0 = none (« Se souvenir de moi »)
    remember_me: bool
    user_agent: str = ""
    source_ip: str = ""

    def is_live(self, now: int) -> bool:
        if now >= self.expires_at:
            return False
        return not (self.idle_timeout and now - self.last_seen_at >= self.idle_timeout)


def _session_from(values: dict[str, Any]) -> Session:
    return Session(
        account_id=values["account_id"],
        digest=values["session_digest"],
        email=values["email"],
        created_at=int(values["created_at"]),
        last_seen_at=int(values["last_seen_at"]),
        expires_at=int(values["expires_at"]),
        idle_timeout=int(values["idle_timeout"]),
        remember_me=bool(values["remember_me"]),
        user_agent=str(values.get("user_agent", "")),
        source_ip=str(values.get("source_ip", "")),
    )


class SessionStore:
    def __init__(self, sessions_table: str, accounts_table: str | None) -> None:
        self._table = sessions_table
        self._accounts = accounts_table  # only needed to create a session after a login

    def _key(self, account_id: str, digest: str) -> dict[str, Any]:
        return to_item({"account_id": account_id, "session_digest": digest})

    def put_item(self, session: Session) -> dict[str, Any]:
        """The transaction item that stores a new session (activation opens one with the account's update)."""
        item = to_item(
            {
                "account_id": session.account_id,
                "session_digest": session.digest,
                "email": session.email,
                "created_at": session.created_at,
                "last_seen_at": session.last_seen_at,
                "expires_at": session.expires_at,
                "idle_timeout": session.idle_timeout,
                "remember_me": session.remember_me,
                "user_agent": session.user_agent,
                "source_ip": session.source_ip,
            }
        )
        return {
            "Put": {
                "TableName": self._table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(session_digest)",
            }
        }

    def create(self, session: Session, account_email: str, session_version: int) -> bool:
        """Stores the session only if the account's password has not changed since it was checked.

        False when a password change, a reset or a deletion happened in between: that login must not
        survive it. (The one place a store reads another domain's table: the check has to be in the
        same transaction as the write.)
        """
        if self._accounts is None:
            raise MissingSetting("ACCOUNTS_TABLE")
        return transact(
            [
                {
                    "ConditionCheck": {
                        "TableName": self._accounts,
                        "Key": to_item({"email": account_email}),
                        "ConditionExpression": "account_id = :account_id AND session_version = :version",
                        "ExpressionAttributeValues": to_item(
                            {":account_id": session.account_id, ":version": session_version}
                        ),
                    }
                },
                self.put_item(session),
            ]
        )

    def get(self, account_id: str, digest: str) -> Session | None:
        response = aws.dynamodb().get_item(
            TableName=self._table, Key=self._key(account_id, digest), ConsistentRead=True
        )
        item = response.get("Item")
        return _session_from(from_item(item)) if item else None

    def touch(self, session: Session, now: int) -> None:
        conditional(  # ended or touched meanwhile: nothing to do
            lambda: aws.dynamodb().update_item(
                TableName=self._table,
                Key=self._key(session.account_id, session.digest),
                UpdateExpression="SET last_seen_at = :now",
                ConditionExpression="attribute_exists(session_digest) AND last_seen_at < :now",
                ExpressionAttributeValues=to_item({":now": now}),
            )
        )

    def delete(self, account_id: str, digest: str) -> Session | None:
        """Ends a session; returns it as it was, or None if there was none."""
        response = aws.dynamodb().delete_item(
            TableName=self._table, Key=self._key(account_id, digest), ReturnValues="ALL_OLD"
        )
        item = response.get("Attributes")
        return _session_from(from_item(item)) if item else None

    def all_of(self, account_id: str) -> list[Session]:
        """Every session of an account (a consistent Query: none created before is missed)."""
        items = query_all(
            TableName=self._table,
            KeyConditionExpression="account_id = :account_id",
            ExpressionAttributeValues=to_item({":account_id": account_id}),
            ConsistentRead=True,
        )
        return [_session_from(item) for item in items]

    def delete_all_of(self, account_id: str, keep: str | None = None) -> int:
        """Ends every session of an account, but `keep` (a digest) if given."""
        client = aws.dynamodb()
        ended = [s for s in self.all_of(account_id) if s.digest != keep]
        for session in ended:
            client.delete_item(TableName=self._table, Key=self._key(session.account_id, session.digest))
        return len(ended)

    def change_email(self, account_id: str, new_email: str) -> None:
        client = aws.dynamodb()
        for session in self.all_of(account_id):
            client.update_item(
                TableName=self._table,
                Key=self._key(session.account_id, session.digest),
                UpdateExpression="SET email = :email",
                ConditionExpression="attribute_exists(session_digest)",
                ExpressionAttributeValues=to_item({":email": new_email}),
            )
