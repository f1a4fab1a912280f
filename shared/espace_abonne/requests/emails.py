"""Emails of subscription requests and contact messages.

The Régie's copy carries everything; the acknowledgement goes to an address nobody has verified,
so it quotes nothing the requester typed (the Régie's address must not carry a stranger's words
to a third party): only the reference and the chosen subject.
"""

from espace_abonne.core.mail import EmailMessage, compose
from espace_abonne.requests.forms import ContactMessage, SubscriptionRequest

_SUBJECTS = {
    "facture": "Facture",
    "consommation": "Consommation",
    "compteur": "Compteur",
    "abonnement": "Abonnement",
    "autre": "Autre demande",
}


def subscription_to_regie(to: str, reference: str, request: SubscriptionRequest, email: str) -> EmailMessage:
    index = f"{request.meter_index} m³" if request.meter_index is not None else "non communiqué"
    return compose(
        to,
        f"[{reference}] Demande d'abonnement — {request.service_address}",
        [
            f"Nouvelle demande d'abonnement reçue sur l'espace abonné, référence {reference}.",
            f"Titulaire : {request.holder_name}\nAdresse du lieu desservi : {request.service_address}\n"
            f"Date d'emménagement : {request.move_in_date:%d/%m/%Y}\nTéléphone : {request.phone}\n"
            f"Email : {email}\nIndex du compteur : {index}",
            f"Commentaire : {request.comment or '—'}",
        ],
        reply_to=email,
    )


def subscription_acknowledgement(to: str, reference: str) -> EmailMessage:
    return compose(
        to,
        f"Votre demande d'abonnement {reference}",
        [
            f"Nous avons bien reçu votre demande d'abonnement. Sa référence est {reference}.",
            "Nos services vous contacteront pour finaliser votre contrat. "
            "Rappelez cette référence dans vos échanges avec la Régie.",
            "Si vous n'êtes pas à l'origine de cette demande, ignorez cet email ou signalez-le à la Régie.",
        ],
    )


def contact_to_regie(to: str, reference: str, contact: ContactMessage, email: str) -> EmailMessage:
    return compose(
        to,
        f"[{reference}] {_SUBJECTS[contact.subject]} — message de {contact.name}",
        [
            f"Nouveau message reçu sur l'espace abonné, référence {reference}.",
            f"De : {contact.name} <{email}>\nObjet : {_SUBJECTS[contact.subject]}\n"
            f"Contrat : {contact.contract_number or 'non précisé'}",
            contact.message,
        ],
        reply_to=email,
    )


def contact_acknowledgement(to: str, reference: str, subject: str) -> EmailMessage:
    return compose(
        to,
        f"Votre message à la Régie ({reference})",
        [
            f"Nous avons bien reçu votre message « {_SUBJECTS[subject]} ». Sa référence est {reference}.",
            "Nous vous répondrons dans les meilleurs délais.",
        ],
    )
