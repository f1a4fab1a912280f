"""Consumption of a linked contract (PRODUCT.md §8): the daily, monthly and yearly series and its
CSV file, the subscriber's thresholds, and the index sent by the subscriber (autorelève)."""

import datetime as dt
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field

from espace_abonne.consumption.daily import Granularity
from espace_abonne.consumption.wiring import consumption_series, meter_reading_sender, threshold_settings
from espace_abonne.core.errors import FieldError, InvalidInput
from espace_abonne.core.http import RequestModel, create_resolver, error_responses, lambda_entrypoint
from espace_abonne.sessions.auth import require_session

if TYPE_CHECKING:
    from espace_abonne.consumption.series import Series
    from espace_abonne.contracts.billing_store import Threshold

logger = Logger()
metrics = Metrics()
app = create_resolver(logger)


class Thresholds(BaseModel):
    daily_litres: int | None = Field(description="Seuil en litres par jour (absent : aucun)")
    monthly_m3: int | None = Field(description="Seuil en m³ par mois (absent : aucun)")


class Point(BaseModel):
    period: str = Field(description="Le jour (AAAA-MM-JJ), le mois (AAAA-MM) ou l'année (AAAA)")
    first_day: str
    last_day: str
    volume_litres: int
    days: int = Field(description="Jours de la période dans la série")
    estimated_days: int = Field(description="Jours où le compteur n'a pas transmis : volume réparti")


class SeriesAnswer(BaseModel):
    contract_number: str
    granularity: Granularity
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    points: list[Point] = Field(description="Du plus ancien au plus récent")
    total_litres: int = Field(description="La somme des points")
    data_first_day: str | None = Field(description="Premier jour couvert par les données du compteur")
    data_last_day: str | None = Field(description="Dernier jour couvert par les données du compteur")
    data_as_of: str
    thresholds: Thresholds | None = Field(description="Vos seuils d'alerte sur ce contrat")


def _thresholds(threshold: "Threshold | None") -> Thresholds | None:
    if threshold is None:
        return None
    return Thresholds(daily_litres=threshold.daily_limit_l, monthly_m3=threshold.monthly_limit_m3)


def _answer(series: "Series") -> SeriesAnswer:
    return SeriesAnswer(
        contract_number=series.contract_number,
        granularity=series.granularity,
        **{"from": series.first_day.isoformat()},
        to=series.last_day.isoformat(),
        points=[
            Point(
                period=p.label,
                first_day=p.first_day.isoformat(),
                last_day=p.last_day.isoformat(),
                volume_litres=p.volume_l,
                days=p.days,
                estimated_days=p.estimated_days,
            )
            for p in series.periods
        ],
        total_litres=series.total_l,
        data_first_day=series.data_first_day.isoformat() if series.data_first_day else None,
        data_last_day=series.data_last_day.isoformat() if series.data_last_day else None,
        data_as_of=series.data_as_of,
        thresholds=_thresholds(series.threshold),
    )


GranularityQuery = Annotated[Granularity, Query(description="day, month ou year")]
FromQuery = Annotated[dt.date | None, Query(alias="from", description="Premier jour (AAAA-MM-JJ)")]
ToQuery = Annotated[dt.date | None, Query(description="Dernier jour (AAAA-MM-JJ)")]


@app.get(
    "/contracts/<number>/consumption",
    summary="Consommation par jour, mois ou année (compteur en télérelève)",
    responses={200: {"description": "La série"}, **error_responses(400, 401, 404, 409)},
)
def consumption(
    number: str, granularity: GranularityQuery = Granularity.DAY, first: FromQuery = None, to: ToQuery = None
) -> SeriesAnswer:
    caller = require_session(app.current_event.raw_event)
    return _answer(consumption_series().series(caller.account_id, number, granularity, first, to))


