"""Sign-up, activation-link resend and activation: the rules of PRODUCT.md §2 (1–2) and §3.

Enumeration safety: sign-up and resend return nothing the caller can tell apart; what differs
is only the email that the mailbox's owner receives. A new token is minted only when its
email is actually sent, so a throttled request never invalidates the link a user holds.
"""

import uuid
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from espace_abonne.account_store import Account, AccountStore, StoredToken
from espace_abonne.addresses import email_errors, normalize_email, valid_email
from espace_abonne.clock import Clock
from espace_abonne.email_messages import EmailMessage, activation_email, already_registered_email
from espace_abonne.errors import InvalidInput, InvalidOrExpiredToken
from espace_abonne.mailer import Mailer
from espace_abonne.passwords import hash_password, password_errors
from espace_abonne.tokens import new_token, token_digest

ACTIVATION_LIFETIME = 24 * 3600
EMAILS_PER_ADDRESS = 5
EMAIL_WINDOW = 3600
# A pending account that was sent a link this recently gets no other one from a repeated
# sign-up: a double submit, or concurrent sign-ups of one address, produce a single email.
SIGNUP_REPEAT_GRACE = 60


class Outcome(StrEnum):
    ACCOUNT_CREATED = "account_created"
    ACTIVATION_RENEWED = "activation_renewed"
    ALREADY_ACTIVE_NOTICE = "already_active_notice"
    RESET_LINK_SENT = "reset_link_sent"
    NOTHING_SENT = "nothing_sent"


@dataclass(frozen=True)
class Result:
    outcome: Outcome

    @property
    def email_sent(self) -> bool:
        return self.outcome is not Outcome.NOTHING_SENT


NOTHING = Result(Outcome.NOTHING_SENT)


def log_with_new_email(account: Account, now: int) -> tuple[int, ...] | None:
    """The address's email log with one more email, or None when the hourly cap is reached."""
    recent = tuple(t for t in account.email_log if t > now - EMAIL_WINDOW)
    if len(recent) >= EMAILS_PER_ADDRESS:
        return None
    return (*recent, now)


class AccountService:
    def __init__(self, store: AccountStore, mailer: Mailer, clock: Clock, frontend_url: str) -> None:
        self._store = store
        self._mailer = mailer
        self._clock = clock
        self._frontend_url = frontend_url

    # -- links -------------------------------------------------------------------------------
    def _activation_url(self, token: str) -> str:
        return f"{self._frontend_url}/activation?token={quote(token)}"

    def _already_registered(self, to: str) -> EmailMessage:
        return already_registered_email(
            to, login_url=f"{self._frontend_url}/connexion", reset_url=f"{self._frontend_url}/mot-de-passe/oublie"
        )

    # -- flows -------------------------------------------------------------------------------
    def sign_up(self, email: str, password: str, password_confirmation: str) -> Result:
        email = normalize_email(email)
        errors = email_errors(email) + password_errors(password, password_confirmation)
        if errors:
            raise InvalidInput(errors)

        now = self._clock.now()
        # Hashed on every path, so that a known address answers in the same time as a new one.
        password_hash = hash_password(password)
        token = new_token()
        account = Account(
            email=email,
            account_id=str(uuid.uuid4()),
            status="pending",
            password_hash=password_hash,
            created_at=now,
            version=1,
            email_log=(now,),
        )
        stored = self._activation_token(token.digest, account, password_hash, now)
        if self._store.create_pending(account, stored):
            self._mailer.send(activation_email(email, self._activation_url(token.value)))
            return Result(Outcome.ACCOUNT_CREATED)

        existing = self._store.get(email)
        if existing is None:  # deleted meanwhile: the user can simply try again
            return NOTHING
        if existing.status == "active":
            return self._notify_already_active(existing, now)
        if existing.email_log and now - max(existing.email_log) < SIGNUP_REPEAT_GRACE:
            return NOTHING
        return self.renew_activation(existing, password_hash, now)

    def resend_activation(self, email: str) -> Result:
        email = valid_email(email)
        now = self._clock.now()
        account = self._store.get(email)
        if account is None:
            return NOTHING
        if account.status == "active":
            return self._notify_already_active(account, now)
        return self.renew_activation(account, account.password_hash, now)

    def activate(self, token: str) -> None:
        now = self._clock.now()
        stored = self._store.get_token(token_digest(token))
        if stored is None or stored.kind != "activation" or stored.expires_at <= now:
            raise InvalidOrExpiredToken()
        if not self._store.activate(stored, now):
            raise InvalidOrExpiredToken()

    # -- steps -------------------------------------------------------------------------------
    def _activation_token(self, digest: str, account: Account, password_hash: str, now: int) -> StoredToken:
        # The token carries the password chosen with it: whoever opens the link activates the
        # password of that sign-up, never one set later by someone without the mailbox.
        return StoredToken(
            digest=digest,
            kind="activation",
            email=account.email,
            account_id=account.account_id,
            expires_at=now + ACTIVATION_LIFETIME,
            password_hash=password_hash,
        )

    def renew_activation(self, account: Account, password_hash: str, now: int) -> Result:
        log = log_with_new_email(account, now)
        if log is None:
            return NOTHING
        token = new_token()
        stored = self._activation_token(token.digest, account, password_hash, now)
        if not self._store.renew_pending(account, stored, log):
            return NOTHING  # a concurrent request for this address sent the link
        self._mailer.send(activation_email(account.email, self._activation_url(token.value)))
        return Result(Outcome.ACTIVATION_RENEWED)

    def _notify_already_active(self, account: Account, now: int) -> Result:
        log = log_with_new_email(account, now)
        if log is None or not self._store.record_email(account, log):
            return NOTHING
        self._mailer.send(self._already_registered(account.email))
        return Result(Outcome.ALREADY_ACTIVE_NOTICE)
