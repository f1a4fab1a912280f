"""GET /contracts/{number}/dashboard: one contract's « tableau de bord »."""

from typing import TYPE_CHECKING, Literal

from aws_lambda_powertools import Logger, Metrics
from pydantic import BaseModel, Field

from espace_abonne.contracts.wiring import contract_reader
from espace_abonne.core.clock import current_clock, iso_time, paris_datetime
from espace_abonne.core.http import create_resolver, error_responses, lambda_entrypoint
from espace_abonne.core.money import format_cents
from espace_abonne.sessions.auth import require_session

if TYPE_CHECKING:
    from espace_abonne.contracts.billing_store import ContractFile

logger = Logger()
metrics = Metrics()
app = create_resolver(logger)

Money = str  # exact decimal string, e.g. "123.45"


class ContractDetails(BaseModel):
    number: str
    status: str
    start_date: str
    service_address: str = Field(description="Adresse du lieu desservi")
    holder: str = Field(description="Titulaire du contrat")
    payer: str = Field(description="Redevable")
    meter_number: str
    remote_reading: bool = Field(description="Compteur en télérelève")
    meter_reading: Literal["télérelève", "relève par agent"]
    monthly_payment: bool = Field(description="Mensualisation")
    payment_method: Literal["mensualisation", "paiement à réception de facture"]
    paperless_billing: bool = Field(description="Facture électronique (sinon facture papier)")
    invoice_delivery: Literal["facture électronique", "facture papier"]


class ServiceRegulations(BaseModel):
    title: str
    version: str
    date: str
    pdf_url: str


class Reading(BaseModel):
    date: str
    index_m3: int
    volume_m3: int | None = Field(description="Volume depuis le relevé précédent (m³)")
    source: Literal["télérelève", "agent", "autorelève", "estimation"]
    estimated: bool


class Invoice(BaseModel):
    number: str
    issue_date: str
    due_date: str
    amount_ttc: Money
    status: Literal["payée", "à payer", "partiellement payée"]
    left_to_pay: Money = Field(
        description="Reste à payer : le montant, moins les paiements enregistrés et les paiements en ligne acceptés"
    )
    payable_online: bool = Field(description="« Payer en ligne » est proposé (reste à payer d'au moins 1 €)")
    pdf_available: bool


ONLINE_PAYMENT = "paiement en ligne, en cours d'encaissement"


class Payment(BaseModel):
    date: str
    amount: Money
    method: str = Field(description=f"Mode de paiement ; « {ONLINE_PAYMENT} » jusqu'à ce que l'export le reprenne")
    invoice_number: str


class Attestation(BaseModel):
    sent_at: str
    repair_date: str


class LeakAlert(BaseModel):
    """Loi Warsmann: a reading whose volume more than doubled the average of an equivalent period."""

    reading_date: str
    since: str = Field(description="Le relevé précédent : le volume est mesuré depuis")
    volume_m3: int
    average_m3: str = Field(description="Moyenne de la même période des années précédentes (m³, 1 décimale)")
    capped_at_m3: str = Field(description="Plafond de la facture si une fuite réparée est attestée (2 × moyenne)")
    years: int = Field(description="Années de référence (3 au plus)")
    reply_by: str = Field(description="Date limite d'envoi de l'attestation du plombier")
    open: bool = Field(description="L'attestation peut encore être envoyée")
    attestation: Attestation | None


class SentReading(BaseModel):
    date: str
    index_m3: int
    status: Literal["transmis, en attente de validation"]


class ConsumptionThresholds(BaseModel):
    daily_litres: int | None
    monthly_m3: int | None


class Dashboard(BaseModel):
    contract: ContractDetails
    service_regulations: ServiceRegulations
    consumption: list[Reading] = Field(description="Relevés, du plus ancien au plus récent")
    invoices: list[Invoice] = Field(description="Factures, de la plus récente à la plus ancienne")
    payments: list[Payment] = Field(description="Paiements, du plus récent au plus ancien")
    balance: Money = Field(
        description="Solde : factures moins paiements, paiements en ligne en cours d'encaissement compris "
        "(positif : reste à payer)"
    )
    data_as_of: str = Field(description="Données à jour au")
    leak_alerts: list[LeakAlert] = Field(
        description="Alertes de consommation anormale (loi Warsmann), récentes d'abord"
    )
    meter_readings_sent: list[SentReading] = Field(description="Index transmis par l'abonné (autorelève)")
    consumption_alerts: ConsumptionThresholds | None = Field(description="Vos seuils d'alerte (télérelève)")


