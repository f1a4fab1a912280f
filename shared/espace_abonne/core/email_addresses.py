"""Email addresses: one normal form for uniqueness, syntax checked without DNS."""

from espace_abonne.core.errors import FieldError, InvalidInput

MAX_EMAIL_LENGTH = 254


def normalize_email(raw: str) -> str:
    """Trimmed and lowercased as a whole: the key an account is stored under."""
    return raw.strip().lower()


def email_errors(normalized: str, field: str = "email") -> list[FieldError]:
    if not normalized:
        return [FieldError(field, "email_required", "Veuillez saisir votre adresse email.")]
    if len(normalized) > MAX_EMAIL_LENGTH:
        return [FieldError(field, "email_too_long", "L'adresse email ne doit pas dépasser 254 caractères.")]
    if not normalized.rpartition("@")[0].isascii():
        # SES cannot deliver to a non-ASCII local part: refused before anything is stored.
        return [
            FieldError(
                field, "email_unsupported", "Les accents et caractères spéciaux ne sont pas acceptés avant le « @ »."
            )
        ]
    from email_validator import EmailNotValidError, validate_email  # only paths that check addresses

    try:
        validate_email(normalized, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return [FieldError(field, "email_invalid", "L'adresse email n'est pas valide.")]
    return []


def valid_email(raw: str, field: str = "email") -> str:
    """The normal form of an address given alone, or a 422 naming what is wrong with it."""
    email = normalize_email(raw)
    errors = email_errors(email, field)
    if errors:
        raise InvalidInput(errors)
    return email


def mailbox_of(email: str) -> str:
    """The mailbox an address delivers to: `a+1@x.fr` and `a+2@x.fr` are both `a@x.fr` (RFC 5233
    sub-addressing), so tagged variants share one cap on what the Régie sends."""
    local, _, domain = email.rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"
