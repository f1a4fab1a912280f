"""POST /contracts/{number}/leak-attestations: a plumber's attestation of a repaired leak, sent
online after a loi Warsmann alert (PRODUCT.md §8).

A function of its own: its route takes a document (base64 in the JSON body, 4 MB at most), so it
alone has the larger body limit and the right to write attestations in the documents bucket.
"""

import datetime as dt
from typing import Annotated, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field

from espace_abonne.consumption.leaks import MAX_DOCUMENT_BYTES, AttestationForm
from espace_abonne.consumption.wiring import leak_attestations
from espace_abonne.core.http import RequestModel, create_resolver, error_responses, lambda_entrypoint, upload_boundary
from espace_abonne.sessions.auth import require_session

logger = Logger()
metrics = Metrics()
app = create_resolver(logger)

# The document in base64 (4/3 of its size) and the form's fields: under Lambda's 6 MB request limit.
MAX_BODY_BYTES = MAX_DOCUMENT_BYTES * 4 // 3 + 16 * 1024


class Document(RequestModel):
    file_name: str = Field(min_length=1, max_length=200, description="Nom du fichier")
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    content_base64: str = Field(min_length=4, description="Le fichier en base64 (4 Mo au plus)")


class AttestationBody(RequestModel):
    reading_date: dt.date = Field(description="Le relevé de l'alerte (AAAA-MM-JJ)")
    repair_date: dt.date = Field(description="Date de la réparation")
    leak_location: str = Field(min_length=2, max_length=300, description="Où était la fuite")
    plumber: str = Field(min_length=2, max_length=200, description="Le plombier ou l'entreprise")
    document: Document


class AttestationReceipt(BaseModel):
    message: str
    reading_date: str
    sent_at: str


@app.post(
    "/contracts/<number>/leak-attestations",
    summary="Envoyer l'attestation du plombier après une alerte de consommation anormale",
    status_code=201,
    responses={201: {"description": "Attestation transmise"}, **error_responses(401, 404, 409)},
)
def send_attestation(number: str, request: Annotated[AttestationBody, Body()]) -> Response[AttestationReceipt]:
    from espace_abonne.core.clock import iso_time

    caller = require_session(app.current_event.raw_event)
    form = AttestationForm(
        reading_date=request.reading_date,
        repair_date=request.repair_date,
        leak_location=request.leak_location.strip(),
        plumber=request.plumber.strip(),
        file_name=request.document.file_name,
        content_type=request.document.content_type,
        content_base64=request.document.content_base64,
    )
    attestation = leak_attestations().send(caller.account_id, number, form)
    metrics.add_metric(name="LeakAttestations", unit=MetricUnit.Count, value=1)
    receipt = AttestationReceipt(
        message="Attestation transmise à la Régie\u00a0: votre facture sera plafonnée au double de votre "
        "consommation moyenne, après vérification.",
        reading_date=request.reading_date.isoformat(),
        sent_at=iso_time(attestation.sent_at) or "",
    )
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=receipt)


lambda_handler = lambda_entrypoint(
    app, logger, metrics, boundary=upload_boundary(MAX_BODY_BYTES, "un document de 4\u00a0Mo")
)
