"""POST /contracts/links (« Lier un contrat ») and GET /contracts (the contract selector)."""

from typing import Annotated

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field

from espace_abonne.contracts.keys import ContractNumber
from espace_abonne.contracts.wiring import contract_linker, contract_reader
from espace_abonne.core.http import RequestModel, client_ip, create_resolver, error_responses, lambda_entrypoint
from espace_abonne.sessions.auth import require_session

logger = Logger()
metrics = Metrics()
app = create_resolver(logger)

LINKED_MESSAGE = "Liaison enregistrée."


class LinkRequest(RequestModel):
    contract_number: ContractNumber = Field(description="Numéro de contrat, par exemple 11301.11377.01")
    key: str = Field(min_length=1, max_length=64, description="La clé imprimée en haut de la dernière facture")


class Contract(BaseModel):
    number: str
    service_address: str = Field(description="Adresse du lieu desservi")


class ContractsResponse(BaseModel):
    contracts: list[Contract]


class LinkResponse(ContractsResponse):
    message: str


@app.post(
    "/contracts/links",
    summary="Lier un contrat (et tous les contrats du même redevable)",
    responses={200: {"description": "Liaison enregistrée"}, **error_responses(400, 401, 403, 413, 415, 429)},
)
def link_contract(request: Annotated[LinkRequest, Body()]) -> LinkResponse:
    caller = require_session(app.current_event.raw_event)
    source_ip = client_ip(app.current_event.raw_event)
    linked = contract_linker().link(caller.account_id, caller.email, request.contract_number, request.key, source_ip)
    metrics.add_metric(name="ContractLinks", unit=MetricUnit.Count, value=1)
    contracts = [Contract(number=c.number, service_address=c.service_address) for c in linked.contracts]
    return LinkResponse(message=LINKED_MESSAGE, contracts=contracts)


@app.get(
    "/contracts",
    summary="Mes contrats (sélecteur)",
    responses={200: {"description": "Les contrats liés au compte"}, **error_responses(401)},
)
def list_contracts() -> ContractsResponse:
    caller = require_session(app.current_event.raw_event)
    contracts = contract_reader().contracts(caller.account_id)
    return ContractsResponse(
        contracts=[Contract(number=c.number, service_address=c.service_address) for c in contracts]
    )


lambda_handler = lambda_entrypoint(app, logger, metrics)
