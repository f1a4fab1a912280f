"""« Effectuer une demande d'abonnement » and « Contacter la Régie »: open to visitors and subscribers."""

import datetime as dt
from typing import Annotated

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field, StrictInt

from espace_abonne.core.http import RequestModel, client_ip, create_resolver, error_responses, lambda_entrypoint
from espace_abonne.requests.forms import ContactMessage, ContactSubject, SubscriptionRequest
from espace_abonne.requests.wiring import requests_service
from espace_abonne.sessions.auth import current_session

logger = Logger()
metrics = Metrics()
app = create_resolver(logger)

HONEYPOT = Field(default="", max_length=200, description="Champ piège invisible : doit rester vide")


class SubscriptionRequestBody(RequestModel):
    holder_name: str = Field(min_length=1, max_length=200, description="Nom du titulaire")
    service_address: str = Field(min_length=5, max_length=300, description="Adresse du lieu desservi")
    move_in_date: dt.date = Field(description="Date d'emménagement")
    phone: str = Field(min_length=6, max_length=30)
    email: str = Field(max_length=254)
    meter_index: StrictInt | None = Field(default=None, ge=0, le=10_000_000, description="Index du compteur (m³)")
    comment: str = Field(default="", max_length=2000)
    website: str = HONEYPOT


class ContactBody(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=254)
    subject: ContactSubject
    contract_number: str | None = Field(default=None, max_length=20)
    message: str = Field(min_length=1, max_length=5000)
    website: str = HONEYPOT


class Receipt(BaseModel):
    message: str
    reference: str | None = Field(description="Référence à rappeler dans vos échanges avec la Régie")


def _caller_account_id() -> str | None:
    """A subscriber's request is attached to their account (for the RGPD export); visitors' are not."""
    caller = current_session(app.current_event.raw_event)
    return caller.account_id if caller else None


def _receipt(message: str, reference: str | None) -> Response[Receipt]:
    return Response(
        status_code=202, content_type=content_types.APPLICATION_JSON, body=Receipt(message=message, reference=reference)
    )


def _ignored_bot(message: str) -> Response[Receipt]:
    """A bot filled the invisible field: it gets the usual answer; nothing is kept or sent."""
    metrics.add_metric(name="BotSubmissions", unit=MetricUnit.Count, value=1)
    return _receipt(message, None)


@app.post(
    "/subscription-requests",
    status_code=202,
    summary="Effectuer une demande d'abonnement",
    responses={202: {"description": "Demande enregistrée"}, **error_responses(400, 403, 413, 415, 429)},
)
def request_subscription(request: Annotated[SubscriptionRequestBody, Body()]) -> Response[Receipt]:
    if request.website:
        return _ignored_bot("Votre demande a bien été enregistrée.")
    reference = requests_service().request_subscription(
        SubscriptionRequest(
            holder_name=request.holder_name,
            service_address=request.service_address,
            move_in_date=request.move_in_date,
            phone=request.phone,
            email=request.email,
            meter_index=request.meter_index,
            comment=request.comment,
        ),
        client_ip(app.current_event.raw_event),
        _caller_account_id(),
    )
    metrics.add_metric(name="SubscriptionRequests", unit=MetricUnit.Count, value=1)
    return _receipt(f"Votre demande a bien été enregistrée sous la référence {reference}.", reference)


@app.post(
    "/contact-messages",
    status_code=202,
    summary="Contacter la Régie",
    responses={202: {"description": "Message envoyé"}, **error_responses(400, 403, 413, 415, 429)},
)
def contact(request: Annotated[ContactBody, Body()]) -> Response[Receipt]:
    if request.website:
        return _ignored_bot("Votre message a bien été envoyé.")
    reference = requests_service().contact(
        ContactMessage(
            name=request.name,
            email=request.email,
            subject=request.subject,
            contract_number=request.contract_number or None,
            message=request.message,
        ),
        client_ip(app.current_event.raw_event),
        _caller_account_id(),
    )
    metrics.add_metric(name="ContactMessages", unit=MetricUnit.Count, value=1)
    return _receipt(f"Votre message a bien été envoyé sous la référence {reference}.", reference)


lambda_handler = lambda_entrypoint(app, logger, metrics)
