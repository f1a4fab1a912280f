"""Activation (PRODUCT.md §3, "Activation proves both the mailbox and the password").

The emailed link opens a page that asks for the password. `{token, password}` activates only if
it is the password of the sign-up that sent the link; `{token, password, password_confirmation}`
sets the password the person types (policy-checked). Either way a link never makes active a
password that the person holding it did not type, whatever links an attacker made the Régie
send. Activation logs in: the account's update and the new session are one transaction.
"""

from espace_abonne.accounts.passwords import hash_password, password_errors, verify_password
from espace_abonne.accounts.store import Account, AccountStore
from espace_abonne.core.clock import Clock
from espace_abonne.core.errors import FieldError, InvalidInput, InvalidOrExpiredToken
from espace_abonne.core.tokens import token_digest
from espace_abonne.sessions.login import LoggedIn, new_session
from espace_abonne.sessions.store import SessionStore


class ActivationPasswordMismatch(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            [
                FieldError(
                    "password",
                    "activation_password_mismatch",
                    "Ce n'est pas le mot de passe choisi à l'inscription. Saisissez-le, ou choisissez-en un "
                    "nouveau en le confirmant.",
                )
            ]
        )


class ActivationService:
    def __init__(self, accounts: AccountStore, sessions: SessionStore, clock: Clock) -> None:
        self._accounts = accounts
        self._sessions = sessions
        self._clock = clock

    def activate(
        self, token: str, password: str, password_confirmation: str | None, source_ip: str, user_agent: str
    ) -> LoggedIn:
        now = self._clock.now()
        stored = self._accounts.get_token(token_digest(token))
        if stored is None or stored.kind != "activation" or stored.expires_at <= now or not stored.password_hash:
            raise InvalidOrExpiredToken()
        if password_confirmation is None:
            # Only a live link reaches the hash computation: guessing costs a valid token first.
            if not verify_password(stored.password_hash, password):
                raise ActivationPasswordMismatch()
            password_hash = stored.password_hash
        else:
            errors = password_errors(password, password_confirmation)
            if errors:
                raise InvalidInput(errors)
            password_hash = hash_password(password)

        account = Account(
            email=stored.email,
            account_id=stored.account_id,
            status="active",
            password_hash=password_hash,
            created_at=now,
            version=0,
        )
        session, logged_in = new_session(account, False, now, source_ip, user_agent)
        if not self._accounts.activate(stored, password_hash, now, with_items=[self._sessions.put_item(session)]):
            raise InvalidOrExpiredToken()
        return logged_in
