"""Data access for accounts and their email tokens.

AccountsTable: one item per normalised email (the key makes the address unique); a pending
account carries `expires_at` (7 days, DynamoDB TTL) until it is activated. The ByAccountId index
(keys only) finds an account's address from its id.
TokensTable: one item per token digest, expiring through TTL (`expires_at`) and, because TTL
deletes late, checked against the clock by the code as well.

Every write that a concurrent request could make stale is conditional on the account's
`version`; the outbox worker also records which task (`last_task`) last changed the account, so
that a task delivered twice is recognised.
"""

from dataclasses import dataclass
from typing import Any, Literal

from espace_abonne.core import aws
from espace_abonne.core.dynamo import conditional, from_item, to_item, transact
from espace_abonne.core.settings import MissingSetting

AccountStatus = Literal["pending", "active"]
TokenKind = Literal["activation", "reset", "email_change"]
BY_ACCOUNT_ID_INDEX = "ByAccountId"


@dataclass(frozen=True)
class Account:
    email: str
    account_id: str
    status: AccountStatus
    password_hash: str
    created_at: int
    version: int
    activation_token_digest: str | None = None
    reset_token_digest: str | None = None
    # Raised when the password changes or the account closes: a login checked before cannot open a session.
    session_version: int = 0
    activated_at: int | None = None
    email_change_token_digest: str | None = None
    # The newest email-change request: only its worker task may issue a link.
    email_change_request: str = ""
    expires_at: int | None = None  # pending accounts only
    last_link_at: int = 0  # when the newest activation link was sent
    last_task: str = ""
    # « Nouvelle facture disponible » emails (a preference of « Mon compte », on unless turned off).
    new_invoice_emails: bool = True

    def is_gone(self, now: int) -> bool:
        """A pending account past its 7 days: TTL deletes it late, the code treats it as gone now."""
        return self.status == "pending" and self.expires_at is not None and self.expires_at <= now


@dataclass(frozen=True)
class StoredToken:
    digest: str
    kind: TokenKind
    email: str
    account_id: str
    expires_at: int
    password_hash: str | None = None  # activation tokens: the password of the sign-up that sent the link
    new_email: str | None = None  # email_change tokens: the address to move to


def _account_from(values: dict[str, Any]) -> Account:
    return Account(
        email=values["email"],
        account_id=values["account_id"],
        status=values["status"],
        password_hash=values["password_hash"],
        created_at=int(values["created_at"]),
        version=int(values["version"]),
        activation_token_digest=values.get("activation_token_digest"),
        reset_token_digest=values.get("reset_token_digest"),
        session_version=int(values.get("session_version", 0)),
        activated_at=int(values["activated_at"]) if "activated_at" in values else None,
        email_change_token_digest=values.get("email_change_token_digest"),
        email_change_request=str(values.get("email_change_request", "")),
        expires_at=int(values["expires_at"]) if "expires_at" in values else None,
        last_link_at=int(values.get("last_link_at", 0)),
        last_task=str(values.get("last_task", "")),
        new_invoice_emails=bool(values.get("new_invoice_emails", True)),
    )


