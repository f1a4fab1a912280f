"""Builds the services a request needs from the settings (cheap: AWS clients are cached)."""

from espace_abonne.account_service import AccountService
from espace_abonne.account_store import AccountStore
from espace_abonne.clock import current_clock
from espace_abonne.mailer import Mailer
from espace_abonne.settings import get_settings


def account_service() -> AccountService:
    settings = get_settings()
    return AccountService(
        store=AccountStore(settings.accounts_table, settings.tokens_table),
        mailer=Mailer(settings),
        clock=current_clock(),
        frontend_url=settings.frontend_url,
    )
