"""« Mot de passe oublié » (PRODUCT.md §2 flow 4, §3 Activation and reset links).

The route validates, counts the request against the source IP and queues a task: the same AWS
calls whatever the address. The outbox worker (`perform_request`) sends an active account a
reset link, a pending one a fresh activation link (it cannot log in yet), an unknown one nothing.
"""

from espace_abonne.accounts.passwords import hash_password, password_errors
from espace_abonne.accounts.signup import ActivationLinks, SignupService
from espace_abonne.accounts.store import AccountStore, StoredToken
from espace_abonne.core import links
from espace_abonne.core.clock import Clock
from espace_abonne.core.email_addresses import mailbox_of, valid_email
from espace_abonne.core.errors import InvalidInput, InvalidOrExpiredToken
from espace_abonne.core.mail import Mailer
from espace_abonne.core.outbox import PASSWORD_RESET, Outbox
from espace_abonne.core.throttles import SendLog
from espace_abonne.core.tokens import new_token, token_digest
from espace_abonne.sessions.emails import password_changed_email, password_reset_email
from espace_abonne.sessions.login import LoginService

RESET_LIFETIME = 3600


class PasswordResetService:
    """The routes: ask for a reset link, and use it."""

    def __init__(
        self,
        signups: SignupService,
        store: AccountStore,
        login: LoginService,
        outbox: Outbox,
        mailer: Mailer,
        clock: Clock,
        frontend_url: str,
    ) -> None:
        self._signups = signups
        self._store = store
        self._login = login
        self._outbox = outbox
        self._mailer = mailer
        self._clock = clock
        self._frontend_url = frontend_url

    def request_reset(self, email: str, source_ip: str) -> None:
        email = valid_email(email)
        self._signups.count_email_request(source_ip)
        self._outbox.enqueue(PASSWORD_RESET, {"email": email})

    def confirm(self, token: str, password: str, password_confirmation: str) -> None:
        errors = password_errors(password, password_confirmation)
        if errors:
            raise InvalidInput(errors)
        now = self._clock.now()
        stored = self._store.get_token(token_digest(token))
        if stored is None or stored.kind != "reset" or stored.expires_at <= now:
            raise InvalidOrExpiredToken()
        if not self._store.reset_password(stored, hash_password(password)):
            raise InvalidOrExpiredToken()
        # Sessions are already invalid (the account's session version moved); remove them too.
        self._login.forget(stored.account_id)
        self._login.forget_failures(stored.email)
        self._mailer.send(password_changed_email(stored.email, links.page(self._frontend_url, links.FORGOT_PASSWORD)))


class ResetLinkSender:
    """The outbox worker's side: only the mailbox's owner learns anything."""

    def __init__(
        self,
        accounts: ActivationLinks,
        store: AccountStore,
        send_log: SendLog,
        mailer: Mailer,
        clock: Clock,
        frontend_url: str,
    ) -> None:
        self._accounts = accounts
        self._store = store
        self._send_log = send_log
        self._mailer = mailer
        self._clock = clock
        self._frontend_url = frontend_url

    def perform_request(self, email: str, task: str) -> None:
        now = self._clock.now()
        account = self._accounts.account(email)
        if account is None:
            return
        if account.status == "pending":  # it cannot log in yet: what it needs is its activation link
            self._accounts.renew_activation(account, account.password_hash, task)
            return
        mailbox = mailbox_of(account.email)
        counted = account.last_task != task  # a retry of this task was counted the first time
        if counted and not self._send_log.reserve(mailbox, now):
            return
        token = new_token()
        stored = StoredToken(
            digest=token.digest,
            kind="reset",
            email=account.email,
            account_id=account.account_id,
            expires_at=now + RESET_LIFETIME,
        )
        if not self._store.issue_reset(account, stored, task):
            if counted:
                self._send_log.release(mailbox, now)  # a concurrent request for this address sent the link
            return
        self._mailer.send(
            password_reset_email(account.email, links.token_link(self._frontend_url, links.PASSWORD_RESET, token.value))
        )
