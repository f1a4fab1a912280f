"""Builds the sessions domain's services from the settings (imports lazily: cold start is import time)."""

from typing import TYPE_CHECKING

from espace_abonne.core.clock import current_clock
from espace_abonne.core.settings import get_settings

if TYPE_CHECKING:
    from espace_abonne.core.mail import Mailer
    from espace_abonne.sessions.activation import ActivationService
    from espace_abonne.sessions.login import LoginService
    from espace_abonne.sessions.password_reset import PasswordResetService, ResetLinkSender
    from espace_abonne.sessions.store import SessionStore


def session_store() -> "SessionStore":
    from espace_abonne.sessions.store import SessionStore

    settings = get_settings()
    # The accounts table only where sessions are created (login): reading one needs no account.
    return SessionStore(settings.require("sessions_table"), settings.accounts_table)


def login_service() -> "LoginService":
    from espace_abonne.accounts.wiring import account_store
    from espace_abonne.core.wiring import throttle_store
    from espace_abonne.sessions.login import LoginService

    return LoginService(
        accounts=account_store(), sessions=session_store(), throttles=throttle_store(), clock=current_clock()
    )


def activation_service() -> "ActivationService":
    from espace_abonne.accounts.wiring import account_store
    from espace_abonne.sessions.activation import ActivationService

    return ActivationService(accounts=account_store(), sessions=session_store(), clock=current_clock())


def password_reset_service() -> "PasswordResetService":
    from espace_abonne.accounts.wiring import account_store, signup_service
    from espace_abonne.core import wiring
    from espace_abonne.sessions.password_reset import PasswordResetService

    return PasswordResetService(
        signups=signup_service(),
        store=account_store(),
        login=login_service(),
        outbox=wiring.outbox(),
        mailer=wiring.mailer(),
        clock=current_clock(),
        frontend_url=get_settings().frontend_url,
    )


def reset_link_sender(mailer: "Mailer") -> "ResetLinkSender":
    """For the outbox worker, with its SES mailer."""
    from espace_abonne.accounts.wiring import account_store, activation_links
    from espace_abonne.core import wiring
    from espace_abonne.sessions.password_reset import ResetLinkSender

    return ResetLinkSender(
        accounts=activation_links(mailer),
        store=account_store(),
        send_log=wiring.send_log(),
        mailer=mailer,
        clock=current_clock(),
        frontend_url=get_settings().frontend_url,
    )
