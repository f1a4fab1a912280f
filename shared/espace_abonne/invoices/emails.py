"""Emails about invoices."""

import datetime as dt

from espace_abonne.core.mail import EmailMessage, Link, compose
from espace_abonne.core.money import french_euros

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def french_date(iso_date: str) -> str:
    """ "2024-05-10" -> "10 mai 2024" ("1er" for the first of the month)."""
    day = dt.date.fromisoformat(iso_date)
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def new_invoice_email(
    to: str,
    contract_number: str,
    service_address: str,
    invoice_number: str,
    issue_date: str,
    due_date: str,
    amount_cents: int,
    dashboard_url: str,
) -> EmailMessage:
    return compose(
        to,
        "Nouvelle facture disponible",
        [
            f"Une nouvelle facture est disponible dans votre espace abonné pour le contrat {contract_number} "
            f"({service_address}).",
            f"Facture {invoice_number} du {french_date(issue_date)}\u00a0: {french_euros(amount_cents)} TTC, "
            f"à régler au plus tard le {french_date(due_date)}.",
            "Vous pouvez la consulter et la télécharger en PDF depuis votre tableau de bord. Si vous êtes "
            "mensualisé, les prélèvements prévus continuent sans démarche de votre part.",
            "Vous ne souhaitez plus recevoir ces messages\u00a0? Décochez «\u00a0M'envoyer un email à chaque "
            "nouvelle facture\u00a0» dans «\u00a0Mon compte\u00a0».",
        ],
        [Link("Voir mes factures", dashboard_url)],
    )
