"""Sign-up and the activation link (PRODUCT.md §2 flows 1–2, §3).

No enumeration: the routes (`sign_up`, `resend_activation`) validate, count the request against
the source IP, and queue a task — the same AWS calls, in the same order, whatever the address.
The outbox worker then runs `perform_sign_up` / `perform_resend`, which look the address up and
send what its owner should get: a new address an activation link, a pending one a fresh link,
an active one « vous avez déjà un compte ». A link is minted only when its email goes out, and
at most 5 emails an hour reach one mailbox (tagged variants `a+1@` included).
"""

import uuid

from espace_abonne.accounts.emails import activation_email, already_registered_email
from espace_abonne.accounts.passwords import hash_password, password_errors
from espace_abonne.accounts.store import Account, AccountStore, StoredToken
from espace_abonne.core import links
from espace_abonne.core.clock import Clock
from espace_abonne.core.email_addresses import email_errors, mailbox_of, normalize_email, valid_email
from espace_abonne.core.errors import InvalidInput, TooManyRequests
from espace_abonne.core.mail import EmailMessage, Mailer
from espace_abonne.core.outbox import RESEND_ACTIVATION, SIGN_UP, Outbox
from espace_abonne.core.throttles import Counter, LimitReached, SendLog, ThrottleStore, per_address
from espace_abonne.core.tokens import new_token

ACTIVATION_LIFETIME = 24 * 3600
PENDING_ACCOUNT_LIFETIME = 7 * 24 * 3600
EMAIL_REQUEST_WINDOW = 3600
# A pending account that was sent a link this recently gets no other one from a repeated
# sign-up: a double submit, or concurrent sign-ups of one address, produce a single email.
SIGNUP_REPEAT_GRACE = 60


class SignupService:
    """The routes: the same AWS calls, in the same order, whatever the address."""

    def __init__(
        self, outbox: Outbox, throttles: ThrottleStore, clock: Clock, email_requests_per_ip_per_hour: int
    ) -> None:
        self._outbox = outbox
        self._throttles = throttles
        self._clock = clock
        self._per_ip = email_requests_per_ip_per_hour

    def count_email_request(self, source_ip: str) -> None:
        """Sign-up, resend and forgot-password make the Régie send email: limited per source IP."""
        counter = Counter(f"email-requests-ip#{per_address(source_ip)}", "all", self._per_ip, EMAIL_REQUEST_WINDOW)
        try:
            self._throttles.take((counter,), self._clock.now())
        except LimitReached as limit:
            raise TooManyRequests(limit.retry_after) from limit

    def sign_up(self, email: str, password: str, password_confirmation: str, source_ip: str) -> None:
        email = normalize_email(email)
        errors = email_errors(email) + password_errors(password, password_confirmation)
        if errors:
            raise InvalidInput(errors)
        self.count_email_request(source_ip)
        # Hashed on every path, so that a known address answers in the same time as a new one.
        self._outbox.enqueue(SIGN_UP, {"email": email, "password_hash": hash_password(password)})

    def resend_activation(self, email: str, source_ip: str) -> None:
        email = valid_email(email)
        self.count_email_request(source_ip)
        self._outbox.enqueue(RESEND_ACTIVATION, {"email": email})


