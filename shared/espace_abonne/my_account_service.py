"""« Mon compte »: password and email changes, unlinking, sessions, RGPD export and deletion."""

from typing import Any
from urllib.parse import quote

from espace_abonne.account_store import Account, AccountStore, StoredToken
from espace_abonne.addresses import email_errors, normalize_email
from espace_abonne.clock import Clock, iso_time
from espace_abonne.contract_service import ContractNotFound
from espace_abonne.email_messages import (
    account_deleted_email,
    email_change_confirmation,
    email_change_notice,
    email_changed_email,
    email_taken_notice,
    password_changed_email,
)
from espace_abonne.errors import (
    DomainError,
    FieldError,
    InvalidInput,
    InvalidOrExpiredToken,
    NotAuthenticated,
    ServiceUnavailable,
    TooManyAttempts,
)
from espace_abonne.link_store import LinkStore
from espace_abonne.login_service import Authenticated, login_counters, login_email_partition
from espace_abonne.mailer import Mailer
from espace_abonne.passwords import hash_password, password_errors, verify_password
from espace_abonne.requests_store import RequestsStore
from espace_abonne.session_store import Session, SessionStore
from espace_abonne.throttle_store import Counter, LimitReached, ThrottleStore
from espace_abonne.tokens import new_token, token_digest

EMAIL_CHANGE_LIFETIME = 24 * 3600
EMAIL_CHANGES_PER_ACCOUNT = (5, 3600)


class SessionNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__(404, "session_not_found", "Cette session n'existe pas ou est déjà terminée.")


