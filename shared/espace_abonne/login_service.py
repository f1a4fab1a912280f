"""Log in, sessions and log out (PRODUCT.md §2 flow 3, §3 Sessions, Throttling of logins)."""

from dataclasses import dataclass

from espace_abonne.account_store import Account, AccountStore
from espace_abonne.addresses import email_errors, normalize_email
from espace_abonne.clock import Clock
from espace_abonne.errors import DomainError, TooManyAttempts
from espace_abonne.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from espace_abonne.session_store import Session, SessionStore
from espace_abonne.throttle_store import Counter, LimitReached, ThrottleStore
from espace_abonne.tokens import new_token, token_digest

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
        Counter(login_email_partition(email), f"ip#{source_ip}", *FAILURES_PER_EMAIL_AND_IP),
        Counter(login_email_partition(email), "all", *FAILURES_PER_EMAIL),
        Counter(f"login-ip#{source_ip}", "all", *FAILURES_PER_IP),
    )


class InvalidCredentials(DomainError):
    def __init__(self) -> None:
        super().__init__(401, "invalid_credentials", "Adresse email ou mot de passe incorrect.")


class AccountNotActivated(DomainError):
    def __init__(self) -> None:
        super().__init__(
            403,
            "account_not_activated",
            "Votre compte n'est pas encore activé : ouvrez le lien reçu par email, "
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


class LoginService:
    def __init__(self, accounts: AccountStore, sessions: SessionStore, throttles: ThrottleStore, clock: Clock) -> None:
        self._accounts = accounts
        self._sessions = sessions
        self._throttles = throttles
        self._clock = clock

    def log_in(self, email: str, password: str, remember_me: bool, source_ip: str, user_agent: str = "") -> LoggedIn:
        email = normalize_email(email)
        now = self._clock.now()
        try:
            # Counted before the password is checked, the same for known and unknown addresses.
            attempt = self._throttles.take(login_counters(email, source_ip), now)
        except LimitReached as limit:
            raise TooManyAttempts(limit.retry_after) from limit

        # An address that cannot exist is simply unknown (and never reaches DynamoDB as a key).
        account = None if email_errors(email) else self._accounts.get(email)
        # One hash computation on every path: an unknown address is checked against a dummy hash.
        if not verify_password(account.password_hash if account else DUMMY_HASH, password) or account is None:
            raise InvalidCredentials()

        self._throttles.give_back(attempt)  # the right password is not a failure
        if account.status != "active":
            raise AccountNotActivated()
        if needs_rehash(account.password_hash):
            self._accounts.update_password_hash(account, hash_password(password))
        return self._open_session(account, remember_me, now, source_ip, user_agent)

    def _open_session(self, account: Account, remember_me: bool, now: int, source_ip: str, user_agent: str) -> LoggedIn:
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
        if not self._sessions.create(session, account.email, account.session_version):
            raise InvalidCredentials()  # the password changed while this login was checked
        return LoggedIn(
            account.email,
            _cookie_value(account.account_id, token.value),
            REMEMBER_ME_LIFETIME if remember_me else None,
        )

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
        if session is None or not self._is_live(session, now):
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
        return ended is not None and self._is_live(ended, self._clock.now())

    @staticmethod
    def _is_live(session: Session, now: int) -> bool:
        if now >= session.expires_at:
            return False
        return not (session.idle_timeout and now - session.last_seen_at >= session.idle_timeout)
