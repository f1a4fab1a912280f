"""Emails about linked contracts."""

from espace_abonne.contracts.billing_store import ContractSummary
from espace_abonne.core.mail import REGIE_EMAIL, REGIE_PHONE, EmailMessage, compose


def contract_linked_email(to: str, contracts: list[ContractSummary]) -> EmailMessage:
    listing = "\n".join(f"- contrat {c.number} : {c.service_address}" for c in contracts)
    return compose(
        to,
        "Contrat lié à votre espace abonné",
        [
            "Votre espace abonné donne désormais accès aux contrats suivants :\n" + listing,
            f"Si vous n'êtes pas à l'origine de cette liaison, contactez la Régie au {REGIE_PHONE} ou à {REGIE_EMAIL}.",
        ],
    )


def contract_ended_email(to: str, contract: ContractSummary) -> EmailMessage:
    return compose(
        to,
        "Un contrat n'est plus accessible depuis votre espace abonné",
        [
            f"Le contrat {contract.number} ({contract.service_address}) a changé de redevable : il n'est plus "
            "rattaché à vos factures et n'apparaît plus dans votre espace abonné.",
            "C'est le cas par exemple après un déménagement ou un changement de titulaire. Vos autres contrats "
            "restent accessibles.",
            f"Si ce changement vous surprend, contactez la Régie au {REGIE_PHONE} ou à {REGIE_EMAIL}.",
        ],
    )
