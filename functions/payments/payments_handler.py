"""« Payer en ligne »: POST /contracts/{number}/invoices/{invoice_number}/payments starts a PayFiP payment
of what is left to pay on the invoice; GET /payments/{payment_id} tells how it stands (the result page)."""

from typing import Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field

from espace_abonne.core.clock import iso_time
from espace_abonne.core.http import create_resolver, error_responses, lambda_entrypoint
from espace_abonne.core.money import format_cents
from espace_abonne.payments.wiring import payment_starter
from espace_abonne.sessions.auth import require_session

logger = Logger()
metrics = Metrics()
app = create_resolver(logger)

Money = str  # exact decimal string, e.g. "123.45"


class PaymentStarted(BaseModel):
    payment_id: str
    redirect_url: str = Field(description="La page de paiement PayFiP, où envoyer le navigateur (valable 15 minutes)")
    amount: Money = Field(description="Le reste à payer de la facture, calculé par le serveur")


class PaymentView(BaseModel):
    payment_id: str
    contract_number: str
    invoice_number: str
    amount: Money
    status: Literal["en_attente", "payé", "refusé", "abandonné", "expiré"]
    created_at: str
    paid_at: str | None
    authorization_number: str | None = Field(description="Numéro d'autorisation PayFiP, une fois payé")


@app.post(
    "/contracts/<number>/invoices/<invoice_number>/payments",
    summary="Payer une facture en ligne (PayFiP)",
    responses={
        201: {"description": "Paiement créé : envoyer le navigateur à redirect_url"},
        **error_responses(401, 404, 409, 502, 503),
    },
)
def start_payment(number: str, invoice_number: str) -> Response[PaymentStarted]:
    from espace_abonne.payments.service import PaymentRefusedByPayfip  # imported by the starter anyway

    caller = require_session(app.current_event.raw_event)
    try:
        started = payment_starter().start(caller.account_id, caller.email, number, invoice_number)
    except PaymentRefusedByPayfip as refused:
        # Asking again will not help: a setting (numcli, URLs) or the invoice's data needs someone.
        logger.error("PayFiP refused to create a payment", extra={"payfip_code": refused.payfip_code})
        raise
    metrics.add_metric(name="PaymentsStarted", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=PaymentStarted(
            payment_id=started.payment_id,
            redirect_url=started.redirect_url,
            amount=format_cents(started.amount_cents),
        ),
    )


@app.get(
    "/payments/<payment_id>",
    summary="Un paiement en ligne et son statut",
    responses={200: {"description": "Le paiement"}, **error_responses(401, 404)},
)
def payment(payment_id: str) -> PaymentView:
    caller = require_session(app.current_event.raw_event)
    found = payment_starter().payment(caller.account_id, payment_id)
    return PaymentView(
        payment_id=found.payment_id,
        contract_number=found.contract_number,
        invoice_number=found.invoice_number,
        amount=format_cents(found.amount_cents),
        status=found.status,
        created_at=iso_time(found.created_at) or "",
        paid_at=iso_time(found.paid_at),
        authorization_number=found.authorization_number,
    )


lambda_handler = lambda_entrypoint(app, logger, metrics)
