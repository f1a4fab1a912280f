"""« Mot de passe oublié » (PRODUCT.md §2 flow 4, §3 Activation and reset links)."""

from urllib.parse import quote

from espace_abonne.account_service import NOTHING, AccountService, Outcome, Result, log_with_new_email
from espace_abonne.account_store import AccountStore, StoredToken
from espace_abonne.addresses import valid_email
from espace_abonne.clock import Clock
from espace_abonne.email_messages import password_changed_email, password_reset_email
from espace_abonne.errors import InvalidInput, InvalidOrExpiredToken
from espace_abonne.login_service import login_email_partition
from espace_abonne.mailer import Mailer
from espace_abonne.passwords import hash_password, password_errors
from espace_abonne.session_store import SessionStore
from espace_abonne.throttle_store import ThrottleStore
from espace_abonne.tokens import new_token, token_digest

RESET_LIFETIME = 3600


class PasswordResetService:
    def __init__(
        self,
        accounts: AccountService,
        store: AccountStore,
        sessions: SessionStore,
        throttles: ThrottleStore,
        mailer: Mailer,
        clock: Clock,
        frontend_url: str,
    ) -> None:
        self._accounts = accounts
        self._store = store
        self._sessions = sessions
        self._throttles = throttles
        self._mailer = mailer
        self._clock = clock
        self._frontend_url = frontend_url

    def request_reset(self, email: str) -> Result:
        """Enumeration-safe: the caller learns nothing; only the mailbox's owner gets an email."""
        email = valid_email(email)
        now = self._clock.now()
        account = self._store.get(email)
        if account is None:
            return NOTHING
        if account.status == "pending":  # it cannot log in yet: what it needs is its activation link
            return self._accounts.renew_activation(account, account.password_hash, now)
        log = log_with_new_email(account, now)
        if log is None:
            return NOTHING
        token = new_token()
        stored = StoredToken(
            digest=token.digest,
            kind="reset",
            email=account.email,
            account_id=account.account_id,
            expires_at=now + RESET_LIFETIME,
        )
        if not self._store.issue_reset(account, stored, log):
            return NOTHING  # a concurrent request for this address sent the link
        url = f"{self._frontend_url}/mot-de-passe/reinitialisation?token={quote(token.value)}"
        self._mailer.send(password_reset_email(account.email, url))
        return Result(Outcome.RESET_LINK_SENT)

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
        self._sessions.delete_all_of(stored.account_id)
        self._throttles.clear(login_email_partition(stored.email))
        self._mailer.send(password_changed_email(stored.email, f"{self._frontend_url}/mot-de-passe/oublie"))
