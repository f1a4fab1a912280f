"""Data access for sessions: one item per session-token digest, found by account through `ByAccount`."""

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from espace_abonne import aws
from espace_abonne.dynamo import from_item, is_condition_failure, to_item

BY_ACCOUNT_INDEX = "ByAccount"


@dataclass(frozen=True)
class Session:
    digest: str
    account_id: str
    email: str
    created_at: int
    last_seen_at: int
    expires_at: int  # absolute end, also the TTL attribute
    idle_timeout: int  # seconds without a request that end it; 0 = none (« Se souvenir de moi »)
    session_version: int
    remember_me: bool


def _session_from(values: dict[str, Any]) -> Session:
    return Session(
        digest=values["session_digest"],
        account_id=values["account_id"],
        email=values["email"],
        created_at=int(values["created_at"]),
        last_seen_at=int(values["last_seen_at"]),
        expires_at=int(values["expires_at"]),
        idle_timeout=int(values["idle_timeout"]),
        session_version=int(values["session_version"]),
        remember_me=bool(values["remember_me"]),
    )


class SessionStore:
    def __init__(self, sessions_table: str) -> None:
        self._table = sessions_table

    def create(self, session: Session) -> None:
        aws.dynamodb().put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "session_digest": session.digest,
                    "account_id": session.account_id,
                    "email": session.email,
                    "created_at": session.created_at,
                    "last_seen_at": session.last_seen_at,
                    "expires_at": session.expires_at,
                    "idle_timeout": session.idle_timeout,
                    "session_version": session.session_version,
                    "remember_me": session.remember_me,
                }
            ),
            ConditionExpression="attribute_not_exists(session_digest)",
        )

    def get(self, digest: str) -> Session | None:
        response = aws.dynamodb().get_item(
            TableName=self._table, Key=to_item({"session_digest": digest}), ConsistentRead=True
        )
        item = response.get("Item")
        return _session_from(from_item(item)) if item else None

    def touch(self, digest: str, now: int) -> None:
        try:
            aws.dynamodb().update_item(
                TableName=self._table,
                Key=to_item({"session_digest": digest}),
                UpdateExpression="SET last_seen_at = :now",
                ConditionExpression="attribute_exists(session_digest) AND last_seen_at < :now",
                ExpressionAttributeValues=to_item({":now": now}),
            )
        except ClientError as error:
            if not is_condition_failure(error):  # ended or touched meanwhile: nothing to do
                raise

    def delete(self, digest: str) -> Session | None:
        """Ends a session; returns it as it was, or None if there was none."""
        response = aws.dynamodb().delete_item(
            TableName=self._table, Key=to_item({"session_digest": digest}), ReturnValues="ALL_OLD"
        )
        item = response.get("Attributes")
        return _session_from(from_item(item)) if item else None

    def delete_all_of(self, account_id: str) -> int:
        """Deletes every session of an account (clean-up: they are already invalid by version)."""
        client = aws.dynamodb()
        deleted = 0
        paginator = client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            IndexName=BY_ACCOUNT_INDEX,
            KeyConditionExpression="account_id = :account_id",
            ExpressionAttributeValues=to_item({":account_id": account_id}),
            ProjectionExpression="session_digest",
        ):
            for item in page.get("Items", []):
                client.delete_item(TableName=self._table, Key={"session_digest": item["session_digest"]})
                deleted += 1
        return deleted
