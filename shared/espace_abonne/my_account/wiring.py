"""Builds « Mon compte »'s service from the settings (imports lazily: cold start is import time)."""

from typing import TYPE_CHECKING

from espace_abonne.core.clock import current_clock
from espace_abonne.core.settings import get_settings

if TYPE_CHECKING:
    from espace_abonne.core.mail import Mailer
    from espace_abonne.my_account.service import EmailChangeSender, MyAccountService


def my_account_service() -> "MyAccountService":
    from espace_abonne.accounts.wiring import account_store
    from espace_abonne.contracts.wiring import contract_reader
    from espace_abonne.core import wiring
    from espace_abonne.my_account.service import MyAccountService
    from espace_abonne.requests.wiring import requests_service
    from espace_abonne.sessions.wiring import login_service

    return MyAccountService(
        accounts=account_store(),
        login=login_service(),
        contracts=contract_reader(),
        requests=requests_service(),
        throttles=wiring.throttle_store(),
        send_log=wiring.send_log(),
        outbox=wiring.outbox(),
        mailer=wiring.mailer(),
        clock=current_clock(),
        frontend_url=get_settings().frontend_url,
    )


def email_change_sender(mailer: "Mailer") -> "EmailChangeSender":
    """For the outbox worker, with its SES mailer."""
    from espace_abonne.accounts.wiring import account_store
    from espace_abonne.core import wiring
    from espace_abonne.my_account.service import EmailChangeSender

    return EmailChangeSender(account_store(), wiring.send_log(), mailer, current_clock(), get_settings().frontend_url)
