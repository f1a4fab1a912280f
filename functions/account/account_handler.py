"""« Mon compte »: password, email, unlinking, sessions, RGPD export and account deletion."""

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field

from espace_abonne.core.clock import iso_time
from espace_abonne.core.http import (
    MessageResponse,
    RequestModel,
    accepted,
    client_ip,
    create_resolver,
    error_responses,
    lambda_entrypoint,
)
from espace_abonne.my_account.wiring import my_account_service
from espace_abonne.sessions.auth import cleared_session_cookie, require_session

logger = Logger()
metrics = Metrics()
app = create_resolver(logger)


class PasswordChange(RequestModel):
    current_password: str
    new_password: str
    new_password_confirmation: str


class EmailChange(RequestModel):
    new_email: str
    current_password: str


class EmailChangeConfirmation(RequestModel):
    token: str = Field(max_length=512)


class AccountDeletion(RequestModel):
    current_password: str


class SessionView(BaseModel):
    id: str = Field(description="Identifiant de la session (pas son secret)")
    created_at: str
    last_seen_at: str
    remember_me: bool
    user_agent: str
    current: bool = Field(description="La session de cette requête")


class SessionsResponse(BaseModel):
    sessions: list[SessionView]


class Preferences(BaseModel):
    new_invoice_emails: bool = Field(description="Recevoir « Nouvelle facture disponible » à chaque nouvelle facture")


class PreferencesChange(RequestModel):
    new_invoice_emails: bool


def _source_ip() -> str:
    return client_ip(app.current_event.raw_event)


@app.post(
    "/me/password",
    summary="Changer de mot de passe",
    responses={200: {"description": "Mot de passe changé"}, **error_responses(401, 403, 413, 415, 429)},
)
def change_password(request: Annotated[PasswordChange, Body()]) -> MessageResponse:
    caller = require_session(app.current_event.raw_event)
    my_account_service().change_password(
        caller, request.current_password, request.new_password, request.new_password_confirmation, _source_ip()
    )
    metrics.add_metric(name="PasswordChanges", unit=MetricUnit.Count, value=1)
    return MessageResponse(message="Votre mot de passe a été modifié. Vos autres sessions ont été fermées.")


@app.post(
    "/me/email",
    status_code=202,
    summary="Changer d'adresse email (envoie un lien de confirmation)",
    responses={202: {"description": "Demande prise en compte"}, **error_responses(401, 403, 413, 415, 429)},
)
def request_email_change(request: Annotated[EmailChange, Body()]) -> Response[MessageResponse]:
    caller = require_session(app.current_event.raw_event)
    my_account_service().request_email_change(caller, request.new_email, request.current_password, _source_ip())
    return accepted(
        "Un lien de confirmation a été envoyé à la nouvelle adresse. "
        "Votre adresse actuelle reste valable tant qu'il n'est pas utilisé."
    )


@app.post(
    "/me/email/confirm",
    summary="Confirmer la nouvelle adresse email",
    responses={200: {"description": "Adresse modifiée"}, **error_responses(400, 403, 413, 415)},
)
def confirm_email_change(request: Annotated[EmailChangeConfirmation, Body()]) -> MessageResponse:
    new_email = my_account_service().confirm_email_change(request.token)
    return MessageResponse(message=f"Votre adresse email est désormais {new_email}.")


@app.delete(
    "/me/contracts/<number>",
    status_code=204,
    summary="Délier un contrat",
    responses={204: {"description": "Contrat délié"}, **error_responses(401, 403, 404)},
)
def unlink_contract(number: str) -> Response[None]:
    caller = require_session(app.current_event.raw_event)
    my_account_service().unlink(caller, number)
    return Response(status_code=204)


@app.get(
    "/me/sessions",
    summary="Mes sessions actives",
    responses={200: {"description": "Les sessions ouvertes"}, **error_responses(401)},
)
def list_sessions() -> SessionsResponse:
    caller = require_session(app.current_event.raw_event)
    return SessionsResponse(
        sessions=[
            SessionView(
                id=s.digest,
                created_at=iso_time(s.created_at) or "",
                last_seen_at=iso_time(s.last_seen_at) or "",
                remember_me=s.remember_me,
                user_agent=s.user_agent,
                current=s.digest == caller.session.digest,
            )
            for s in my_account_service().sessions(caller)
        ]
    )


@app.delete(
    "/me/sessions/<session_id>",
    status_code=204,
    summary="Fermer une session",
    responses={204: {"description": "Session fermée"}, **error_responses(401, 403, 404)},
)
def end_session(session_id: str) -> Response[None]:
    caller = require_session(app.current_event.raw_event)
    my_account_service().end_session(caller, session_id)
    return Response(status_code=204)


@app.get(
    "/me/preferences",
    summary="Mes préférences (emails de nouvelle facture)",
    responses={200: {"description": "Les préférences du compte"}, **error_responses(401)},
)
def get_preferences() -> Preferences:
    caller = require_session(app.current_event.raw_event)
    return Preferences(new_invoice_emails=my_account_service().preferences(caller).new_invoice_emails)


@app.put(
    "/me/preferences",
    summary="Changer mes préférences",
    responses={200: {"description": "Les préférences enregistrées"}, **error_responses(401, 403, 413, 415)},
)
def set_preferences(request: Annotated[PreferencesChange, Body()]) -> Preferences:
    caller = require_session(app.current_event.raw_event)
    saved = my_account_service().set_preferences(caller, request.new_invoice_emails)
    metrics.add_metric(name="PreferenceChanges", unit=MetricUnit.Count, value=1)
    return Preferences(new_invoice_emails=saved.new_invoice_emails)


@app.get(
    "/me/export",
    summary="Exporter mes données (RGPD)",
    responses={200: {"description": "Tout ce que le portail conserve sur le compte"}, **error_responses(401)},
)
def export() -> dict[str, Any]:
    caller = require_session(app.current_event.raw_event)
    return my_account_service().export(caller)


@app.delete(
    "/me",
    status_code=204,
    summary="Supprimer mon compte (RGPD)",
    responses={204: {"description": "Compte supprimé ; le cookie est effacé"}, **error_responses(401, 403, 429)},
)
def delete_account(request: Annotated[AccountDeletion, Body()]) -> Response[None]:
    caller = require_session(app.current_event.raw_event)
    my_account_service().delete_account(caller, request.current_password, _source_ip())
    metrics.add_metric(name="AccountDeletions", unit=MetricUnit.Count, value=1)
    return Response(status_code=204, cookies=[cleared_session_cookie()])


lambda_handler = lambda_entrypoint(app, logger, metrics)
