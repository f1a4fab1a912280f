"""Builds the requests domain's service from the settings (imports lazily: cold start is import time)."""

from typing import TYPE_CHECKING

from espace_abonne.core.clock import current_clock
from espace_abonne.core.settings import get_settings

if TYPE_CHECKING:
    from espace_abonne.requests.service import RequestsService


def requests_service() -> "RequestsService":
    from espace_abonne.core import wiring
    from espace_abonne.requests.service import RequestsService
    from espace_abonne.requests.store import RequestsStore

    settings = get_settings()
    return RequestsService(
        store=RequestsStore(settings.require("requests_table")),
        feed=wiring.return_feed(),
        throttles=wiring.throttle_store(),
        mailer=wiring.mailer(),
        clock=current_clock(),
        regie_email=settings.require("regie_contact_email"),
    )
