"""Writes demo/billing-export.jsonl, the demo billing export of PRODUCT.md §3 (three years of data),
and demo/invoices/<invoice number>.pdf, each invoice as a real PDF (fpdf2): what the billing system
drops into the billing inbox, and what local mode loads at start.

Deterministic: the same files every time (`--check` fails if the committed ones differ).
"""

import datetime as dt
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "demo" / "billing-export.jsonl"
INVOICES = OUTPUT.parent / "invoices"
DATA_AS_OF = dt.date(2026, 11, 15)
FIXED_PART_CENTS = 2850  # abonnement, per half-year
PRICE_PER_M3_CENTS = 412  # eau + assainissement, TTC
# Monthly consumption of a household through the year (m³), January first.
SEASON = [7, 6, 7, 8, 9, 11, 14, 15, 11, 9, 8, 7]

REGULATION = {
    "type": "regulation",
    "version": "2024-01",
    "title": "Règlement du service public de l'eau potable et de l'assainissement",
    "adopted_on": "2024-01-01",
    "pdf_url": "https://www.eauxdupaysdaix.fr/documents/reglement-de-service-2024-01.pdf",
}
PAYERS = [
    {"type": "payer", "payer_id": "R-113010", "name": "Camille Martin"},
    {"type": "payer", "payer_id": "R-113020", "name": "Yanis Benali"},
]
CONTRACTS = [
    # number, payer, clé, address, holder, meter, télérelève, mensualisation, start, size factor
    ("11301.11377.01", "R-113010", "7Q4M-2KX9", "12 rue des Cordeliers, 13100 Aix-en-Provence",
     "Camille Martin", "T21AX004512", True, True, "2016-05-02", 1.0),
    ("11301.11377.02", "R-113010", "P8W3-6ZTR", "4 chemin de la Torse, 13100 Aix-en-Provence",
     "Camille Martin", "M09AX118734", False, False, "2020-09-14", 1.6),
    ("11302.20456.01", "R-113020", "H5N2-R7VB", "27 avenue Victor Hugo, 13090 Aix-en-Provence",
     "Yanis Benali", "T19AX020981", True, True, "2012-01-23", 0.8),
]  # fmt: skip


def _month(year: int, month: int, day: int = 15) -> dt.date:
    return dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, day)


# -- the télérelève meters' daily index ---------------------------------------------------------
FIRST_DAY = dt.date(2023, 10, 15)  # the day of the first reading; the daily index starts there


# Per contract: a holiday (nobody home: a few litres a day), a leak (repaired at its end, litres a
# day on top), and days the meter did not report (the radio out of reach).
@dataclass(frozen=True)
class Episodes:
    holiday: tuple[dt.date, dt.date]
    leak: tuple[dt.date, dt.date]
    leak_litres: int  # a day, on top of the household's use
    silent: tuple[dt.date, dt.date]


EPISODES = {
    "11301.11377.01": Episodes(
        holiday=(dt.date(2025, 8, 2), dt.date(2025, 8, 17)),
        leak=(dt.date(2024, 2, 5), dt.date(2024, 2, 26)),
        leak_litres=650,
        silent=(dt.date(2025, 3, 10), dt.date(2025, 3, 12)),
    ),
    "11302.20456.01": Episodes(
        holiday=(dt.date(2024, 7, 27), dt.date(2024, 8, 11)),
        leak=(dt.date(2025, 11, 3), dt.date(2025, 11, 20)),
        leak_litres=420,
        silent=(dt.date(2026, 1, 20), dt.date(2026, 1, 21)),
    ),
}


def _noise(number: str, day: dt.date) -> float:
    """A deterministic ±25 % day-to-day variation (the same file every time)."""
    digest = hashlib.sha256(f"{number}{day}".encode()).digest()
    return 0.75 + digest[0] / 255 * 0.5


def _daily_litres(number: str, factor: float, day: dt.date) -> int:
    """A household's litres on a day: the season's monthly volume, more at weekends, the episodes."""
    episodes = EPISODES[number]
    holiday_start, holiday_end = episodes.holiday
    if holiday_start <= day <= holiday_end:
        return 3 + day.day % 4  # the fridge's ice maker, a drip
    days_in_month = (_month(day.year, day.month + 1, 1) - dt.timedelta(days=1)).day
    litres = SEASON[day.month - 1] * factor * 1000 / days_in_month
    litres *= 1.15 if day.weekday() >= 5 else 0.94
    litres *= _noise(number, day)
    leak_start, leak_end = episodes.leak
    if leak_start <= day <= leak_end:
        litres += episodes.leak_litres
    return round(litres)


def _daily_index(number: str, factor: float) -> list[tuple[dt.date, int]]:
    """The index at the end of each day from FIRST_DAY to the day before DATA_AS_OF, in litres
    (every day: the export leaves out the silent ones)."""
    index = 1_500_000
    days = [(FIRST_DAY, index)]
    day = FIRST_DAY + dt.timedelta(days=1)
    while day < DATA_AS_OF:
        index += _daily_litres(number, factor, day)
        days.append((day, index))
        day += dt.timedelta(days=1)
    return days


