"""POST /accounts/activation."""

from typing import Annotated

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field

from espace_abonne.api import MessageResponse, RequestModel, create_resolver, error_responses, lambda_entrypoint
from espace_abonne.services import account_service

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = create_resolver(logger)

ACTIVATED_MESSAGE = "Votre compte est activé. Vous pouvez maintenant vous connecter."


class ActivationRequest(RequestModel):
    token: str = Field(description="Le jeton reçu dans le lien d'activation", max_length=512)


@app.post(
    "/accounts/activation",
    summary="Activer son compte",
    responses={200: {"description": "Compte activé"}, **error_responses(400, 403, 413, 415)},
)
@tracer.capture_method
def activate(request: Annotated[ActivationRequest, Body()]) -> MessageResponse:
    account_service().activate(request.token)
    metrics.add_metric(name="Activations", unit=MetricUnit.Count, value=1)
    return MessageResponse(message=ACTIVATED_MESSAGE)


lambda_handler = lambda_entrypoint(app, logger, tracer, metrics)