def _tenths_m3(litres: int) -> str:
    return f"{litres / 1000:.1f}"


def _dashboard(contract: "ContractFile", account_id: str, today: str) -> Dashboard:
    details = contract.details
    regulation = details.regulation
    return Dashboard(
        contract=ContractDetails(
            number=details.number,
            status=details.status,
            start_date=details.start_date,
            service_address=details.service_address,
            holder=details.holder,
            payer=details.payer_name,
            meter_number=details.meter_number,
            remote_reading=details.remote_reading,
            meter_reading="télérelève" if details.remote_reading else "relève par agent",
            monthly_payment=details.monthly_payment,
            payment_method="mensualisation" if details.monthly_payment else "paiement à réception de facture",
            paperless_billing=contract.paperless_billing,
            invoice_delivery="facture électronique" if contract.paperless_billing else "facture papier",
        ),
        service_regulations=ServiceRegulations(
            title=regulation.title, version=regulation.version, date=regulation.adopted_on, pdf_url=regulation.pdf_url
        ),
        consumption=[
            Reading(date=r.date, index_m3=r.index_m3, volume_m3=r.volume_m3, source=r.source, estimated=r.estimated)
            for r in contract.readings
        ],
        invoices=[
            Invoice(
                number=i.number,
                issue_date=i.issue_date,
                due_date=i.due_date,
                amount_ttc=format_cents(i.amount_cents),
                status=contract.invoice_status(i),
                left_to_pay=format_cents(contract.left_to_pay_cents(i.number)),
                payable_online=contract.payable_online(i.number),
                pdf_available=i.pdf_available,
            )
            for i in reversed(contract.invoices)
        ],
        payments=_payments(contract),
        balance=format_cents(contract.balance_cents),
        data_as_of=details.data_as_of,
        leak_alerts=[
            LeakAlert(
                reading_date=a.reading_date,
                since=a.since,
                volume_m3=a.volume_m3,
                average_m3=_tenths_m3(a.average_l),
                capped_at_m3=_tenths_m3(2 * a.average_l),
                years=a.years,
                reply_by=a.reply_by,
                open=a.attestation is None and today <= a.reply_by,
                attestation=None
                if a.attestation is None
                else Attestation(sent_at=iso_time(a.attestation.sent_at) or "", repair_date=a.attestation.repair_date),
            )
            for a in reversed(contract.leak_alerts)
        ],
        meter_readings_sent=[
            SentReading(date=r.date, index_m3=r.index_m3, status="transmis, en attente de validation")
            for r in contract.pending_readings
        ],
        consumption_alerts=_thresholds(contract, account_id),
    )


def _thresholds(contract: "ContractFile", account_id: str) -> ConsumptionThresholds | None:
    threshold = contract.threshold_of(account_id)
    if threshold is None:
        return None
    return ConsumptionThresholds(daily_litres=threshold.daily_limit_l, monthly_m3=threshold.monthly_limit_m3)


def _payments(contract: "ContractFile") -> list[Payment]:
    """The export's payments and the online ones it does not carry yet, newest first."""
    payments = [
        Payment(date=p.date, amount=format_cents(p.amount_cents), method=p.method, invoice_number=p.invoice_number)
        for p in contract.payments
    ] + [
        Payment(
            date=p.paid_on, amount=format_cents(p.amount_cents), method=ONLINE_PAYMENT, invoice_number=p.invoice_number
        )
        for p in contract.collecting
    ]
    # Oldest first by a stable sort (on one day: the export's order, then online), then turned round.
    return sorted(payments, key=lambda p: p.date)[::-1]


@app.get(
    "/contracts/<number>/dashboard",
    summary="Tableau de bord d'un contrat",
    responses={200: {"description": "Le tableau de bord"}, **error_responses(401, 404)},
)
def dashboard(number: str) -> Dashboard:
    caller = require_session(app.current_event.raw_event)
    today = paris_datetime(current_clock().now()).date().isoformat()
    return _dashboard(contract_reader().contract_file(caller.account_id, number), caller.account_id, today)


lambda_handler = lambda_entrypoint(app, logger, metrics)
