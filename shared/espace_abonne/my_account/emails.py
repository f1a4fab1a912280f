"""Emails of « Mon compte »: email change, account deletion."""

from espace_abonne.core.mail import REGIE_EMAIL, REGIE_PHONE, EmailMessage, Link, compose


def email_change_confirmation(to: str, confirm_url: str) -> EmailMessage:
    return compose(
        to,
        "Confirmez votre nouvelle adresse email",
        [
            "Une demande a été faite pour utiliser cette adresse pour un espace abonné de la Régie des Eaux "
            "du Pays d'Aix.",
            "Ouvrez le lien ci-dessous pour confirmer. Ce lien est valable 24 heures ; tant qu'il n'est pas "
            "utilisé, l'ancienne adresse reste celle du compte. Si vous n'êtes pas à l'origine de cette "
            "demande, ignorez cet email.",
        ],
        [Link("Confirmer ma nouvelle adresse", confirm_url)],
    )


def email_change_notice(to: str, new_email: str) -> EmailMessage:
    """To the account's own address, the same whether the new address is free or taken."""
    return compose(
        to,
        "Changement d'adresse email demandé",
        [
            f"Une demande a été faite pour remplacer l'adresse de votre espace abonné par {new_email}. "
            "Elle ne prendra effet que si le lien envoyé à cette nouvelle adresse est utilisé.",
            "Si vous n'êtes pas à l'origine de cette demande, changez votre mot de passe (la demande sera "
            f"alors annulée) et contactez la Régie au {REGIE_PHONE}.",
        ],
    )


def email_taken_notice(to: str) -> EmailMessage:
    return compose(
        to,
        "Cette adresse est déjà utilisée",
        [
            "Une demande a été faite pour rattacher cette adresse à un espace abonné, mais elle est déjà "
            "celle d'un autre compte. Aucun changement n'a été fait.",
            "Si vous n'êtes pas à l'origine de cette demande, ignorez cet email.",
        ],
    )


def email_changed_email(to: str) -> EmailMessage:
    return compose(
        to,
        "Votre adresse email a été modifiée",
        [
            "Cette adresse est désormais celle de votre espace abonné. "
            "Utilisez-la pour vous connecter et pour recevoir nos messages."
        ],
    )


def email_changed_old_address_email(to: str, new_email: str) -> EmailMessage:
    """To the address the account leaves: the last chance to notice a takeover."""
    return compose(
        to,
        "L'adresse email de votre espace abonné a été modifiée",
        [
            f"L'adresse de votre espace abonné est désormais {new_email}. Vous ne recevrez plus nos messages "
            "à cette adresse-ci.",
            "Si vous n'êtes pas à l'origine de ce changement, contactez immédiatement la Régie au "
            f"{REGIE_PHONE} ou à {REGIE_EMAIL} : nous bloquerons l'accès à votre compte.",
        ],
    )


def account_deleted_email(to: str) -> EmailMessage:
    return compose(
        to,
        "Votre espace abonné a été supprimé",
        [
            "Votre espace abonné et les données qui lui étaient attachées (contrats liés, sessions) ont été "
            "supprimés, comme vous l'avez demandé.",
            "Les demandes et messages adressés à la Régie sont conservés pendant la durée légale, "
            "sans lien avec un compte. Vos contrats d'eau ne sont pas résiliés par cette suppression.",
        ],
    )
