"""Log in, sessions and log out (PRODUCT.md §2 flow 3, §3 Sessions, Throttling of logins)."""

from dataclasses import dataclass

from espace_abonne.accounts.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from espace_abonne.accounts.store import Account, AccountStore
from espace_abonne.core.clock import Clock
from espace_abonne.core.email_addresses import MAX_EMAIL_LENGTH, email_errors, normalize_email
from espace_abonne.core.errors import DomainError, FieldError, InvalidInput, TooManyAttempts
from espace_abonne.core.throttles import Counter, LimitReached, ThrottleStore, per_address
from espace_abonne.core.tokens import new_token, token_digest
from espace_abonne.sessions.store import Session, SessionStore

SESSION_ABSOLUTE_LIFETIME = 12 * 3600
SESSION_IDLE_TIMEOUT = 30 * 60
REMEMBER_ME_LIFETIME = 30 * 24 * 3600
# Writing last_seen_at on every request would double the cost of each; once a minute is enough
# for a 30-minute idle timeout (a session ends after 30 to 31 minutes without a request).
TOUCH_INTERVAL = 60

FAILURES_PER_EMAIL_AND_IP = (5, 15 * 60)
FAILURES_PER_EMAIL = (100, 3600)
FAILURES_PER_IP = (50, 15 * 60)


def login_email_partition(email: str) -> str:
    return f"login-email#{email}"


def login_counters(email: str, source_ip: str) -> tuple[Counter, ...]:
    return (
        Counter(login_email_partition(email), f"ip#{per_address(source_ip)}", *FAILURES_PER_EMAIL_AND_IP),
        Counter(login_email_partition(email), "all", *FAILURES_PER_EMAIL),
        Counter(f"login-ip#{per_address(source_ip)}", "all", *FAILURES_PER_IP),
    )


class InvalidCredentials(DomainError):
    def __init__(self) -> None:
        super().__init__(401, "invalid_credentials", "Adresse email ou mot de passe incorrect.")


class AccountNotActivated(DomainError):
    def __init__(self) -> None:
        super().__init__(
            403,
            "account_not_activated",
            "Votre compte n'est pas encore activé : ouvrez le lien reçu par email, "
            "ou demandez un nouveau lien d'activation.",
        )


@dataclass(frozen=True)
class LoggedIn:
    email: str
    session_cookie_value: str  # "<account id>.<secret>": goes into the cookie only
    max_age: int | None  # cookie Max-Age; None = browser session


@dataclass(frozen=True)
class Authenticated:
    account_id: str
    email: str
    session: Session


def _cookie_value(account_id: str, secret: str) -> str:
    return f"{account_id}.{secret}"


def _parse_cookie_value(value: str) -> tuple[str, str] | None:
    account_id, sep, secret = value.partition(".")
    if not sep or not account_id or not secret or len(value) > 200:
        return None
    return account_id, secret


def new_session(
    account: Account, remember_me: bool, now: int, source_ip: str, user_agent: str
) -> tuple[Session, LoggedIn]:
    """A session for the account and what its cookie carries (stored by the caller)."""
    token = new_token()
    lifetime = REMEMBER_ME_LIFETIME if remember_me else SESSION_ABSOLUTE_LIFETIME
    session = Session(
        account_id=account.account_id,
        digest=token.digest,
        email=account.email,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        idle_timeout=0 if remember_me else SESSION_IDLE_TIMEOUT,
        remember_me=remember_me,
        user_agent=user_agent[:200],
        source_ip=source_ip,
    )
    cookie = LoggedIn(
        account.email,
        _cookie_value(account.account_id, token.value),
        REMEMBER_ME_LIFETIME if remember_me else None,
    )
    return session, cookie


