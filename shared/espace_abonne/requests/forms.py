"""What a visitor or a subscriber sends the Régie: a subscription request, a contact message."""

import datetime as dt
from dataclasses import dataclass
from typing import Literal

ContactSubject = Literal["facture", "consommation", "compteur", "abonnement", "autre"]


@dataclass(frozen=True)
class SubscriptionRequest:
    holder_name: str
    service_address: str
    move_in_date: dt.date
    phone: str
    email: str
    meter_index: int | None
    comment: str


@dataclass(frozen=True)
class ContactMessage:
    name: str
    email: str
    subject: ContactSubject
    contract_number: str | None
    message: str
