"""Emails about consumption: the loi Warsmann's alert, and the subscriber's own thresholds."""

from espace_abonne.core.mail import EmailMessage, Link, compose
from espace_abonne.invoices.emails import MONTHS, french_date


def m3(litres: int) -> str:
    """1234567 litres -> "1 234,6 m³" (to the tenth, as the meter's dial reads)."""
    tenths = round(litres / 100)
    units, tenth = divmod(tenths, 10)
    return f"{units:,}".replace(",", "\u202f") + f",{tenth}\u00a0m³"


def litres(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f") + "\u00a0litres"


def leak_alert_email(
    to: str,
    contract_number: str,
    service_address: str,
    reading_date: str,
    since: str,
    volume_m3: int,
    average_l: int,
    years: int,
    reply_by: str,
    dashboard_url: str,
) -> EmailMessage:
    period = "l'année précédente" if years == 1 else f"des {years} années précédentes"
    return compose(
        to,
        f"Consommation anormale sur votre contrat {contract_number}",
        [
            f"Le relevé de votre compteur du {french_date(reading_date)} pour le contrat {contract_number} "
            f"({service_address}) montre une augmentation anormale de votre consommation.",
            f"Consommation mesurée du {french_date(since)} au {french_date(reading_date)}\u00a0: "
            f"{m3(volume_m3 * 1000)}. Votre consommation moyenne sur la même période {period}\u00a0: "
            f"{m3(average_l)}. Elle a donc plus que doublé\u00a0: c'est souvent le signe d'une fuite après "
            "le compteur.",
            "Vos droits (loi «\u00a0Warsmann\u00a0», article L2224-12-4 du code général des collectivités "
            "territoriales)\u00a0:",
            f"• si un plombier répare une fuite sur vos canalisations après le compteur, envoyez-nous son "
            f"attestation (date de la réparation, localisation de la fuite) au plus tard le "
            f"{french_date(reply_by)}\u00a0: vous ne paierez pas la part de consommation qui excède le double "
            f"de votre consommation moyenne, soit {m3(2 * average_l)} au plus pour cette période\u00a0;",
            "• si vous n'avez pas trouvé de fuite, vous pouvez demander la vérification de votre compteur "
            "en écrivant à la Régie\u00a0: vous ne paierez l'excédent qu'une fois établi que le compteur "
            "fonctionne correctement.",
            "Vous pouvez envoyer l'attestation en ligne, en PDF ou en photo, depuis le tableau de bord de "
            "votre contrat.",
        ],
        [Link("Envoyer l'attestation du plombier", dashboard_url)],
    )


def daily_threshold_email(
    to: str, contract_number: str, service_address: str, day: str, volume_l: int, limit_l: int, dashboard_url: str
) -> EmailMessage:
    return compose(
        to,
        f"Seuil de consommation dépassé le {french_date(day)}",
        [
            f"Le {french_date(day)}, votre compteur du contrat {contract_number} ({service_address}) a "
            f"enregistré {litres(volume_l)}, au-delà du seuil de {litres(limit_l)} par jour que vous avez "
            "choisi.",
            "Si personne n'a consommé autant ce jour-là, vérifiez vos installations\u00a0: une chasse d'eau "
            "ou un robinet qui fuit peut coûter cher.",
            "Vous recevez ce message une fois par jour de dépassement. Vous pouvez changer ou supprimer ce "
            "seuil depuis le tableau de bord du contrat.",
        ],
        [Link("Voir ma consommation", dashboard_url)],
    )


def monthly_threshold_email(
    to: str, contract_number: str, service_address: str, month: str, volume_l: int, limit_m3: int, dashboard_url: str
) -> EmailMessage:
    year, number = (int(part) for part in month.split("-"))
    name = f"{MONTHS[number - 1]} {year}"
    return compose(
        to,
        f"Seuil de consommation mensuel dépassé en {name}",
        [
            f"En {name}, votre compteur du contrat {contract_number} ({service_address}) a déjà enregistré "
            f"{m3(volume_l)}, au-delà du seuil de {limit_m3}\u00a0m³ par mois que vous avez choisi.",
            "Si cette consommation vous surprend, vérifiez vos installations\u00a0: une fuite après le "
            "compteur est à votre charge.",
            "Vous recevez ce message une fois par mois de dépassement. Vous pouvez changer ou supprimer ce "
            "seuil depuis le tableau de bord du contrat.",
        ],
        [Link("Voir ma consommation", dashboard_url)],
    )
