"""POST /sessions (log in), DELETE /sessions/current (log out) and GET /me."""

from typing import Annotated

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field, StrictBool

from espace_abonne.contracts.wiring import contract_reader
from espace_abonne.core.errors import NotAuthenticated
from espace_abonne.core.http import RequestModel, client_ip, create_resolver, error_responses, lambda_entrypoint
from espace_abonne.sessions.auth import cleared_session_cookie, require_session, session_cookie, session_token
from espace_abonne.sessions.wiring import login_service

logger = Logger()
metrics = Metrics()
app = create_resolver(logger)


class LoginRequest(RequestModel):
    email: str = Field(description="Adresse email du compte")
    password: str = Field(description="Mot de passe")
    remember_me: StrictBool = Field(default=False, description="« Se souvenir de moi » : session de 30 jours")


class SessionResponse(BaseModel):
    email: str


class ContractSummary(BaseModel):
    number: str
    service_address: str


class MeResponse(BaseModel):
    email: str
    contracts: list[ContractSummary]


@app.post(
    "/sessions",
    summary="Se connecter",
    responses={
        200: {"description": "Connecté ; le cookie de session est posé"},
        **error_responses(400, 401, 403, 413, 415, 429),
    },
)
def log_in(request: Annotated[LoginRequest, Body()]) -> Response[SessionResponse]:
    source_ip = client_ip(app.current_event.raw_event)
    user_agent = app.current_event.headers.get("user-agent", "")
    logged_in = login_service().log_in(request.email, request.password, request.remember_me, source_ip, user_agent)
    metrics.add_metric(name="Logins", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=SessionResponse(email=logged_in.email),
        cookies=[session_cookie(logged_in.session_cookie_value, logged_in.max_age)],
    )


@app.delete(
    "/sessions/current",
    status_code=204,
    summary="Se déconnecter",
    responses={204: {"description": "Déconnecté ; le cookie est effacé"}, **error_responses(401, 403)},
)
def log_out() -> Response[None]:
    token = session_token(app.current_event.raw_event)
    if token is None or not login_service().log_out(token):
        raise NotAuthenticated()
    metrics.add_metric(name="Logouts", unit=MetricUnit.Count, value=1)
    return Response(status_code=204, cookies=[cleared_session_cookie()])


@app.get("/me", summary="Mon compte", responses={200: {"description": "Le compte connecté"}, **error_responses(401)})
def me() -> MeResponse:
    caller = require_session(app.current_event.raw_event)
    contracts = contract_reader().contracts(caller.account_id)
    return MeResponse(
        email=caller.email,
        contracts=[ContractSummary(number=c.number, service_address=c.service_address) for c in contracts],
    )


lambda_handler = lambda_entrypoint(app, logger, metrics)
