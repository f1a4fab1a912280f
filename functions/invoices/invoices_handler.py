"""Invoices of a linked contract: the PDF of one invoice, and « Facture électronique » (PRODUCT.md §7)."""

import base64
from typing import Annotated

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field

from espace_abonne.contracts.documents import InvoicePdfUnreadable
from espace_abonne.contracts.wiring import contract_reader, paperless_billing
from espace_abonne.core.http import RequestModel, create_resolver, error_responses, lambda_entrypoint
from espace_abonne.sessions.auth import require_session

logger = Logger()
metrics = Metrics()
app = create_resolver(logger)

UNREADABLE_PDF = (
    "S3 refused to read an invoice PDF in the documents bucket (AccessDenied): check InvoicesFunction's "
    "s3:GetObject on invoices/* and s3:ListBucket on the bucket (template.yaml); answered 503"
)
PAPERLESS_ON = "Facture électronique activée\u00a0: vos prochaines factures seront disponibles ici, sans envoi papier."
PAPERLESS_OFF = "Facture papier rétablie\u00a0: vos prochaines factures vous seront aussi envoyées par courrier."


class PaperlessChange(RequestModel):
    enabled: bool = Field(description="Facture électronique (true) ou facture papier (false)")


class PaperlessAnswer(BaseModel):
    message: str
    paperless_billing: bool
    changed: bool = Field(description="Faux si le contrat était déjà dans ce mode")


@app.get(
    "/contracts/<number>/invoices/<invoice_number>/pdf",
    summary="Télécharger le PDF d'une facture",
    responses={
        200: {
            "description": "Le PDF de la facture (Content-Disposition: attachment)",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
        **error_responses(401, 404),
    },
)
def invoice_pdf(number: str, invoice_number: str) -> Response[str]:
    caller = require_session(app.current_event.raw_event)
    try:
        pdf = contract_reader().invoice_pdf(caller.account_id, number, invoice_number)
    except InvoicePdfUnreadable:
        logger.error(UNREADABLE_PDF, extra={"contract": number, "invoice": invoice_number})
        raise
    metrics.add_metric(name="InvoiceDownloads", unit=MetricUnit.Count, value=1)
    response = Response(
        status_code=200,
        content_type="application/pdf",
        # Base64 text, marked so: API Gateway turns it back into bytes (the API's binary media types,
        # template.yaml). Encoded here rather than by Powertools: its response validation would read
        # a bytes body as UTF-8 text.
        body=base64.b64encode(pdf.content).decode("ascii"),
        headers={"Content-Disposition": f'attachment; filename="{pdf.filename}"'},
    )
    response.base64_encoded = True
    return response


@app.put(
    "/contracts/<number>/paperless-billing",
    summary="Choisir la facture électronique (ou revenir au papier)",
    responses={200: {"description": "Le mode du contrat"}, **error_responses(401, 403, 404, 413, 415)},
)
def choose_paperless(number: str, request: Annotated[PaperlessChange, Body()]) -> PaperlessAnswer:
    caller = require_session(app.current_event.raw_event)
    changed = paperless_billing().choose(caller.account_id, caller.email, number, request.enabled)
    if changed:
        metrics.add_metric(name="PaperlessChoices", unit=MetricUnit.Count, value=1)
    return PaperlessAnswer(
        message=PAPERLESS_ON if request.enabled else PAPERLESS_OFF, paperless_billing=request.enabled, changed=changed
    )


lambda_handler = lambda_entrypoint(app, logger, metrics)
