"""Consumption as a CSV file a French spreadsheet opens as it is: `;` between fields, a decimal
comma, UTF-8 with a byte order mark (without it Excel reads the accents as Latin-1), CRLF line
ends, French headers, and a name that says what it holds."""

import csv
import io
from collections.abc import Sequence

from espace_abonne.consumption.daily import Granularity, Period

_FIRST_COLUMN = {Granularity.DAY: "Date", Granularity.MONTH: "Mois", Granularity.YEAR: "Année"}
HEADERS_AFTER_FIRST = ["Consommation (m³)", "Consommation (litres)", "Jours estimés"]
MEDIA_TYPE = "text/csv; charset=utf-8"


def _french_date(label: str, granularity: Granularity) -> str:
    if granularity is Granularity.DAY:
        year, month, day = label.split("-")
        return f"{day}/{month}/{year}"
    if granularity is Granularity.MONTH:
        year, month = label.split("-")
        return f"{month}/{year}"
    return label


def m3_with_comma(litres: int) -> str:
    """Litres as m³ with three decimals and a decimal comma: 1234 → 1,234."""
    return f"{litres // 1000},{litres % 1000:03d}"


def consumption_csv(periods: Sequence[Period], granularity: Granularity) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_FIRST_COLUMN[granularity], *HEADERS_AFTER_FIRST])
    for period in periods:
        writer.writerow(
            [
                _french_date(period.label, granularity),
                m3_with_comma(period.volume_l),
                period.volume_l,
                period.estimated_days,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def file_name(contract_number: str, granularity: Granularity, first: str, last: str) -> str:
    """consommation-11301.11377.01-jour-2025-11-01-au-2026-11-14.csv"""
    word = {Granularity.DAY: "jour", Granularity.MONTH: "mois", Granularity.YEAR: "annee"}[granularity]
    return f"consommation-{contract_number}-{word}-{first}-au-{last}.csv"
