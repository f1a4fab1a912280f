"""Builds the services a request needs from the settings (cheap: AWS clients are cached).

Each factory imports its service when called: a function pays at cold start only for the
modules its own routes use.
"""

from typing import TYPE_CHECKING

from espace_abonne.clock import current_clock
from espace_abonne.settings import get_settings

if TYPE_CHECKING:
    from espace_abonne.account_service import AccountService
    from espace_abonne.account_store import AccountStore
    from espace_abonne.contract_service import ContractLinker, ContractReader
    from espace_abonne.link_store import LinkStore
    from espace_abonne.login_service import LoginService
    from espace_abonne.mailer import Mailer
    from espace_abonne.my_account_service import MyAccountService
    from espace_abonne.password_reset_service import PasswordResetService
    from espace_abonne.requests_service import RequestsService
    from espace_abonne.session_store import SessionStore
    from espace_abonne.throttle_store import ThrottleStore


def account_store() -> "AccountStore":
    from espace_abonne.account_store import AccountStore

    settings = get_settings()
    return AccountStore(settings.accounts_table, settings.tokens_table)


def session_store() -> "SessionStore":
    from espace_abonne.session_store import SessionStore

    settings = get_settings()
    return SessionStore(settings.sessions_table, settings.accounts_table)


def throttle_store() -> "ThrottleStore":
    from espace_abonne.throttle_store import ThrottleStore

    return ThrottleStore(get_settings().throttles_table)


def mailer() -> "Mailer":
    from espace_abonne.mailer import Mailer

    return Mailer(get_settings())


def link_store() -> "LinkStore":
    from espace_abonne.link_store import LinkStore

    return LinkStore(get_settings().links_table)


def account_service() -> "AccountService":
    from espace_abonne.account_service import AccountService

    return AccountService(
        store=account_store(), mailer=mailer(), clock=current_clock(), frontend_url=get_settings().frontend_url
    )


def login_service() -> "LoginService":
    from espace_abonne.login_service import LoginService

    return LoginService(
        accounts=account_store(), sessions=session_store(), throttles=throttle_store(), clock=current_clock()
    )


def password_reset_service() -> "PasswordResetService":
    from espace_abonne.password_reset_service import PasswordResetService

    return PasswordResetService(
        accounts=account_service(),
        store=account_store(),
        sessions=session_store(),
        throttles=throttle_store(),
        mailer=mailer(),
        clock=current_clock(),
        frontend_url=get_settings().frontend_url,
    )


def contract_reader() -> "ContractReader":
    from espace_abonne.billing_store import BillingStore
    from espace_abonne.contract_service import ContractReader

    return ContractReader(BillingStore(get_settings().billing_table), link_store())


def contract_linker() -> "ContractLinker":
    from espace_abonne.billing_store import BillingStore
    from espace_abonne.contract_service import ContractLinker

    settings = get_settings()
    if settings.contract_key_secret is None:
        raise RuntimeError("CONTRACT_KEY_SECRET is not set for this function")
    return ContractLinker(
        billing=BillingStore(settings.billing_table),
        links=link_store(),
        throttles=throttle_store(),
        mailer=mailer(),
        clock=current_clock(),
        key_secret=settings.contract_key_secret.get_secret_value(),
    )


def my_account_service() -> "MyAccountService":
    from espace_abonne.my_account_service import MyAccountService
    from espace_abonne.requests_store import RequestsStore

    settings = get_settings()
    return MyAccountService(
        accounts=account_store(),
        sessions=session_store(),
        links=link_store(),
        requests=RequestsStore(settings.requests_table),
        throttles=throttle_store(),
        mailer=mailer(),
        clock=current_clock(),
        frontend_url=settings.frontend_url,
    )


def requests_service() -> "RequestsService":
    from espace_abonne.requests_service import RequestsService
    from espace_abonne.requests_store import RequestsStore

    settings = get_settings()
    return RequestsService(
        store=RequestsStore(settings.requests_table),
        throttles=throttle_store(),
        mailer=mailer(),
        clock=current_clock(),
        regie_email=settings.regie_contact_email,
    )
