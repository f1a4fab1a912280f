"""Data access for accounts and their email tokens.

Accounts table: one item per normalised email (the key makes the address unique).
Tokens table: one item per token digest, expiring through TTL (`expires_at`) and, because
TTL deletes late, checked against the clock by the code as well.
"""

from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

from espace_abonne import aws
from espace_abonne.dynamo import from_item, is_condition_failure, to_item

AccountStatus = Literal["pending", "active"]
TokenKind = Literal["activation", "reset", "email_change"]


@dataclass(frozen=True)
class Account:
    email: str
    account_id: str
    status: AccountStatus
    password_hash: str
    created_at: int
    version: int
    email_log: tuple[int, ...] = ()
    activation_token_digest: str | None = None
    reset_token_digest: str | None = None
    # Raised when the password changes: a login checked against the old one cannot open a session.
    session_version: int = 0
    activated_at: int | None = None
    email_change_token_digest: str | None = None


@dataclass(frozen=True)
class StoredToken:
    digest: str
    kind: TokenKind
    email: str
    account_id: str
    expires_at: int
    password_hash: str | None = None
    new_email: str | None = None  # email_change tokens: the address to move to


def _account_from(values: dict[str, Any]) -> Account:
    return Account(
        email=values["email"],
        account_id=values["account_id"],
        status=values["status"],
        password_hash=values["password_hash"],
        created_at=int(values["created_at"]),
        version=int(values["version"]),
        email_log=tuple(int(t) for t in values.get("email_log", [])),
        activation_token_digest=values.get("activation_token_digest"),
        reset_token_digest=values.get("reset_token_digest"),
        session_version=int(values.get("session_version", 0)),
        activated_at=int(values["activated_at"]) if "activated_at" in values else None,
        email_change_token_digest=values.get("email_change_token_digest"),
    )


