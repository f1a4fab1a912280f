"""Emails about the password: the reset link, and the notice that it changed."""

from espace_abonne.core.mail import REGIE_PHONE, EmailMessage, Link, compose


def password_reset_email(to: str, reset_url: str) -> EmailMessage:
    return compose(
        to,
        "Réinitialisation de votre mot de passe",
        [
            "Vous avez demandé à choisir un nouveau mot de passe pour votre espace abonné.",
            "Ouvrez le lien ci-dessous puis saisissez deux fois votre nouveau mot de passe. "
            "Ce lien est valable 1 heure ; seul le dernier lien reçu fonctionne.",
            "Si vous n'êtes pas à l'origine de cette demande, ignorez cet email : votre mot de passe reste inchangé.",
        ],
        [Link("Choisir un nouveau mot de passe", reset_url)],
    )


def password_changed_email(to: str, forgot_url: str) -> EmailMessage:
    return compose(
        to,
        "Votre mot de passe a été modifié",
        [
            "Le mot de passe de votre espace abonné vient d'être modifié. "
            "Toutes les sessions ouvertes avec l'ancien mot de passe ont été fermées, et une demande de "
            "changement d'adresse email en cours a été annulée.",
            "Si vous n'êtes pas à l'origine de ce changement, choisissez immédiatement un nouveau mot de passe "
            f"et contactez la Régie au {REGIE_PHONE}.",
        ],
        [Link("Choisir un nouveau mot de passe", forgot_url)],
    )
