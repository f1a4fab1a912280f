"""POST /password-resets (« Mot de passe oublié ») and POST /password-resets/confirm."""

from typing import Annotated

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field

from espace_abonne.core.http import (
    MessageResponse,
    RequestModel,
    accepted,
    client_ip,
    create_resolver,
    error_responses,
    lambda_entrypoint,
)
from espace_abonne.sessions.wiring import password_reset_service

logger = Logger()
metrics = Metrics()
app = create_resolver(logger)

REQUESTED_MESSAGE = (
    "Si un compte correspond à cette adresse, un email vous a été envoyé pour choisir un nouveau mot de passe."
)
CHANGED_MESSAGE = "Votre mot de passe a été modifié. Vous pouvez maintenant vous connecter."


class ResetRequest(RequestModel):
    email: str


class ResetConfirmation(RequestModel):
    token: str = Field(max_length=512, description="Le jeton reçu dans le lien de réinitialisation")
    password: str
    password_confirmation: str


@app.post(
    "/password-resets",
    status_code=202,
    summary="Mot de passe oublié",
    responses={202: {"description": "Demande prise en compte"}, **error_responses(400, 403, 413, 415, 429)},
)
def request_reset(request: Annotated[ResetRequest, Body()]) -> Response[MessageResponse]:
    password_reset_service().request_reset(request.email, client_ip(app.current_event.raw_event))
    metrics.add_metric(name="PasswordResetRequests", unit=MetricUnit.Count, value=1)
    return accepted(REQUESTED_MESSAGE)


@app.post(
    "/password-resets/confirm",
    summary="Choisir un nouveau mot de passe",
    responses={200: {"description": "Mot de passe modifié"}, **error_responses(400, 403, 413, 415)},
)
def confirm_reset(request: Annotated[ResetConfirmation, Body()]) -> MessageResponse:
    password_reset_service().confirm(request.token, request.password, request.password_confirmation)
    metrics.add_metric(name="PasswordResets", unit=MetricUnit.Count, value=1)
    return MessageResponse(message=CHANGED_MESSAGE)


lambda_handler = lambda_entrypoint(app, logger, metrics)
