"""Builds the accounts domain's services from the settings (imports lazily: cold start is import time)."""

from typing import TYPE_CHECKING

from espace_abonne.core.clock import current_clock
from espace_abonne.core.settings import get_settings

if TYPE_CHECKING:
    from espace_abonne.accounts.signup import ActivationLinks, SignupService
    from espace_abonne.accounts.store import AccountStore
    from espace_abonne.core.mail import Mailer


def account_store() -> "AccountStore":
    from espace_abonne.accounts.store import AccountStore

    settings = get_settings()
    return AccountStore(settings.require("accounts_table"), settings.tokens_table)


def signup_service() -> "SignupService":
    from espace_abonne.accounts.signup import SignupService
    from espace_abonne.core import wiring

    return SignupService(
        outbox=wiring.outbox(),
        throttles=wiring.throttle_store(),
        clock=current_clock(),
        email_requests_per_ip_per_hour=get_settings().email_requests_per_ip_per_hour,
    )


def activation_links(mailer: "Mailer") -> "ActivationLinks":
    """For the outbox worker, with its SES mailer."""
    from espace_abonne.accounts.signup import ActivationLinks
    from espace_abonne.core import wiring

    return ActivationLinks(account_store(), wiring.send_log(), mailer, current_clock(), get_settings().frontend_url)
