"""The emails the portal sends, in French, as plain text and HTML."""

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from espace_abonne.billing_store import ContractSummary
    from espace_abonne.requests_service import ContactMessage, SubscriptionRequest

REGIE_NAME = "Régie des Eaux du Pays d'Aix"
REGIE_PHONE = "04 13 57 39 00"
REGIE_EMAIL = "contact@eauxdupaysdaix.fr"
REGIE_WEBSITE = "www.eauxdupaysdaix.fr"
REGIE_ADDRESS = "185 avenue de Pérouse, 13090 Aix-en-Provence"


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str
    reply_to: str | None = None


@dataclass(frozen=True)
class _Link:
    label: str
    url: str


_SIGNATURE_TEXT = (
    f"\n\n--\n{REGIE_NAME}\nTél. {REGIE_PHONE} · {REGIE_EMAIL}\n{REGIE_ADDRESS}\n{REGIE_WEBSITE}\n"
    "Ceci est un message automatique, merci de ne pas y répondre.\n"
)


def _compose(to: str, subject: str, paragraphs: list[str], links: list[_Link]) -> EmailMessage:
    text_parts = ["Bonjour,", *paragraphs]
    text_parts += [f"{link.label} :\n{link.url}" for link in links]
    text = "\n\n".join(text_parts) + _SIGNATURE_TEXT

    html_paragraphs = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    html_links = "".join(
        f'<p><a href="{escape(link.url)}" style="background:#005a9c;color:#ffffff;padding:10px 16px;'
        f'border-radius:4px;text-decoration:none;display:inline-block">{escape(link.label)}</a></p>'
        f'<p style="font-size:12px;color:#555555">Si le bouton ne fonctionne pas, copiez ce lien dans '
        f"votre navigateur : {escape(link.url)}</p>"
        for link in links
    )
    html = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>"
        '<body style="font-family:Arial,sans-serif;color:#1a1a1a;max-width:600px">'
        f'<h1 style="font-size:20px;color:#005a9c">{escape(REGIE_NAME)}</h1>'
        f"<p>Bonjour,</p>{html_paragraphs}{html_links}"
        '<hr><p style="font-size:12px;color:#555555">'
        f"{escape(REGIE_NAME)} · Tél. {escape(REGIE_PHONE)} · {escape(REGIE_EMAIL)}<br>"
        f"{escape(REGIE_ADDRESS)} · {escape(REGIE_WEBSITE)}<br>"
        "Ceci est un message automatique, merci de ne pas y répondre.</p></body></html>"
    )
    return EmailMessage(to=to, subject=subject, text=text, html=html)


def activation_email(to: str, activation_url: str) -> EmailMessage:
    return _compose(
        to,
        "Activez votre espace abonné",
        [
            "Vous avez demandé la création de votre espace abonné de la Régie des Eaux du Pays d'Aix.",
            "Pour activer votre compte, ouvrez le lien ci-dessous puis cliquez sur « Activer mon compte ». "
            "Ce lien est valable 24 heures ; seul le dernier lien reçu fonctionne.",
            "Si vous n'êtes pas à l'origine de cette demande, ignorez simplement cet email : "
            "aucun compte ne sera activé.",
        ],
        [_Link("Activer mon compte", activation_url)],
    )


def already_registered_email(to: str, login_url: str, reset_url: str) -> EmailMessage:
    return _compose(
        to,
        "Vous avez déjà un espace abonné",
        [
            "Une demande d'inscription a été faite avec cette adresse email, mais vous avez déjà un compte "
            "actif sur l'espace abonné de la Régie des Eaux du Pays d'Aix.",
            "Vous pouvez vous connecter avec votre mot de passe habituel. "
            "Si vous l'avez oublié, vous pouvez en choisir un nouveau.",
            "Si vous n'êtes pas à l'origine de cette demande, ignorez cet email : votre compte reste inchangé.",
        ],
        [_Link("Se connecter", login_url), _Link("Mot de passe oublié", reset_url)],
    )


def password_reset_email(to: str, reset_url: str) -> EmailMessage:
    return _compose(
        to,
        "Réinitialisation de votre mot de passe",
        [
            "Vous avez demandé à choisir un nouveau mot de passe pour votre espace abonné.",
            "Ouvrez le lien ci-dessous puis saisissez deux fois votre nouveau mot de passe. "
            "Ce lien est valable 1 heure ; seul le dernier lien reçu fonctionne.",
            "Si vous n'êtes pas à l'origine de cette demande, ignorez cet email : votre mot de passe reste inchangé.",
        ],
        [_Link("Choisir un nouveau mot de passe", reset_url)],
    )


def password_changed_email(to: str, forgot_url: str) -> EmailMessage:
    return _compose(
        to,
        "Votre mot de passe a été modifié",
        [
            "Le mot de passe de votre espace abonné vient d'être modifié. "
            "Toutes les sessions ouvertes avec l'ancien mot de passe ont été fermées.",
            "Si vous n'êtes pas à l'origine de ce changement, choisissez immédiatement un nouveau mot de passe "
            f"et contactez la Régie au {REGIE_PHONE}.",
        ],
        [_Link("Choisir un nouveau mot de passe", forgot_url)],
    )


