"""Emails about online payments."""

from espace_abonne.core.clock import paris_datetime
from espace_abonne.core.mail import REGIE_EMAIL, REGIE_PHONE, EmailMessage, Link, compose
from espace_abonne.core.money import french_euros


def payment_received_email(
    to: str,
    *,
    amount_cents: int,
    contract_number: str,
    invoice_number: str,
    authorization_number: str,
    paid_at: int,
    dashboard_url: str,
) -> EmailMessage:
    """« Paiement reçu »: what was paid, for which invoice, and PayFiP's authorization number."""
    when = paris_datetime(paid_at)
    return compose(
        to,
        f"Paiement reçu — facture {invoice_number}",
        [
            f"Nous avons bien reçu votre paiement en ligne de {french_euros(amount_cents)} pour la facture "
            f"{invoice_number} du contrat {contract_number}, le {when:%d/%m/%Y} à {when:%H:%M}.",
            f"Numéro d'autorisation : {authorization_number or 'non communiqué'}",
            "Ce paiement figure dans votre espace abonné comme « paiement en ligne, en cours d'encaissement » "
            "jusqu'à son enregistrement par nos services ; il est déjà déduit de votre solde.",
            f"Si vous n'êtes pas à l'origine de ce paiement, contactez la Régie au {REGIE_PHONE} ou à {REGIE_EMAIL}.",
        ],
        [Link("Voir mon tableau de bord", dashboard_url)],
    )