class LoginService:
    def __init__(self, accounts: AccountStore, sessions: SessionStore, throttles: ThrottleStore, clock: Clock) -> None:
        self._accounts = accounts
        self._sessions = sessions
        self._throttles = throttles
        self._clock = clock

    def log_in(self, email: str, password: str, remember_me: bool, source_ip: str, user_agent: str = "") -> LoggedIn:
        email = normalize_email(email)
        now = self._clock.now()
        # An address longer than any account's is only counted against the source IP: as a key it
        # would pass DynamoDB's limit. It is then unknown like any other.
        counters = (
            login_counters(email, source_ip) if len(email) <= MAX_EMAIL_LENGTH else login_counters("", source_ip)[2:]
        )
        try:
            # Counted before the password is checked, the same for known and unknown addresses.
            attempt = self._throttles.take(counters, now)
        except LimitReached as limit:
            raise TooManyAttempts(limit.retry_after) from limit

        # An address that cannot exist is simply unknown (and never reaches DynamoDB as a key).
        account = None if email_errors(email) else self._accounts.get(email)
        if account is not None and account.is_gone(now):
            account = None
        # One hash computation on every path: an unknown address is checked against a dummy hash.
        if not verify_password(account.password_hash if account else DUMMY_HASH, password) or account is None:
            raise InvalidCredentials()

        self._throttles.give_back(attempt)  # the right password is not a failure
        if account.status != "active":
            raise AccountNotActivated()
        if needs_rehash(account.password_hash):
            self._accounts.update_password_hash(account, hash_password(password))
        session, logged_in = new_session(account, remember_me, now, source_ip, user_agent)
        if not self._sessions.create(session, account.email, account.session_version):
            raise InvalidCredentials()  # the password changed, or the account closed, while this login was checked
        return logged_in

    def check_password(self, account: Account, password: str, source_ip: str, field: str = "current_password") -> None:
        """The current password, asked again before a sensitive change: counted with the login's
        counters, so that a stolen session cannot be used to guess it."""
        now = self._clock.now()
        try:
            attempt = self._throttles.take(login_counters(account.email, source_ip), now)
        except LimitReached as limit:
            raise TooManyAttempts(limit.retry_after) from limit
        if not verify_password(account.password_hash, password):
            raise InvalidInput([FieldError(field, "invalid_current_password", "Le mot de passe actuel est incorrect.")])
        self._throttles.give_back(attempt)

    def forget_failures(self, email: str) -> None:
        """A completed reset (or a new address) starts the address's login counters afresh."""
        self._throttles.clear(login_email_partition(email))

    def authenticate(self, cookie_value: str) -> Authenticated | None:
        """The account behind a session cookie, if the session is still valid (one read).

        A password reset or an account deletion deletes the account's sessions, so the session
        item alone tells whether the cookie still opens the account.
        """
        parsed = _parse_cookie_value(cookie_value)
        if parsed is None:
            return None
        account_id, secret = parsed
        now = self._clock.now()
        session = self._sessions.get(account_id, token_digest(secret))
        if session is None or not session.is_live(now):
            return None
        if now - session.last_seen_at >= TOUCH_INTERVAL:
            self._sessions.touch(session, now)
        return Authenticated(session.account_id, session.email, session)

    def log_out(self, cookie_value: str) -> bool:
        """Ends the session on the server; False if there was no live session to end."""
        parsed = _parse_cookie_value(cookie_value)
        if parsed is None:
            return False
        account_id, secret = parsed
        ended = self._sessions.delete(account_id, token_digest(secret))
        return ended is not None and ended.is_live(self._clock.now())

    # -- what « Mon compte » shows and the RGPD rights ---------------------------------------
    def live_sessions(self, account_id: str) -> list[Session]:
        now = self._clock.now()
        live = [s for s in self._sessions.all_of(account_id) if s.is_live(now)]
        return sorted(live, key=lambda s: s.last_seen_at, reverse=True)

    def end_session(self, account_id: str, digest: str) -> bool:
        return len(digest) == 64 and self._sessions.delete(account_id, digest) is not None

    def end_other_sessions(self, account_id: str, keep: str | None = None) -> None:
        self._sessions.delete_all_of(account_id, keep=keep)

    def export(self, account_id: str) -> list[Session]:
        return self._sessions.all_of(account_id)

    def forget(self, account_id: str) -> None:
        self._sessions.delete_all_of(account_id)

    def follow_email_change(self, account_id: str, new_email: str) -> None:
        self._sessions.change_email(account_id, new_email)