def contract_linked_email(to: str, contracts: "list[ContractSummary]") -> EmailMessage:
    listing = "\n".join(f"- contrat {c.number} : {c.service_address}" for c in contracts)
    return _compose(
        to,
        "Contrat lié à votre espace abonné",
        [
            "Votre espace abonné donne désormais accès aux contrats suivants :\n" + listing,
            f"Si vous n'êtes pas à l'origine de cette liaison, contactez la Régie au {REGIE_PHONE} ou à {REGIE_EMAIL}.",
        ],
        [],
    )


def subscription_to_regie(to: str, reference: str, request: "SubscriptionRequest", email: str) -> EmailMessage:
    index = f"{request.meter_index} m³" if request.meter_index is not None else "non communiqué"
    message = _compose(
        to,
        f"[{reference}] Demande d'abonnement — {request.service_address}",
        [
            f"Nouvelle demande d'abonnement reçue sur l'espace abonné, référence {reference}.",
            f"Titulaire : {request.holder_name}\nAdresse du lieu desservi : {request.service_address}\n"
            f"Date d'emménagement : {request.move_in_date:%d/%m/%Y}\nTéléphone : {request.phone}\n"
            f"Email : {email}\nIndex du compteur : {index}",
            f"Commentaire : {request.comment or '—'}",
        ],
        [],
    )
    return EmailMessage(message.to, message.subject, message.text, message.html, reply_to=email)


def subscription_acknowledgement(to: str, reference: str, request: "SubscriptionRequest") -> EmailMessage:
    return _compose(
        to,
        f"Votre demande d'abonnement {reference}",
        [
            f"Nous avons bien reçu votre demande d'abonnement pour le {request.service_address}, "
            f"à partir du {request.move_in_date:%d/%m/%Y}. Sa référence est {reference}.",
            "Nos services vous contacteront pour finaliser votre contrat. "
            "Rappelez cette référence dans vos échanges avec la Régie.",
        ],
        [],
    )


_SUBJECTS = {
    "facture": "Facture",
    "consommation": "Consommation",
    "compteur": "Compteur",
    "abonnement": "Abonnement",
    "autre": "Autre demande",
}


def contact_to_regie(to: str, reference: str, contact: "ContactMessage", email: str) -> EmailMessage:
    message = _compose(
        to,
        f"[{reference}] {_SUBJECTS[contact.subject]} — message de {contact.name}",
        [
            f"Nouveau message reçu sur l'espace abonné, référence {reference}.",
            f"De : {contact.name} <{email}>\nObjet : {_SUBJECTS[contact.subject]}\n"
            f"Contrat : {contact.contract_number or 'non précisé'}",
            contact.message,
        ],
        [],
    )
    return EmailMessage(message.to, message.subject, message.text, message.html, reply_to=email)


def contact_acknowledgement(to: str, reference: str, subject: str) -> EmailMessage:
    return _compose(
        to,
        f"Votre message à la Régie ({reference})",
        [
            f"Nous avons bien reçu votre message « {_SUBJECTS[subject]} ». Sa référence est {reference}.",
            "Nous vous répondrons dans les meilleurs délais.",
        ],
        [],
    )


def email_change_confirmation(to: str, confirm_url: str) -> EmailMessage:
    return _compose(
        to,
        "Confirmez votre nouvelle adresse email",
        [
            "Vous avez demandé à utiliser cette adresse pour votre espace abonné.",
            "Ouvrez le lien ci-dessous pour confirmer. Ce lien est valable 24 heures ; "
            "tant qu'il n'est pas utilisé, votre ancienne adresse reste celle du compte.",
        ],
        [_Link("Confirmer ma nouvelle adresse", confirm_url)],
    )


def email_change_notice(to: str, new_email: str) -> EmailMessage:
    return _compose(
        to,
        "Changement d'adresse email demandé",
        [
            f"Une demande a été faite pour remplacer l'adresse de votre espace abonné par {new_email}. "
            "Elle ne prendra effet que si le lien envoyé à cette nouvelle adresse est utilisé.",
            f"Si vous n'êtes pas à l'origine de cette demande, changez votre mot de passe et contactez la Régie au "
            f"{REGIE_PHONE}.",
        ],
        [],
    )


def email_taken_notice(to: str) -> EmailMessage:
    return _compose(
        to,
        "Cette adresse est déjà utilisée",
        [
            "Une demande a été faite pour rattacher cette adresse à un espace abonné, mais elle est déjà "
            "celle d'un autre compte. Aucun changement n'a été fait.",
            "Si vous n'êtes pas à l'origine de cette demande, ignorez cet email.",
        ],
        [],
    )


def email_changed_email(to: str) -> EmailMessage:
    return _compose(
        to,
        "Votre adresse email a été modifiée",
        [
            "Cette adresse est désormais celle de votre espace abonné. "
            "Utilisez-la pour vous connecter et pour recevoir nos messages."
        ],
        [],
    )


def account_deleted_email(to: str) -> EmailMessage:
    return _compose(
        to,
        "Votre espace abonné a été supprimé",
        [
            "Votre espace abonné et les données qui lui étaient attachées (contrats liés, sessions) ont été "
            "supprimés, comme vous l'avez demandé.",
            "Les demandes et messages adressés à la Régie sont conservés pendant la durée légale, "
            "sans lien avec un compte. Vos contrats d'eau ne sont pas résiliés par cette suppression.",
        ],
        [],
    )