@app.get(
    "/contracts/<number>/consumption.csv",
    summary="La même série en CSV (tableur français : « ; », virgule décimale, UTF-8 avec BOM)",
    responses={
        200: {
            "description": "Le fichier CSV (Content-Disposition: attachment)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **error_responses(400, 401, 404, 409),
    },
)
def consumption_csv(
    number: str, granularity: GranularityQuery = Granularity.DAY, first: FromQuery = None, to: ToQuery = None
) -> Response[str]:
    from espace_abonne.consumption.spreadsheet import MEDIA_TYPE, consumption_csv, file_name

    caller = require_session(app.current_event.raw_event)
    series = consumption_series().series(caller.account_id, number, granularity, first, to, purpose="csv")
    name = file_name(number, granularity, series.first_day.isoformat(), series.last_day.isoformat())
    metrics.add_metric(name="ConsumptionDownloads", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=200,
        content_type=MEDIA_TYPE,
        body=consumption_csv(series.periods, granularity).decode("utf-8"),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


class ThresholdsChange(RequestModel):
    daily_litres: int | None = Field(default=None, ge=1, le=100_000, description="Litres par jour")
    monthly_m3: int | None = Field(default=None, ge=1, le=10_000, description="m³ par mois (au moins un des deux)")


class ThresholdsAnswer(BaseModel):
    message: str
    thresholds: Thresholds


@app.put(
    "/contracts/<number>/consumption-alerts",
    summary="Définir ses seuils d'alerte de consommation (compteur en télérelève)",
    responses={200: {"description": "Les seuils enregistrés"}, **error_responses(401, 404, 409)},
)
def set_thresholds(number: str, request: Annotated[ThresholdsChange, Body()]) -> ThresholdsAnswer:
    caller = require_session(app.current_event.raw_event)
    if request.daily_litres is None and request.monthly_m3 is None:
        raise InvalidInput(
            [FieldError("daily_litres", "required", "Indiquez un seuil par jour, par mois, ou les deux.")]
        )
    threshold = threshold_settings().set(caller.account_id, number, request.daily_litres, request.monthly_m3)
    return ThresholdsAnswer(
        message="Seuils enregistrés\u00a0: vous recevrez un email par jour ou par mois de dépassement.",
        thresholds=Thresholds(daily_litres=threshold.daily_limit_l, monthly_m3=threshold.monthly_limit_m3),
    )


@app.delete(
    "/contracts/<number>/consumption-alerts",
    summary="Supprimer ses seuils d'alerte de consommation",
    status_code=204,
    responses={204: {"description": "Seuils supprimés"}, **error_responses(401, 404)},
)
def remove_thresholds(number: str) -> Response[None]:
    caller = require_session(app.current_event.raw_event)
    threshold_settings().remove(caller.account_id, number)
    return Response(status_code=204)


class MeterReadingForm(RequestModel):
    date: dt.date = Field(description="Date du relevé (AAAA-MM-JJ)")
    index_m3: int = Field(ge=0, le=99_999_999, description="Index du compteur en m³ (chiffres noirs)")
    confirmed: bool = Field(default=False, description="Confirmé après l'avertissement d'un index inhabituel")


class MeterReadingAnswer(BaseModel):
    message: str
    date: str
    index_m3: int
    status: str


@app.post(
    "/contracts/<number>/meter-readings",
    summary="Transmettre l'index de son compteur (autorelève)",
    status_code=201,
    responses={201: {"description": "Index transmis"}, **error_responses(401, 404, 409)},
)
def send_meter_reading(number: str, request: Annotated[MeterReadingForm, Body()]) -> Response[MeterReadingAnswer]:
    caller = require_session(app.current_event.raw_event)
    reading = meter_reading_sender().send(caller.account_id, number, request.date, request.index_m3, request.confirmed)
    metrics.add_metric(name="MeterReadingsSent", unit=MetricUnit.Count, value=1)
    answer = MeterReadingAnswer(
        message="Index transmis\u00a0: il sera pris en compte après validation par la Régie.",
        date=reading.date,
        index_m3=reading.index_m3,
        status="transmis, en attente de validation",
    )
    return Response(status_code=201, content_type="application/json", body=answer)


lambda_handler = lambda_entrypoint(app, logger, metrics)
