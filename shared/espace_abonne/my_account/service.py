"""« Mon compte »: password and email changes, unlinking, sessions, RGPD export and deletion.

Every change needs the session and the current password (checked by the sessions domain with the
login's counters). The account item itself is this domain's to change (through the accounts
store); sessions, links and requests are changed through their own domains' services, which also
export and forget their own data for the RGPD rights.
"""

import secrets
from dataclasses import dataclass
from typing import Any

from espace_abonne.accounts.passwords import hash_password, password_errors
from espace_abonne.accounts.store import Account, AccountStore, StoredToken
from espace_abonne.contracts.billing_store import Threshold
from espace_abonne.contracts.reading import ContractReader
from espace_abonne.core import links
from espace_abonne.core.clock import Clock, iso_time
from espace_abonne.core.email_addresses import email_errors, mailbox_of, normalize_email
from espace_abonne.core.errors import (
    DomainError,
    FieldError,
    InvalidInput,
    InvalidOrExpiredToken,
    NotAuthenticated,
    ServiceUnavailable,
    TooManyAttempts,
)
from espace_abonne.core.mail import Mailer
from espace_abonne.core.outbox import EMAIL_CHANGE, Outbox
from espace_abonne.core.throttles import Counter, LimitReached, SendLog, ThrottleStore
from espace_abonne.core.tokens import new_token, token_digest
from espace_abonne.my_account.emails import (
    account_deleted_email,
    email_change_confirmation,
    email_change_notice,
    email_changed_email,
    email_changed_old_address_email,
    email_taken_notice,
)
from espace_abonne.requests.service import RequestsService
from espace_abonne.sessions.emails import password_changed_email
from espace_abonne.sessions.login import Authenticated, LoginService
from espace_abonne.sessions.store import Session

EMAIL_CHANGE_LIFETIME = 24 * 3600


@dataclass(frozen=True)
class Preferences:
    new_invoice_emails: bool  # « Nouvelle facture disponible »


EMAIL_CHANGES_PER_ACCOUNT = (5, 3600)


class SessionNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__(404, "session_not_found", "Cette session n'existe pas ou est déjà terminée.")


class MyAccountService:
    def __init__(
        self,
        accounts: AccountStore,
        login: LoginService,
        contracts: ContractReader,
        requests: RequestsService,
        throttles: ThrottleStore,
        send_log: SendLog,
        outbox: Outbox,
        mailer: Mailer,
        clock: Clock,
        frontend_url: str,
    ) -> None:
        self._accounts = accounts
        self._login = login
        self._contracts = contracts
        self._requests = requests
        self._throttles = throttles
        self._send_log = send_log
        self._outbox = outbox
        self._mailer = mailer
        self._clock = clock
        self._frontend_url = frontend_url

    def _account_of(self, caller: Authenticated) -> Account:
        account = self._accounts.get(caller.email)
        if account is None or account.account_id != caller.account_id:
            raise NotAuthenticated()
        return account

    # -- password ----------------------------------------------------------------------------
    def change_password(self, caller: Authenticated, current: str, new: str, confirmation: str, source_ip: str) -> None:
        errors = password_errors(new, confirmation, "new_password", "new_password_confirmation")
        if errors:
            raise InvalidInput(errors)
        account = self._account_of(caller)
        self._login.check_password(account, current, source_ip)
        if not self._accounts.change_password(account, hash_password(new)):
            raise ServiceUnavailable()  # changed by another request meanwhile: try again
        self._login.end_other_sessions(account.account_id, keep=caller.session.digest)
        self._mailer.send(password_changed_email(account.email, links.page(self._frontend_url, links.FORGOT_PASSWORD)))

    # -- email -------------------------------------------------------------------------------
    def request_email_change(self, caller: Authenticated, new_email: str, current: str, source_ip: str) -> None:
        """Same calls and the same answer whether the new address is free or taken: the worker
        (`perform_email_change`) looks it up after the answer."""
        new_email = normalize_email(new_email)
        errors = email_errors(new_email, "new_email")
        if not errors and new_email == caller.email:
            errors = [FieldError("new_email", "same_email", "C'est déjà l'adresse de votre compte.")]
        if errors:
            raise InvalidInput(errors)
        account = self._account_of(caller)
        self._login.check_password(account, current, source_ip)
        try:
            self._throttles.take(
                (Counter(f"email-change#{account.account_id}", "all", *EMAIL_CHANGES_PER_ACCOUNT),), self._clock.now()
            )
        except LimitReached as limit:
            raise TooManyAttempts(limit.retry_after) from limit
        request = secrets.token_hex(8)
        self._accounts.start_email_change(account, request)
        self._outbox.enqueue(
            EMAIL_CHANGE,
            {"account_id": account.account_id, "email": account.email, "new_email": new_email, "request": request},
        )

    def confirm_email_change(self, token: str) -> str:
        now = self._clock.now()
        stored = self._accounts.get_token(token_digest(token))
        if stored is None or stored.kind != "email_change" or stored.expires_at <= now or not stored.new_email:
            raise InvalidOrExpiredToken()
        account = self._accounts.get(stored.email)
        if account is None or account.account_id != stored.account_id:
            raise InvalidOrExpiredToken()
        if not self._accounts.move_to_email(account, stored, now):
            raise InvalidOrExpiredToken()
        self._login.follow_email_change(account.account_id, stored.new_email)
        self._login.forget_failures(account.email)
        self._mailer.send(email_changed_email(stored.new_email))
        self._mailer.send(email_changed_old_address_email(account.email, stored.new_email))
        return stored.new_email

    # -- preferences -------------------------------------------------------------------------
    def preferences(self, caller: Authenticated) -> Preferences:
        return Preferences(new_invoice_emails=self._account_of(caller).new_invoice_emails)

    def set_preferences(self, caller: Authenticated, new_invoice_emails: bool) -> Preferences:
        if not self._accounts.set_new_invoice_emails(self._account_of(caller), new_invoice_emails):
            raise NotAuthenticated()  # the account was deleted or moved meanwhile
        return Preferences(new_invoice_emails=new_invoice_emails)

    # -- contracts and sessions --------------------------------------------------------------
    def unlink(self, caller: Authenticated, contract_number: str) -> None:
        self._contracts.unlink(caller.account_id, contract_number)

    def sessions(self, caller: Authenticated) -> list[Session]:
        return self._login.live_sessions(caller.account_id)

    def end_session(self, caller: Authenticated, session_id: str) -> None:
        if not self._login.end_session(caller.account_id, session_id):
            raise SessionNotFound()

    # -- RGPD --------------------------------------------------------------------------------
    def export(self, caller: Authenticated) -> dict[str, Any]:
        account = self._account_of(caller)
        now = self._clock.now()
        links = self._contracts.export(account.account_id)
        thresholds = self._contracts.thresholds_of(account.account_id, links)
        return {
            "exported_at": iso_time(now),
            "account": {
                "email": account.email,
                "status": account.status,
                "created_at": iso_time(account.created_at),
                "activated_at": iso_time(account.activated_at),
                "emails_sent_last_hour_at": [
                    iso_time(t) for t in self._send_log.recent(mailbox_of(account.email), now)
                ],
                "preferences": {"new_invoice_emails": account.new_invoice_emails},
            },
            "contracts": [
                {
                    "number": link.contract_number,
                    "service_address": link.service_address,
                    "linked_at": iso_time(link.linked_at),
                    "consumption_alerts": _thresholds(thresholds.get(link.contract_number)),
                }
                for link in links
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
                for s in self._login.export(account.account_id)
            ],
            "requests": [
                {k: (iso_time(int(v)) if k in ("created_at", "expires_at") else v) for k, v in request.items()}
                for request in self._requests.export(account.account_id)
            ],
        }

    def delete_account(self, caller: Authenticated, current: str, source_ip: str) -> None:
        account = self._account_of(caller)
        self._login.check_password(account, current, source_ip)
        # No session may outlive the account, whatever the interleaving with a login: closing makes
        # every login checked before it fail; a login that starts later, before the account is
        # gone, opens a session that the second sweep ends; after that, no login finds the account.
        if not self._accounts.close(account):
            raise ServiceUnavailable()
        self._login.forget(account.account_id)
        self._contracts.forget(account.account_id)
        self._requests.forget(account.account_id)
        # The account item goes last: if anything fails before, the user can log in and retry.
        if not self._accounts.delete(account):
            raise ServiceUnavailable()
        self._login.forget(account.account_id)
        self._login.forget_failures(account.email)
        self._mailer.send(account_deleted_email(account.email))


