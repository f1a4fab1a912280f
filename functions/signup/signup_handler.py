"""POST /accounts and POST /accounts/activation/resend."""

from typing import Annotated

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field

from espace_abonne.accounts.wiring import signup_service
from espace_abonne.core.http import (
    MessageResponse,
    RequestModel,
    accepted,
    client_ip,
    create_resolver,
    error_responses,
    lambda_entrypoint,
)

logger = Logger()
metrics = Metrics()
app = create_resolver(logger)

SIGNUP_MESSAGE = "Enregistrement effectué. Un email de confirmation vous a été envoyé."
RESEND_MESSAGE = "Si un compte en attente d'activation correspond à cette adresse, un nouveau lien vous a été envoyé."


class SignupRequest(RequestModel):
    email: str = Field(description="Adresse email du compte")
    password: str = Field(description="Mot de passe choisi")
    password_confirmation: str = Field(description="Confirmation du mot de passe")


class ResendRequest(RequestModel):
    email: str


def _source_ip() -> str:
    return client_ip(app.current_event.raw_event)


@app.post(
    "/accounts",
    status_code=202,
    summary="S'inscrire",
    responses={202: {"description": "Demande prise en compte"}, **error_responses(400, 403, 413, 415, 429)},
)
def sign_up(request: Annotated[SignupRequest, Body()]) -> Response[MessageResponse]:
    signup_service().sign_up(request.email, request.password, request.password_confirmation, _source_ip())
    metrics.add_metric(name="SignUpRequests", unit=MetricUnit.Count, value=1)
    return accepted(SIGNUP_MESSAGE)


@app.post(
    "/accounts/activation/resend",
    status_code=202,
    summary="Recevoir un nouveau lien d'activation",
    responses={202: {"description": "Demande prise en compte"}, **error_responses(400, 403, 413, 415, 429)},
)
def resend_activation(request: Annotated[ResendRequest, Body()]) -> Response[MessageResponse]:
    signup_service().resend_activation(request.email, _source_ip())
    return accepted(RESEND_MESSAGE)


lambda_handler = lambda_entrypoint(app, logger, metrics)
