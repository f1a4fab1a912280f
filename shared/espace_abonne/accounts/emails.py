"""Emails of sign-up and activation. They go to addresses nobody has verified yet: they quote
nothing the requester typed."""

from espace_abonne.core.mail import EmailMessage, Link, compose


def activation_email(to: str, activation_url: str) -> EmailMessage:
    return compose(
        to,
        "Activez votre espace abonné",
        [
            "Vous avez demandé la création de votre espace abonné de la Régie des Eaux du Pays d'Aix.",
            "Pour activer votre compte, ouvrez le lien ci-dessous, saisissez le mot de passe choisi à "
            "l'inscription puis cliquez sur « Activer mon compte ». Si vous ne le connaissez pas, vous "
            "pourrez en choisir un nouveau sur cette même page. Ce lien est valable 24 heures ; seul le "
            "dernier lien reçu fonctionne.",
            "Si vous n'êtes pas à l'origine de cette demande, ignorez simplement cet email : "
            "aucun compte ne sera activé.",
        ],
        [Link("Activer mon compte", activation_url)],
    )


def already_registered_email(to: str, login_url: str, reset_url: str) -> EmailMessage:
    return compose(
        to,
        "Vous avez déjà un espace abonné",
        [
            "Une demande d'inscription a été faite avec cette adresse email, mais vous avez déjà un compte "
            "actif sur l'espace abonné de la Régie des Eaux du Pays d'Aix.",
            "Vous pouvez vous connecter avec votre mot de passe habituel. "
            "Si vous l'avez oublié, vous pouvez en choisir un nouveau.",
            "Si vous n'êtes pas à l'origine de cette demande, ignorez cet email : votre compte reste inchangé.",
        ],
        [Link("Se connecter", login_url), Link("Mot de passe oublié", reset_url)],
    )