class EmailChangeSender:
    """The outbox worker's side of an email change."""

    def __init__(
        self, accounts: AccountStore, send_log: SendLog, mailer: Mailer, clock: Clock, frontend_url: str
    ) -> None:
        self._accounts = accounts
        self._send_log = send_log
        self._mailer = mailer
        self._clock = clock
        self._frontend_url = frontend_url

    def perform_email_change(self, account_id: str, email: str, new_email: str, task: str, request: str) -> None:
        """Run by the outbox worker. The account's own address gets the same notice either way; the
        new address gets a confirmation link if it is free, or a notice that it is taken — unless a
        newer request came meanwhile (its own task answers it)."""
        now = self._clock.now()
        account = self._accounts.get(email)
        if account is None or account.account_id != account_id or account.status != "active":
            return  # the account moved or was deleted since
        retry = account.last_task == task
        new_mailbox = mailbox_of(new_email)
        holder = self._accounts.get(new_email)
        taken = holder is not None and not holder.is_gone(now)
        newest = account.email_change_request == request
        if newest and (retry or self._send_log.reserve(new_mailbox, now)):
            if taken:
                self._mailer.send(email_taken_notice(new_email))
            else:
                token = new_token()
                stored = StoredToken(
                    digest=token.digest,
                    kind="email_change",
                    email=account.email,
                    account_id=account.account_id,
                    expires_at=now + EMAIL_CHANGE_LIFETIME,
                    new_email=new_email,
                )
                if not self._accounts.issue_email_change(account, stored, task, request):
                    self._send_log.release(new_mailbox, now)
                    raise ServiceUnavailable()  # changed meanwhile: the task is retried
                confirm_url = links.token_link(self._frontend_url, links.EMAIL_CONFIRMATION, token.value)
                self._mailer.send(email_change_confirmation(new_email, confirm_url))
        self._mailer.send(email_change_notice(account.email, new_email))


def _thresholds(threshold: Threshold | None) -> dict[str, Any] | None:
    if threshold is None:
        return None
    return {
        "daily_litres": threshold.daily_limit_l,
        "monthly_m3": threshold.monthly_limit_m3,
        "set_at": iso_time(threshold.set_at),
    }