def daily_export(number: str, factor: float) -> list[dict[str, Any]]:
    silent_start, silent_end = EPISODES[number].silent
    return [
        {"date": day.isoformat(), "index_l": index}
        for day, index in _daily_index(number, factor)
        if not silent_start <= day <= silent_end
    ]


def _readings(remote: bool, factor: float, number: str = "") -> list[dict[str, Any]]:
    """Monthly télérelève (the daily index on the 15th, whole m³), or a half-yearly agent reading
    (with one self-reading and one estimate)."""
    if remote:
        by_day = dict(_daily_index(number, factor))
        return [
            {"date": day.isoformat(), "index_m3": by_day[day] // 1000, "source": "télérelève", "estimated": False}
            for day in (_month(2023, 10 + offset) for offset in range(37))
            if day in by_day
        ]
    readings = []
    index = 1500
    months = range(0, 37) if remote else range(0, 37, 6)
    previous = 0
    for offset in months:
        day = _month(2023, 10 + offset)
        for m in range(previous, offset):
            index += round(SEASON[_month(2023, 10 + m + 1).month - 1] * factor)
        previous = offset
        source = "télérelève" if remote else "agent"
        if not remote and day == dt.date(2024, 10, 15):
            source = "autorelève"
        if not remote and day == dt.date(2025, 4, 15):
            source = "estimation"
        readings.append(
            {"date": day.isoformat(), "index_m3": index, "source": source, "estimated": source == "estimation"}
        )
    return readings


@dataclass(frozen=True)
class Bill:
    """What an invoice's PDF says beside its export record: the period and the meter."""

    invoice: dict[str, Any]
    period_start: dt.date
    period_end: dt.date
    index_start: int
    index_end: int

    @property
    def volume(self) -> int:
        return self.index_end - self.index_start


def _billing(number: str, readings: list[dict[str, Any]], monthly: bool) -> tuple[list[Any], list[Any]]:
    """A half-yearly invoice after each April and October reading, and the payments made for them."""
    bills, payments = _bills(number, readings, monthly)
    return [bill.invoice for bill in bills], payments


def _bills(number: str, readings: list[dict[str, Any]], monthly: bool) -> tuple[list[Bill], list[Any]]:
    by_date = {dt.date.fromisoformat(r["date"]): r["index_m3"] for r in readings}
    bills, payments = [], []
    billing_dates = [d for d in sorted(by_date) if d.month in (4, 10) and d > min(by_date)]
    previous_date = min(by_date)
    for period_end in billing_dates:
        volume = by_date[period_end] - by_date[previous_date]
        period_start, previous_date = previous_date, period_end
        amount = FIXED_PART_CENTS + volume * PRICE_PER_M3_CENTS
        issue = period_end + dt.timedelta(days=5)
        invoice_number = f"F{issue:%Y%m}-{number.replace('.', '')[-7:]}"
        latest = period_end == billing_dates[-1]
        if monthly:  # mensualisation: six monthly debits, the last one taking the remainder
            debits = [amount // 6] * 5 + [amount - 5 * (amount // 6)]
            dates = [_month(issue.year, issue.month + k + 1, 5) for k in range(6)]
            made = [(d, a) for d, a in zip(dates, debits, strict=True) if d <= DATA_AS_OF]
            payments += [_payment(d, a, "prélèvement", invoice_number) for d, a in made]
            paid = sum(a for _, a in made)
        else:  # paid at once by card or cheque before the due date, except the latest invoice
            paid = 0 if latest else amount
            if paid:
                method = "carte bancaire" if issue.month == 4 else "chèque"
                payments.append(_payment(issue + dt.timedelta(days=12), amount, method, invoice_number))
        status = "payée" if paid == amount else ("à payer" if paid == 0 else "partiellement payée")
        invoice = {
            "number": invoice_number,
            "issue_date": issue.isoformat(),
            "due_date": (issue + dt.timedelta(days=20)).isoformat(),
            "amount_ttc": _money(amount),
            "status": status,
            "pdf": True,
        }
        bills.append(Bill(invoice, period_start, period_end, by_date[period_start], by_date[period_end]))
    return bills, sorted(payments, key=lambda p: p["date"])


def _payment(day: dt.date, cents: int, method: str, invoice: str) -> dict[str, Any]:
    return {"date": day.isoformat(), "amount": _money(cents), "method": method, "invoice_number": invoice}


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def records() -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = [REGULATION, *PAYERS]
    for number, payer, key, address, holder, meter, remote, monthly, start, factor in CONTRACTS:
        readings = _readings(remote, factor, number)
        invoices, payments = _billing(number, readings, monthly)
        lines.append(
            {
                "type": "contract",
                "number": number,
                "payer_id": payer,
                "key": key,
                "status": "actif",
                "start_date": start,
                "service_address": address,
                "holder": holder,
                "meter": {"number": meter, "remote_reading": remote},
                "monthly_payment": monthly,
                "regulation_version": REGULATION["version"],
                "data_as_of": DATA_AS_OF.isoformat(),
                "readings": readings,
                "invoices": invoices,
                "payments": payments,
                **({"daily_index": daily_export(number, factor)} if remote else {}),
            }
        )
    return lines


def render() -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records())


# -- the invoices' PDFs -------------------------------------------------------------------------------
REGIE = ("Régie des Eaux du Pays d'Aix", "185 avenue de Pérouse, 13090 Aix-en-Provence",
         "04 13 57 39 00 · contact@eauxdupaysdaix.fr · www.eauxdupaysdaix.fr")  # fmt: skip
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")  # fmt: skip


def _date(day: dt.date) -> str:
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def _euros(cents: int) -> str:
    return f"{cents // 100:,}".replace(",", "\u00a0") + f",{cents % 100:02d}\u00a0€"


def invoice_pdf(contract: tuple[Any, ...], payer_name: str, bill: Bill) -> bytes:
    """One invoice as the Régie prints it: who, which contract, the period, the meter, the amounts TTC."""
    from fpdf import FPDF

    number, _, _, address, holder, meter, remote, monthly, _, _ = contract
    invoice = bill.invoice
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"  # € and « » in the standard fonts
    pdf.set_creation_date(dt.datetime.combine(dt.date.fromisoformat(invoice["issue_date"]), dt.time(8), dt.UTC))
    pdf.set_title(f"Facture {invoice['number']}")
    pdf.set_author(REGIE[0])
    pdf.set_margins(18, 16)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.set_text_color(0, 90, 156)
    pdf.cell(0, 8, REGIE[0], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.set_text_color(60, 60, 60)
    for line in REGIE[1:]:
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, f"Facture n°\u00a0{invoice['number']}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    issue, due = dt.date.fromisoformat(invoice["issue_date"]), dt.date.fromisoformat(invoice["due_date"])
    rows = [
        ("Date d'émission", _date(issue)),
        ("Contrat", number),
        ("Titulaire", holder),
        ("Redevable", payer_name),
        ("Adresse du lieu desservi", address),
        ("Compteur", f"{meter} ({'télérelève' if remote else 'relève par agent'})"),
        ("Période facturée", f"du {_date(bill.period_start)} au {_date(bill.period_end)}"),
    ]
    for label, value in rows:
        pdf.cell(55, 6, label)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Votre consommation", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, f"Index au {_date(bill.period_start)}\u00a0: {bill.index_start} m³ · index au "
                   f"{_date(bill.period_end)}\u00a0: {bill.index_end} m³", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.cell(0, 6, f"Volume consommé\u00a0: {bill.volume} m³", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Détail (montants TTC)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    lines = [
        ("Abonnement (part fixe, 6 mois)", FIXED_PART_CENTS),
        (f"Eau potable et assainissement\u00a0: {bill.volume} m³ × {_euros(PRICE_PER_M3_CENTS)}",
         bill.volume * PRICE_PER_M3_CENTS),
    ]  # fmt: skip
    for label, cents in lines:
        pdf.cell(130, 6, label)
        pdf.cell(0, 6, _euros(cents), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 11)
    total = FIXED_PART_CENTS + bill.volume * PRICE_PER_M3_CENTS
    pdf.cell(130, 8, "Montant TTC")
    pdf.cell(0, 8, _euros(total), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.ln(2)
    how = "prélevé en six mensualités" if monthly else f"à régler au plus tard le {_date(due)}"
    pdf.multi_cell(0, 6, f"Montant {how}. Échéance\u00a0: {_date(due)}. Retrouvez vos factures et vos paiements "
                         "dans votre espace abonné.")  # fmt: skip
    return bytes(pdf.output())


def invoice_pdfs() -> dict[str, bytes]:
    """Every demo invoice's PDF, by invoice number."""
    payers = {p["payer_id"]: p["name"] for p in PAYERS}
    pdfs = {}
    for contract in CONTRACTS:
        number, payer, _, _, _, _, remote, monthly, _, factor = contract
        bills, _ = _bills(number, _readings(remote, factor, number), monthly)
        for bill in bills:
            pdfs[bill.invoice["number"]] = invoice_pdf(contract, payers[payer], bill)
    return pdfs


def main() -> int:
    text, pdfs = render(), invoice_pdfs()
    if "--check" in sys.argv:
        committed = {path.stem: path.read_bytes() for path in INVOICES.glob("*.pdf")}
        if OUTPUT.read_text(encoding="utf-8") != text or committed != pdfs:
            print("demo/ is out of date: run `python scripts/demo_export.py`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    INVOICES.mkdir(exist_ok=True)
    for stale in INVOICES.glob("*.pdf"):
        if stale.stem not in pdfs:
            stale.unlink()
    for invoice_number, content in pdfs.items():
        (INVOICES / f"{invoice_number}.pdf").write_bytes(content)
    print(f"wrote {OUTPUT.name}: {len(records()) - 3} contracts, and {len(pdfs)} invoices in {INVOICES.name}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