class MyAccountService:
    def __init__(
        self,
        accounts: AccountStore,
        sessions: SessionStore,
        links: LinkStore,
        requests: RequestsStore,
        throttles: ThrottleStore,
        mailer: Mailer,
        clock: Clock,
        frontend_url: str,
    ) -> None:
        self._accounts = accounts
        self._sessions = sessions
        self._links = links
        self._requests = requests
        self._throttles = throttles
        self._mailer = mailer
        self._clock = clock
        self._frontend_url = frontend_url

    # -- checks ------------------------------------------------------------------------------
    def _account_of(self, caller: Authenticated) -> Account:
        account = self._accounts.get(caller.email)
        if account is None or account.account_id != caller.account_id:
            raise NotAuthenticated()
        return account

    def _check_current_password(self, account: Account, password: str, source_ip: str) -> None:
        """Same counters as the login: a stolen session cannot be used to guess the password."""
        now = self._clock.now()
        try:
            attempt = self._throttles.take(login_counters(account.email, source_ip), now)
        except LimitReached as limit:
            raise TooManyAttempts(limit.retry_after) from limit
        if not verify_password(account.password_hash, password):
            raise InvalidInput(
                [FieldError("current_password", "invalid_current_password", "Le mot de passe actuel est incorrect.")]
            )
        self._throttles.give_back(attempt)

    # -- password ----------------------------------------------------------------------------
    def change_password(self, caller: Authenticated, current: str, new: str, confirmation: str, source_ip: str) -> None:
        errors = password_errors(new, confirmation, "new_password", "new_password_confirmation")
        if errors:
            raise InvalidInput(errors)
        account = self._account_of(caller)
        self._check_current_password(account, current, source_ip)
        if not self._accounts.change_password(account, hash_password(new)):
            raise ServiceUnavailable()  # changed by another request meanwhile: try again
        self._sessions.delete_all_of(account.account_id, keep=caller.session.digest)
        self._mailer.send(password_changed_email(account.email, f"{self._frontend_url}/mot-de-passe/oublie"))

    # -- email -------------------------------------------------------------------------------
    def request_email_change(self, caller: Authenticated, new_email: str, current: str, source_ip: str) -> None:
        new_email = normalize_email(new_email)
        errors = email_errors(new_email, "new_email")
        if not errors and new_email == caller.email:
            errors = [FieldError("new_email", "same_email", "C'est déjà l'adresse de votre compte.")]
        if errors:
            raise InvalidInput(errors)
        account = self._account_of(caller)
        self._check_current_password(account, current, source_ip)
        now = self._clock.now()
        try:
            self._throttles.take(
                (Counter(f"email-change#{account.account_id}", "all", *EMAIL_CHANGES_PER_ACCOUNT),), now
            )
        except LimitReached as limit:
            raise TooManyAttempts(limit.retry_after) from limit
        if self._accounts.get(new_email) is not None:
            # Same answer as a free address: only the new mailbox learns it is taken.
            self._mailer.send(email_taken_notice(new_email))
            return
        token = new_token()
        stored = StoredToken(
            digest=token.digest,
            kind="email_change",
            email=account.email,
            account_id=account.account_id,
            expires_at=now + EMAIL_CHANGE_LIFETIME,
            new_email=new_email,
        )
        if not self._accounts.issue_email_change(account, stored):
            raise ServiceUnavailable()
        url = f"{self._frontend_url}/email/confirmation?token={quote(token.value)}"
        self._mailer.send(email_change_confirmation(new_email, url))
        self._mailer.send(email_change_notice(account.email, new_email))

    def confirm_email_change(self, token: str) -> str:
        now = self._clock.now()
        stored = self._accounts.get_token(token_digest(token))
        if stored is None or stored.kind != "email_change" or stored.expires_at <= now or not stored.new_email:
            raise InvalidOrExpiredToken()
        account = self._accounts.get(stored.email)
        if account is None or account.account_id != stored.account_id:
            raise InvalidOrExpiredToken()
        if not self._accounts.move_to_email(account, stored):
            raise InvalidOrExpiredToken()
        self._sessions.change_email(account.account_id, stored.new_email)
        self._throttles.clear(login_email_partition(account.email))
        self._mailer.send(email_changed_email(stored.new_email))
        return stored.new_email

    # -- contracts and sessions --------------------------------------------------------------
    def unlink(self, caller: Authenticated, contract_number: str) -> None:
        if not self._links.unlink(caller.account_id, contract_number):
            raise ContractNotFound()

    def sessions(self, caller: Authenticated) -> list[Session]:
        now = self._clock.now()
        live = [
            s
            for s in self._sessions.all_of(caller.account_id)
            if now < s.expires_at and not (s.idle_timeout and now - s.last_seen_at >= s.idle_timeout)
        ]
        return sorted(live, key=lambda s: s.last_seen_at, reverse=True)

    def end_session(self, caller: Authenticated, session_id: str) -> None:
        if len(session_id) != 64 or self._sessions.delete(caller.account_id, session_id) is None:
            raise SessionNotFound()

    # -- RGPD --------------------------------------------------------------------------------
    def export(self, caller: Authenticated) -> dict[str, Any]:
        account = self._account_of(caller)
        return {
            "exported_at": iso_time(self._clock.now()),
            "account": {
                "email": account.email,
                "status": account.status,
                "created_at": iso_time(account.created_at),
                "activated_at": iso_time(account.activated_at),
                "emails_sent_last_hour_at": [iso_time(t) for t in account.email_log],
            },
            "contracts": [
                {
                    "number": link["contract_number"],
                    "service_address": link["service_address"],
                    "linked_at": iso_time(int(link["linked_at"])),
                }
                for link in self._links.export(account.account_id)
            ],
            "sessions": [
                {
                    "created_at": iso_time(s.created_at),
                    "last_seen_at": iso_time(s.last_seen_at),
                    "expires_at": iso_time(s.expires_at),
                    "remember_me": s.remember_me,
                    "user_agent": s.user_agent,
                    "source_ip": s.source_ip,
                }
                for s in self._sessions.all_of(account.account_id)
            ],
            "requests": [
                {
                    k: (iso_time(int(v)) if k in ("created_at", "expires_at") else v)
                    for k, v in r.items()
                    if k != "account_id"
                }
                for r in sorted(self._requests.of_account(account.account_id), key=lambda r: int(r["created_at"]))
            ],
        }

    def delete_account(self, caller: Authenticated, current: str, source_ip: str) -> None:
        account = self._account_of(caller)
        self._check_current_password(account, current, source_ip)
        # The account item goes last: if anything fails before, the user can log in and retry.
        self._links.unlink_all(account.account_id)
        self._requests.detach(account.account_id)
        self._sessions.delete_all_of(account.account_id)
        if not self._accounts.delete(account):
            raise ServiceUnavailable()
        self._throttles.clear(login_email_partition(account.email))
        self._mailer.send(account_deleted_email(account.email))
