"""POST /accounts/activation: the emailed link's page proves the mailbox and the password, and logs in."""

from typing import Annotated

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field

from espace_abonne.core.http import (
    MessageResponse,
    RequestModel,
    client_ip,
    create_resolver,
    error_responses,
    lambda_entrypoint,
)
from espace_abonne.sessions.auth import session_cookie
from espace_abonne.sessions.wiring import activation_service

logger = Logger()
metrics = Metrics()
app = create_resolver(logger)

ACTIVATED_MESSAGE = "Votre compte est activé. Bienvenue sur votre espace abonné."


class ActivationRequest(RequestModel):
    token: str = Field(description="Le jeton reçu dans le lien d'activation", max_length=512)
    password: str = Field(description="Le mot de passe choisi à l'inscription, ou le nouveau mot de passe choisi")
    password_confirmation: str | None = Field(
        default=None, description="Seulement pour choisir un nouveau mot de passe : sa confirmation"
    )


@app.post(
    "/accounts/activation",
    summary="Activer son compte (et se connecter)",
    responses={
        200: {"description": "Compte activé ; le cookie de session est posé"},
        **error_responses(400, 403, 413, 415),
    },
)
def activate(request: Annotated[ActivationRequest, Body()]) -> Response[MessageResponse]:
    event = app.current_event
    logged_in = activation_service().activate(
        request.token,
        request.password,
        request.password_confirmation,
        client_ip(event.raw_event),
        event.headers.get("user-agent", ""),
    )
    metrics.add_metric(name="Activations", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=MessageResponse(message=ACTIVATED_MESSAGE),
        cookies=[session_cookie(logged_in.session_cookie_value, logged_in.max_age)],
    )


lambda_handler = lambda_entrypoint(app, logger, metrics)
