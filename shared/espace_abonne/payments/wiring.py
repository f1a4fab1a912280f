"""Builds the payments domain's services from the settings (imports lazily: cold start is import time)."""

from typing import TYPE_CHECKING

from espace_abonne.core.clock import current_clock
from espace_abonne.core.settings import get_settings

if TYPE_CHECKING:
    from espace_abonne.payments.payfip import PayfipClient
    from espace_abonne.payments.service import PaymentOutcomes, PaymentStarter
    from espace_abonne.payments.store import PaymentStore

# Well under the functions' 15 s and API Gateway's 29 s: one PayFiP call per request.
PAYFIP_TIMEOUT = 5.0


def payment_store() -> "PaymentStore":
    from espace_abonne.payments.store import PaymentStore

    return PaymentStore(get_settings().require("payments_table"))


def payfip_client() -> "PayfipClient":
    from espace_abonne.payments.payfip import DEFAULT_WS_URL, PayfipClient

    return PayfipClient(get_settings().payfip_ws_url or DEFAULT_WS_URL, timeout=PAYFIP_TIMEOUT)


def payment_starter() -> "PaymentStarter":
    from espace_abonne.contracts.wiring import contract_reader
    from espace_abonne.payments.payfip import DEFAULT_PAYMENT_URL
    from espace_abonne.payments.service import PayfipAccount, PaymentStarter

    settings = get_settings()
    account = PayfipAccount(
        numcli=settings.require("payfip_numcli"),
        saisie=settings.payfip_saisie,
        payment_url=settings.payfip_payment_url or DEFAULT_PAYMENT_URL,
        public_api_url=settings.require("public_api_url"),
    )
    return PaymentStarter(payment_store(), contract_reader(), payfip_client(), account, current_clock())


def payment_outcomes() -> "PaymentOutcomes":
    from espace_abonne.contracts.wiring import online_payment_records
    from espace_abonne.core import wiring
    from espace_abonne.payments.service import PaymentOutcomes

    return PaymentOutcomes(
        store=payment_store(),
        payfip=payfip_client(),
        records=online_payment_records(),
        feed=wiring.return_feed(),
        mailer=wiring.mailer(),
        clock=current_clock(),
        frontend_url=get_settings().frontend_url,
    )