class AccountStore:
    def __init__(self, accounts_table: str, tokens_table: str | None) -> None:
        self._accounts = accounts_table
        self._tokens_table = tokens_table  # only functions that use emailed links have it

    @property
    def _tokens(self) -> str:
        if self._tokens_table is None:
            raise MissingSetting("TOKENS_TABLE")
        return self._tokens_table

    def _key(self, email: str) -> dict[str, Any]:
        return to_item({"email": email})

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

    def _versioned_update(
        self, account: Account, set_values: dict[str, Any], remove: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """An Update of the account as it was read: it fails if anything changed it since."""
        names = {f"#{name}": name for name in set_values}
        values = {f":{name}": value for name, value in set_values.items()}
        expression = "SET " + ", ".join(f"#{name} = :{name}" for name in set_values) + ", version = :next"
        if remove:
            expression += " REMOVE " + ", ".join(remove)
        return {
            "Update": {
                "TableName": self._accounts,
                "Key": self._key(account.email),
                "UpdateExpression": expression,
                "ConditionExpression": "version = :version AND account_id = :account_id",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item(
                    {
                        **values,
                        ":next": account.version + 1,
                        ":version": account.version,
                        ":account_id": account.account_id,
                    }
                ),
            }
        }

    # -- reads -------------------------------------------------------------------------------
    def get(self, email: str) -> Account | None:
        response = aws.dynamodb().get_item(TableName=self._accounts, Key=self._key(email), ConsistentRead=True)
        item = response.get("Item")
        return _account_from(from_item(item)) if item else None

    def email_of(self, account_id: str) -> str | None:
        """The current address of an account (eventually consistent index: for notices only)."""
        response = aws.dynamodb().query(
            TableName=self._accounts,
            IndexName=BY_ACCOUNT_ID_INDEX,
            KeyConditionExpression="account_id = :account_id",
            ExpressionAttributeValues=to_item({":account_id": account_id}),
        )
        items = response.get("Items", [])
        return str(from_item(items[0])["email"]) if items else None

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

    # -- pending accounts --------------------------------------------------------------------
    def create_pending(self, account: Account, token: StoredToken, now: int) -> bool:
        """Creates the account with its first activation token; False if the address is taken.

        A pending account past its expiry counts as free: it is replaced (its links die with it,
        as they name the old account id).
        """
        account_item = to_item(
            {
                "email": account.email,
                "account_id": account.account_id,
                "status": account.status,
                "password_hash": account.password_hash,
                "created_at": account.created_at,
                "version": account.version,
                "activation_token_digest": token.digest,
                "session_version": account.session_version,
                "expires_at": account.expires_at,
                "last_link_at": account.last_link_at,
                "last_task": account.last_task,
            }
        )
        return transact(
            [
                {
                    "Put": {
                        "TableName": self._accounts,
                        "Item": account_item,
                        "ConditionExpression": "attribute_not_exists(email) "
                        "OR (#status = :pending AND expires_at <= :now)",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": to_item({":pending": "pending", ":now": now}),
                    }
                },
                self._token_put(token),
            ]
        )

    def renew_pending(self, account: Account, token: StoredToken, now: int, task: str) -> bool:
        """Makes `token` the pending account's only valid activation link (with the password it carries).

        False if the account changed since it was read (another request won the race).
        """
        update = self._versioned_update(
            account,
            {"password_hash": token.password_hash, "activation_token_digest": token.digest, "last_link_at": now,
             "last_task": task},
        )  # fmt: skip
        update["Update"]["ConditionExpression"] += " AND #status = :pending"
        update["Update"]["ExpressionAttributeNames"]["#status"] = "status"
        update["Update"]["ExpressionAttributeValues"] |= to_item({":pending": "pending"})
        return transact([update, self._token_put(token)])

    def record_task(self, account: Account, task: str) -> bool:
        """Notes that `task` acted on the account (a notice was sent); False if it changed meanwhile."""
        return transact([self._versioned_update(account, {"last_task": task})])

    def activate(self, token: StoredToken, password_hash: str, now: int, with_items: list[dict[str, Any]]) -> bool:
        """Consumes the token and activates the account with `password_hash`, in one transaction
        with `with_items` (the session that activation opens).

        False if the token was already used, is no longer the account's newest one, or the
        pending account expired.
        """
        return transact(
            [
                self._token_use(token),
                {
                    "Update": {
                        "TableName": self._accounts,
                        "Key": self._key(token.email),
                        "UpdateExpression": "SET #status = :active, password_hash = :hash, activated_at = :now, "
                        "version = version + :one REMOVE activation_token_digest, expires_at",
                        "ConditionExpression": "#status = :pending AND activation_token_digest = :digest "
                        "AND account_id = :account_id AND expires_at > :now",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": to_item(
                            {
                                ":active": "active",
                                ":pending": "pending",
                                ":hash": password_hash,
                                ":now": now,
                                ":one": 1,
                                ":digest": token.digest,
                                ":account_id": token.account_id,
                            }
                        ),
                    }
                },
                *with_items,
            ]
        )

    # -- passwords ---------------------------------------------------------------------------
    def issue_reset(self, account: Account, token: StoredToken, task: str) -> bool:
        """Makes `token` the account's only valid reset token; False if the account changed meanwhile."""
        update = self._versioned_update(account, {"reset_token_digest": token.digest, "last_task": task})
        update["Update"]["ConditionExpression"] += " AND #status = :active"
        update["Update"]["ExpressionAttributeNames"]["#status"] = "status"
        update["Update"]["ExpressionAttributeValues"] |= to_item({":active": "active"})
        return transact([update, self._token_put(token)])

    def reset_password(self, token: StoredToken, password_hash: str) -> bool:
        """Consumes a reset token and sets the new password: every session of the account ends and
        a pending email change dies with the old password.

        False if the token was already used or is no longer the account's newest one.
        """
        return transact(
            [
                self._token_use(token),
                {
                    "Update": {
                        "TableName": self._accounts,
                        "Key": self._key(token.email),
                        "UpdateExpression": "SET password_hash = :hash, version = version + :one, "
                        "session_version = session_version + :one REMOVE reset_token_digest, email_change_token_digest",
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
        conditional(  # changed meanwhile: the newer hash stays
            lambda: aws.dynamodb().update_item(
                TableName=self._accounts,
                Key=self._key(account.email),
                UpdateExpression="SET password_hash = :hash",
                ConditionExpression="password_hash = :old",
                ExpressionAttributeValues=to_item({":hash": password_hash, ":old": account.password_hash}),
            )
        )

    def change_password(self, account: Account, password_hash: str) -> bool:
        """Sets a new password (the caller checked the current one); older logins cannot open
        sessions, and a pending email change dies with the old password."""
        update = self._versioned_update(
            account, {"password_hash": password_hash}, remove=("email_change_token_digest",)
        )
        update["Update"]["UpdateExpression"] = update["Update"]["UpdateExpression"].replace(
            ", version = :next", ", version = :next, session_version = session_version + :one"
        )
        update["Update"]["ExpressionAttributeValues"] |= to_item({":one": 1})
        return transact([update])

    # -- email change ------------------------------------------------------------------------
    def issue_email_change(self, account: Account, token: StoredToken, task: str, request: str) -> bool:
        """Makes `token` the account's only valid email-change token, if `request` is still the newest."""
        update = self._versioned_update(account, {"email_change_token_digest": token.digest, "last_task": task})
        newest = (
            "#request = :request" if request else "attribute_not_exists(#request)"
        )  # a task queued before requests had ids
        update["Update"]["ConditionExpression"] += f" AND #status = :active AND {newest}"
        update["Update"]["ExpressionAttributeNames"] |= {"#status": "status", "#request": "email_change_request"}
        update["Update"]["ExpressionAttributeValues"] |= to_item(
            {":active": "active"} | ({":request": request} if request else {})
        )
        return transact([update, self._token_put(token)])

    def start_email_change(self, account: Account, request: str) -> None:
        """A new request: the pending link stops working, whether or not this one gets a link, and
        only this request's task may issue the next one (an older task still queued may not)."""
        conditional(
            lambda: aws.dynamodb().update_item(
                TableName=self._accounts,
                Key=self._key(account.email),
                UpdateExpression="SET email_change_request = :request REMOVE email_change_token_digest",
                ConditionExpression="account_id = :account_id",
                ExpressionAttributeValues=to_item({":request": request, ":account_id": account.account_id}),
            )
        )

    def move_to_email(self, account: Account, token: StoredToken, now: int) -> bool:
        """Moves the account to the token's new address in one transaction.

        False if the token was used, is not the newest (a reset, a password change or a newer
        request removed it), the account changed, or the new address was taken meanwhile.
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
            "session_version": account.session_version,
            "new_invoice_emails": account.new_invoice_emails,
        }
        return transact(
            [
                self._token_use(token),
                {
                    "Delete": {
                        "TableName": self._accounts,
                        "Key": self._key(account.email),
                        "ConditionExpression": "version = :version AND email_change_token_digest = :digest",
                        "ExpressionAttributeValues": to_item({":version": account.version, ":digest": token.digest}),
                    }
                },
                {
                    "Put": {
                        "TableName": self._accounts,
                        "Item": to_item(values),
                        # Free, or a sign-up never activated whose 7 days are over (TTL deletes it late).
                        "ConditionExpression": "attribute_not_exists(email) "
                        "OR (#status = :pending AND expires_at <= :now)",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": to_item({":pending": "pending", ":now": now}),
                    }
                },
            ]
        )

    # -- preferences -------------------------------------------------------------------------
    def set_new_invoice_emails(self, account: Account, enabled: bool) -> bool:
        """False if the account is gone (or moved to another address) meanwhile. Not versioned: a
        preference changes nothing that another request's versioned write relies on."""
        return conditional(
            lambda: aws.dynamodb().update_item(
                TableName=self._accounts,
                Key=self._key(account.email),
                UpdateExpression="SET new_invoice_emails = :enabled",
                ConditionExpression="account_id = :account_id",
                ExpressionAttributeValues=to_item({":enabled": enabled, ":account_id": account.account_id}),
            )
        )

    # -- closing -----------------------------------------------------------------------------
    def close(self, account: Account) -> bool:
        """First step of a deletion: no login checked before it can open a session any more, and no
        pending email change can move the account."""
        return conditional(
            lambda: aws.dynamodb().update_item(
                TableName=self._accounts,
                Key=self._key(account.email),
                UpdateExpression="SET session_version = session_version + :one, version = version + :one "
                "REMOVE email_change_token_digest",
                ConditionExpression="account_id = :account_id",
                ExpressionAttributeValues=to_item({":one": 1, ":account_id": account.account_id}),
            )
        )

    def delete(self, account: Account) -> bool:
        """Erases the account and the tokens it points to."""
        pending_tokens = [
            d for d in (account.activation_token_digest, account.reset_token_digest, account.email_change_token_digest)
            if d
        ]  # fmt: skip
        return transact(
            [
                {
                    "Delete": {
                        "TableName": self._accounts,
                        "Key": self._key(account.email),
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
