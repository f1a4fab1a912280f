"""Email addresses: one normal form for uniqueness, syntax checked without DNS."""

from espace_abonne.errors import FieldError, InvalidInput

MAX_EMAIL_LENGTH = 254


def normalize_email(raw: str) -> str:
    """Trimmed and lowercased as a whole: the key an account is stored under."""
    return raw.strip().lower()


def email_errors(normalized: str, field: str = "email") -> list[FieldError]:
    if not normalized:
        return [FieldError(field, "email_required", "Veuillez saisir votre adresse email.")]
    if len(normalized) > MAX_EMAIL_LENGTH:
        return [FieldError(field, "email_too_long", "L'adresse email ne doit pas dépasser 254 caractères.")]
    from email_validator import EmailNotValidError, validate_email  # only paths that check addresses

    try:
        validate_email(normalized, check_deliverability=False)
    except EmailNotValidError:
        return [FieldError(field, "email_invalid", "L'adresse email n'est pas valide.")]
    return []


def valid_email(raw: str) -> str:
    """The normal form of an address given alone, or a 422 naming what is wrong with it."""
    email = normalize_email(raw)
    errors = email_errors(email)
    if errors:
        raise InvalidInput(errors)
    return email
