"""PayFiP's side of a payment: its server's notification, and the payer's browser coming back.

Neither says how the payment ended (PayFiP signs neither): each carries an idOp that is looked up,
and the outcome is asked of PayFiP itself (`PaymentOutcomes.check`). These routes are not browser
routes: no session, no JSON, no Origin rule; their own guard (`form_boundary`) takes a small form
body or a query string and nothing else (docs/payments.md, "Why the notification route is safe").
"""

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Form
from aws_lambda_powertools.metrics import MetricUnit

from espace_abonne.core.errors import DomainError
from espace_abonne.core.http import (
    MessageResponse,
    create_resolver,
    error_responses,
    form_boundary,
    form_values,
    lambda_entrypoint,
)
from espace_abonne.core.links import PAYMENT_RESULT, page
from espace_abonne.core.settings import get_settings
from espace_abonne.payments.payfip import is_id_op
from espace_abonne.payments.wiring import payment_outcomes

if TYPE_CHECKING:  # the service is imported on first use, by its wiring: cold start is import time
    from espace_abonne.payments.service import Checked

logger = Logger()
metrics = Metrics()
app = create_resolver(logger)

EVENT_METRICS = {
    "accepted": "PaymentsAccepted",
    "accepted_late": "PaymentsAccepted",
    "refused": "PaymentsRefused",
    "abandoned": "PaymentsAbandoned",
    "expired": "PaymentsExpired",
    "unknown": "PayfipUnknownOperations",
    "unavailable": "PayfipErrors",
    "unexpected_fault": "PayfipErrors",
}


class InvalidIdop(DomainError):
    def __init__(self) -> None:
        super().__init__(400, "invalid_idop", "Le paramètre idop est absent ou invalide.")


def _id_op() -> str | None:
    """The one idop of the request (form body or query string), or None."""
    values = set(form_values(app.current_event.raw_event, "idop"))
    if len(values) != 1:
        return None
    [value] = values
    return value if is_id_op(value) else None


def count(checked: "Checked", route: str) -> None:
    """Metrics and one log line per outcome; anomalies are errors an alarm watches."""
    from espace_abonne.payments.service import ANOMALIES

    name = EVENT_METRICS.get(checked.event)
    if name:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    extra = {
        "route": route,
        "event": checked.event,
        "payment_id": checked.payment.payment_id if checked.payment else None,
        "problems": list(checked.problems),
    }
    if checked.event in ANOMALIES:
        metrics.add_metric(name="PaymentAnomalies", unit=MetricUnit.Count, value=1)
        logger.error("payment anomaly: see docs/payments.md", extra=extra)
    else:
        logger.info("payment checked", extra=extra)


@app.post(
    "/payments/payfip/notifications",
    summary="Notification de PayFiP (serveur à serveur, formulaire idop)",
    responses={200: {"description": "Notification reçue"}, **error_responses(400)},
)
def notification(
    idop: Annotated[
        str | None, Form(description="L'identifiant de l'opération PayFiP (aussi admis dans l'URL)")
    ] = None,
) -> MessageResponse:
    # Read by `_id_op` from the body and the query string alike; declared here for the OpenAPI document.
    id_op = _id_op()
    if id_op is None:
        raise InvalidIdop()
    count(payment_outcomes().check(id_op), "notification")
    # The same answer whatever happened: nothing here tells a caller whether an idOp exists.
    return MessageResponse(message="Notification reçue.")


@app.route(
    "/payments/payfip/return",
    method=["GET", "POST"],
    summary="Retour du navigateur depuis PayFiP",
    responses={
        303: {
            "description": "Vers la page de résultat du paiement (Location)",
            "content": {"text/plain": {"schema": {"type": "string", "maxLength": 0}}},
        },
        **error_responses(),
    },
)
def payment_return() -> Response[str]:
    id_op = _id_op()
    checked = payment_outcomes().check(id_op) if id_op else None
    if checked is not None:
        count(checked, "return")
    query = {"paiement": checked.payment.payment_id} if checked and checked.payment else {}
    return Response(
        status_code=303,
        content_type=content_types.TEXT_PLAIN,
        body="",
        headers={"Location": page(get_settings().frontend_url, PAYMENT_RESULT, **query)},
    )


lambda_handler = lambda_entrypoint(app, logger, metrics, boundary=form_boundary)
