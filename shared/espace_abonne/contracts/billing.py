"""The billing system's export, as the importer validates it (one JSON object per line).

Money is exact: amounts are decimal strings in the export ("123.45") and integer cents here.
"""

import datetime as dt
import itertools
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from espace_abonne.contracts.keys import CONTRACT_NUMBER
from espace_abonne.contracts.vocabulary import InvoiceStatus, ReadingSource

PaymentMethod = Literal["prélèvement", "carte bancaire", "chèque", "virement", "TIP", "espèces"]
ContractStatus = Literal["actif", "résilié"]


def _to_cents(value: object) -> int:
    """ "123.45" -> 12345; refuses floats (inexact) and more than two decimals."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError('amount must be a decimal string such as "123.45"')
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise ValueError('amount must be a decimal string such as "123.45"') from error
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("amount has more than two decimals")
    return int(amount * 100)


Cents = Annotated[int, BeforeValidator(_to_cents)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegulationRecord(Record):
    type: Literal["regulation"]
    version: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=200)
    adopted_on: dt.date
    pdf_url: str = Field(pattern=r"^https://\S+\.pdf$")


class PayerRecord(Record):
    type: Literal["payer"]
    payer_id: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)


class Reading(Record):
    date: dt.date
    index_m3: int = Field(ge=0)
    source: ReadingSource
    estimated: bool

    @model_validator(mode="after")
    def _estimation_is_estimated(self) -> "Reading":
        if (self.source == "estimation") != self.estimated:
            raise ValueError("a reading is estimated exactly when its source is « estimation »")
        return self


# Invoice numbers name files (the PDF in the inbox, its copy, the download's name): letters, digits,
# `.`, `_` and `-`. French law makes them unique (a continuous numbering, CGI art. 242 nonies A).
INVOICE_NUMBER = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"


class Invoice(Record):
    number: str = Field(pattern=INVOICE_NUMBER)
    issue_date: dt.date
    due_date: dt.date
    amount_ttc: Cents = Field(gt=0)
    status: InvoiceStatus
    pdf: bool

    @model_validator(mode="after")
    def _due_after_issue(self) -> "Invoice":
        if self.due_date < self.issue_date:
            raise ValueError("due_date is before issue_date")
        return self


class Payment(Record):
    date: dt.date
    amount: Cents = Field(gt=0)
    method: PaymentMethod
    invoice_number: str = Field(min_length=1, max_length=40)
    # The PayFiP operation (idOp) of a payment made online in the portal: once the export brings
    # it, the portal stops counting its own record of that payment (docs/payments.md).
    payfip_operation: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,64}$")


class DailyIndex(Record):
    """A télérelève meter's index at the end of a day, in litres (a day it did not report: absent)."""

    date: dt.date
    index_l: int = Field(ge=0, le=10**12)


class Meter(Record):
    number: str = Field(min_length=1, max_length=40)
    remote_reading: bool  # télérelève


class ContractRecord(Record):
    type: Literal["contract"]
    number: str = Field(pattern=CONTRACT_NUMBER.pattern)
    payer_id: str = Field(min_length=1, max_length=40)
    # 8 characters of [0-9A-Z] as printed on the bill: the per-contract guessing limit relies on them
    # (docs/security.md, "Guessing a clé").
    key: str = Field(pattern=r"^[0-9A-Z]{4}-?[0-9A-Z]{4}$")
    status: ContractStatus
    start_date: dt.date
    service_address: str = Field(min_length=1, max_length=300)
    holder: str = Field(min_length=1, max_length=200)
    meter: Meter
    monthly_payment: bool  # mensualisation
    # Facture électronique as the billing system has it (absent: it does not say); the subscriber's
    # own choice is made in the portal (contracts/paperless.py).
    paperless_billing: bool | None = None
    regulation_version: str = Field(min_length=1, max_length=40)
    data_as_of: dt.date
    readings: list[Reading] = Field(max_length=2000)
    invoices: list[Invoice] = Field(max_length=500)
    payments: list[Payment] = Field(max_length=2000)
    # Télérelève meters only: the daily index, oldest first (up to about eleven years).
    daily_index: list[DailyIndex] = Field(default_factory=list, max_length=4000)

    @field_validator("readings")
    @classmethod
    def _readings_in_order(cls, readings: list[Reading]) -> list[Reading]:
        for previous, current in itertools.pairwise(readings):
            if current.date <= previous.date:
                raise ValueError(f"readings are not in date order at {current.date}")
            if current.index_m3 < previous.index_m3:
                raise ValueError(f"meter index goes down on {current.date}")
        return readings

    @field_validator("daily_index")
    @classmethod
    def _daily_index_in_order(cls, days: list[DailyIndex]) -> list[DailyIndex]:
        for previous, current in itertools.pairwise(days):
            if current.date <= previous.date:
                raise ValueError(f"daily_index is not in date order at {current.date}")
            if current.index_l < previous.index_l:
                raise ValueError(f"daily index goes down on {current.date}")
        return days

    @model_validator(mode="after")
    def _figures_add_up(self) -> "ContractRecord":
        numbers = [invoice.number for invoice in self.invoices]
        if len(set(numbers)) != len(numbers):
            raise ValueError("an invoice number appears twice")
        paid = dict.fromkeys(numbers, 0)
        for payment in self.payments:
            if payment.invoice_number not in paid:
                raise ValueError(f"payment for unknown invoice {payment.invoice_number}")
            paid[payment.invoice_number] += payment.amount
        for invoice in self.invoices:
            expected = _status_for(paid[invoice.number], invoice.amount_ttc)
            if expected is None:
                raise ValueError(f"invoice {invoice.number} is paid more than its amount")
            if invoice.status != expected:
                raise ValueError(
                    f"invoice {invoice.number} is « {invoice.status} » but its payments make it « {expected} »"
                )
        if self.readings and self.readings[-1].date > self.data_as_of:
            raise ValueError("a reading is after data_as_of")
        if self.daily_index and not self.meter.remote_reading:
            raise ValueError("daily_index is for télérelève meters only (meter.remote_reading)")
        if self.daily_index and self.daily_index[-1].date > self.data_as_of:
            raise ValueError("a daily index is after data_as_of")
        return self

    @property
    def balance_cents(self) -> int:
        return sum(i.amount_ttc for i in self.invoices) - sum(p.amount for p in self.payments)


def _status_for(paid: int, amount: int) -> InvoiceStatus | None:
    if paid > amount:
        return None
    if paid == amount:
        return "payée"
    return "à payer" if paid == 0 else "partiellement payée"


ExportRecord = Annotated[RegulationRecord | PayerRecord | ContractRecord, Field(discriminator="type")]