class ActivationLinks:
    """The outbox worker's side: looks the address up and sends what its owner should get."""

    def __init__(self, store: AccountStore, send_log: SendLog, mailer: Mailer, clock: Clock, frontend_url: str) -> None:
        self._store = store
        self._send_log = send_log
        self._mailer = mailer
        self._clock = clock
        self._frontend_url = frontend_url

    def perform_sign_up(self, email: str, password_hash: str, task: str) -> None:
        now = self._clock.now()
        existing = self._store.get(email)
        if existing is not None and existing.last_task == task:
            self._redo(existing, password_hash, now, task)  # a retry after a failed send
            return
        if existing is None or existing.is_gone(now):
            existing = self._create(email, password_hash, now, task)
            if existing is None:
                return
        if existing.status == "active":
            self._notify_already_active(existing, now, task)
        elif now - existing.last_link_at >= SIGNUP_REPEAT_GRACE:
            self.renew_activation(existing, password_hash, task)

    def perform_resend(self, email: str, task: str) -> None:
        now = self._clock.now()
        account = self._store.get(email)
        if account is None or account.is_gone(now):
            return
        if account.last_task == task:
            self._redo(account, account.password_hash, now, task)
        elif account.status == "active":
            self._notify_already_active(account, now, task)
        else:
            self.renew_activation(account, account.password_hash, task)

    def account(self, email: str) -> Account | None:
        """The account of an address, if it exists now (a pending one past its 7 days does not)."""
        account = self._store.get(email)
        return None if account is None or account.is_gone(self._clock.now()) else account

    def renew_activation(self, account: Account, password_hash: str, task: str) -> None:
        """Sends a new activation link (the older ones stop working), within the mailbox's cap."""
        now = self._clock.now()
        mailbox = mailbox_of(account.email)
        if not self._send_log.reserve(mailbox, now):
            return
        token = new_token()
        if not self._store.renew_pending(
            account, self._activation_token(token.digest, account, password_hash, now), now, task
        ):
            self._send_log.release(mailbox, now)  # a concurrent request for this address sent the link
            return
        self._mailer.send(
            activation_email(account.email, links.token_link(self._frontend_url, links.ACTIVATION, token.value))
        )

    # -- steps -------------------------------------------------------------------------------
    def _create(self, email: str, password_hash: str, now: int, task: str) -> Account | None:
        """Creates the pending account and sends its link; the account found instead if the address
        was taken meanwhile (None when there is nothing more to do)."""
        mailbox = mailbox_of(email)
        if not self._send_log.reserve(mailbox, now):
            return None
        account = Account(
            email=email,
            account_id=str(uuid.uuid4()),
            status="pending",
            password_hash=password_hash,
            created_at=now,
            version=1,
            expires_at=now + PENDING_ACCOUNT_LIFETIME,
            last_link_at=now,
            last_task=task,
        )
        token = new_token()
        if self._store.create_pending(account, self._activation_token(token.digest, account, password_hash, now), now):
            self._mailer.send(
                activation_email(email, links.token_link(self._frontend_url, links.ACTIVATION, token.value))
            )
            return None
        self._send_log.release(mailbox, now)
        return self._store.get(email)

    def _redo(self, account: Account, password_hash: str, now: int, task: str) -> None:
        """This task already changed the account, then failed to send: send again (a fresh link,
        since only the hash of the first one was kept)."""
        if account.status == "active":
            self._mailer.send(self._already_registered(account.email))
            return
        token = new_token()
        if self._store.renew_pending(
            account, self._activation_token(token.digest, account, password_hash, now), now, task
        ):
            self._mailer.send(
                activation_email(account.email, links.token_link(self._frontend_url, links.ACTIVATION, token.value))
            )

    def _activation_token(self, digest: str, account: Account, password_hash: str, now: int) -> StoredToken:
        # The token carries the password chosen with it: activation asks for that very password
        # (or lets the mailbox's owner choose one), so a link never activates a password that the
        # person holding it did not type.
        return StoredToken(
            digest=digest,
            kind="activation",
            email=account.email,
            account_id=account.account_id,
            expires_at=now + ACTIVATION_LIFETIME,
            password_hash=password_hash,
        )

    def _already_registered(self, to: str) -> EmailMessage:
        return already_registered_email(
            to,
            login_url=links.page(self._frontend_url, links.LOGIN),
            reset_url=links.page(self._frontend_url, links.FORGOT_PASSWORD),
        )

    def _notify_already_active(self, account: Account, now: int, task: str) -> None:
        mailbox = mailbox_of(account.email)
        if not self._send_log.reserve(mailbox, now):
            return
        if not self._store.record_task(account, task):
            self._send_log.release(mailbox, now)
            return
        self._mailer.send(self._already_registered(account.email))