class AccountStore:
    def __init__(self, accounts_table: str, tokens_table: str) -> None:
        self._accounts = accounts_table
        self._tokens = tokens_table

    def _token_put(self, token: StoredToken) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._tokens,
                "Item": to_item(
                    {
                        "token_digest": token.digest,
                        "kind": token.kind,
                        "email": token.email,
                        "account_id": token.account_id,
                        "password_hash": token.password_hash,
                        "new_email": token.new_email,
                        "expires_at": token.expires_at,
                    }
                ),
                "ConditionExpression": "attribute_not_exists(token_digest)",
            }
        }

    def _token_use(self, token: StoredToken) -> dict[str, Any]:
        """Deletes the token in a transaction, which fails if another request already used it."""
        return {
            "Delete": {
                "TableName": self._tokens,
                "Key": to_item({"token_digest": token.digest}),
                "ConditionExpression": "attribute_exists(token_digest)",
            }
        }

    def _transact(self, items: list[dict[str, Any]]) -> bool:
        try:
            aws.dynamodb().transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def get(self, email: str) -> Account | None:
        response = aws.dynamodb().get_item(TableName=self._accounts, Key=to_item({"email": email}), ConsistentRead=True)
        item = response.get("Item")
        return _account_from(from_item(item)) if item else None

    def create_pending(self, account: Account, token: StoredToken) -> bool:
        """Creates the account with its first activation token; False if the address is taken."""
        account_item = to_item(
            {
                "email": account.email,
                "account_id": account.account_id,
                "status": account.status,
                "password_hash": account.password_hash,
                "created_at": account.created_at,
                "version": account.version,
                "email_log": list(account.email_log),
                "activation_token_digest": token.digest,
                "session_version": account.session_version,
            }
        )
        return self._transact(
            [
                {
                    "Put": {
                        "TableName": self._accounts,
                        "Item": account_item,
                        "ConditionExpression": "attribute_not_exists(email)",
                    }
                },
                self._token_put(token),
            ]
        )

    def renew_pending(self, account: Account, token: StoredToken, email_log: tuple[int, ...]) -> bool:
        """Replaces a pending account's activation token (and the password it will activate).

        False if the account changed since it was read (another request won the race).
        """
        return self._transact(
            [
                {
                    "Update": {
                        "TableName": self._accounts,
                        "Key": to_item({"email": account.email}),
                        "UpdateExpression": "SET password_hash = :hash, activation_token_digest = :digest, "
                        "email_log = :log, version = :next",
                        "ConditionExpression": "version = :version AND #status = :pending",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": to_item(
                            {
                                ":hash": token.password_hash,
                                ":digest": token.digest,
                                ":log": list(email_log),
                                ":next": account.version + 1,
                                ":version": account.version,
                                ":pending": "pending",
                            }
                        ),
                    }
                },
                self._token_put(token),
            ]
        )

    def record_email(self, account: Account, email_log: tuple[int, ...]) -> bool:
        """Stores the address's recent email times; False if the account changed meanwhile."""
        try:
            aws.dynamodb().update_item(
                TableName=self._accounts,
                Key=to_item({"email": account.email}),
                UpdateExpression="SET email_log = :log, version = :next",
                ConditionExpression="version = :version",
                ExpressionAttributeValues=to_item(
                    {":log": list(email_log), ":next": account.version + 1, ":version": account.version}
                ),
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def get_token(self, digest: str) -> StoredToken | None:
        response = aws.dynamodb().get_item(
            TableName=self._tokens, Key=to_item({"token_digest": digest}), ConsistentRead=True
        )
        item = response.get("Item")
        if not item:
            return None
        values = from_item(item)
        return StoredToken(
            digest=values["token_digest"],
            kind=values["kind"],
            email=values["email"],
            account_id=values["account_id"],
            expires_at=int(values["expires_at"]),
            password_hash=values.get("password_hash"),
            new_email=values.get("new_email"),
        )

    def activate(self, token: StoredToken, now: int) -> bool:
        """Consumes the token and activates the account in one transaction.

        False if the token was already used, or is no longer the account's newest one.
        """
        return self._transact(
            [
                self._token_use(token),
                {
                    "Update": {
                        "TableName": self._accounts,
                        "Key": to_item({"email": token.email}),
                        "UpdateExpression": "SET #status = :active, password_hash = :hash, activated_at = :now, "
                        "version = version + :one REMOVE activation_token_digest",
                        "ConditionExpression": "#status = :pending AND activation_token_digest = :digest "
                        "AND account_id = :account_id",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": to_item(
                            {
                                ":active": "active",
                                ":pending": "pending",
                                ":hash": token.password_hash,
                                ":now": now,
                                ":one": 1,
                                ":digest": token.digest,
                                ":account_id": token.account_id,
                            }
                        ),
                    }
                },
            ]
        )

    def issue_reset(self, account: Account, token: StoredToken, email_log: tuple[int, ...]) -> bool:
        """Makes `token` the account's only valid reset token; False if the account changed meanwhile."""
        return self._transact(
            [
                {
                    "Update": {
                        "TableName": self._accounts,
                        "Key": to_item({"email": account.email}),
                        "UpdateExpression": "SET reset_token_digest = :digest, email_log = :log, version = :next",
                        "ConditionExpression": "version = :version AND #status = :active",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": to_item(
                            {
                                ":digest": token.digest,
                                ":log": list(email_log),
                                ":next": account.version + 1,
                                ":version": account.version,
                                ":active": "active",
                            }
                        ),
                    }
                },
                self._token_put(token),
            ]
        )

    def reset_password(self, token: StoredToken, password_hash: str) -> bool:
        """Consumes a reset token and sets the new password, ending every session of the account.

        False if the token was already used or is no longer the account's newest one.
        """
        return self._transact(
            [
                self._token_use(token),
                {
                    "Update": {
                        "TableName": self._accounts,
                        "Key": to_item({"email": token.email}),
                        "UpdateExpression": "SET password_hash = :hash, version = version + :one, "
                        "session_version = session_version + :one REMOVE reset_token_digest",
                        "ConditionExpression": "#status = :active AND reset_token_digest = :digest "
                        "AND account_id = :account_id",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": to_item(
                            {
                                ":hash": password_hash,
                                ":one": 1,
                                ":active": "active",
                                ":digest": token.digest,
                                ":account_id": token.account_id,
                            }
                        ),
                    }
                },
            ]
        )

    def update_password_hash(self, account: Account, password_hash: str) -> None:
        """Re-hash with the current parameters (same password): sessions stay valid."""
        try:
            aws.dynamodb().update_item(
                TableName=self._accounts,
                Key=to_item({"email": account.email}),
                UpdateExpression="SET password_hash = :hash",
                ConditionExpression="password_hash = :old",
                ExpressionAttributeValues=to_item({":hash": password_hash, ":old": account.password_hash}),
            )
        except ClientError as error:
            if not is_condition_failure(error):  # changed meanwhile: the newer hash stays
                raise

    def change_password(self, account: Account, password_hash: str) -> bool:
        """Sets a new password (the caller checked the current one); older logins cannot open sessions."""
        try:
            aws.dynamodb().update_item(
                TableName=self._accounts,
                Key=to_item({"email": account.email}),
                UpdateExpression="SET password_hash = :hash, version = :next, session_version = session_version + :one",
                ConditionExpression="version = :version AND account_id = :account_id",
                ExpressionAttributeValues=to_item(
                    {
                        ":hash": password_hash,
                        ":next": account.version + 1,
                        ":version": account.version,
                        ":account_id": account.account_id,
                        ":one": 1,
                    }
                ),
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def issue_email_change(self, account: Account, token: StoredToken) -> bool:
        """Makes `token` the account's only valid email-change token."""
        return self._transact(
            [
                {
                    "Update": {
                        "TableName": self._accounts,
                        "Key": to_item({"email": account.email}),
                        "UpdateExpression": "SET email_change_token_digest = :digest, version = :next",
                        "ConditionExpression": "version = :version",
                        "ExpressionAttributeValues": to_item(
                            {":digest": token.digest, ":next": account.version + 1, ":version": account.version}
                        ),
                    }
                },
                self._token_put(token),
            ]
        )

    def move_to_email(self, account: Account, token: StoredToken) -> bool:
        """Moves the account to the token's new address in one transaction.

        False if the token was used, is not the newest, the account changed, or the new address
        was taken meanwhile.
        """
        if token.new_email is None:
            return False
        values = {
            "email": token.new_email,
            "account_id": account.account_id,
            "status": account.status,
            "password_hash": account.password_hash,
            "created_at": account.created_at,
            "activated_at": account.activated_at,
            "version": account.version + 1,
            "email_log": list(account.email_log),
            "session_version": account.session_version,
        }
        return self._transact(
            [
                self._token_use(token),
                {
                    "Delete": {
                        "TableName": self._accounts,
                        "Key": to_item({"email": account.email}),
                        "ConditionExpression": "version = :version AND email_change_token_digest = :digest",
                        "ExpressionAttributeValues": to_item({":version": account.version, ":digest": token.digest}),
                    }
                },
                {
                    "Put": {
                        "TableName": self._accounts,
                        "Item": to_item(values),
                        "ConditionExpression": "attribute_not_exists(email)",
                    }
                },
            ]
        )

    def delete(self, account: Account) -> bool:
        """Erases the account and the tokens it points to."""
        pending_tokens = [
            d for d in (account.activation_token_digest, account.reset_token_digest, account.email_change_token_digest)
            if d
        ]  # fmt: skip
        return self._transact(
            [
                {
                    "Delete": {
                        "TableName": self._accounts,
                        "Key": to_item({"email": account.email}),
                        "ConditionExpression": "account_id = :account_id",
                        "ExpressionAttributeValues": to_item({":account_id": account.account_id}),
                    }
                },
                *(
                    {"Delete": {"TableName": self._tokens, "Key": to_item({"token_digest": digest})}}
                    for digest in pending_tokens
                ),
            ]
        )
