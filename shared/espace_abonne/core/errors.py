"""Domain errors. Each carries its HTTP status, a stable code and a French message.

They are turned into responses in one place: `espace_abonne.core.http.create_resolver`.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


@dataclass
class DomainError(Exception):
    status: int
    code: str
    message: str
    errors: list[FieldError] = field(default_factory=list)
    retry_after: int | None = None  # seconds, sent as Retry-After

    def __str__(self) -> str:  # never includes user input
        return f"{self.status} {self.code}"


class InvalidInput(DomainError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(422, "validation_error", "Certains champs sont invalides.", errors)


class InvalidOrExpiredToken(DomainError):
    def __init__(self) -> None:
        super().__init__(
            400,
            "invalid_or_expired_token",
            "Ce lien n'est pas ou plus valide. Demandez un nouveau lien.",
        )


class MalformedJson(DomainError):
    def __init__(self) -> None:
        super().__init__(400, "malformed_json", "Le corps de la requête n'est pas un JSON valide.")


class PayloadTooLarge(DomainError):
    def __init__(self, limit: str = "16\u00a0Kio") -> None:
        super().__init__(413, "payload_too_large", f"La requête est trop volumineuse ({limit} au plus).")


class UnsupportedMediaType(DomainError):
    def __init__(self) -> None:
        super().__init__(415, "unsupported_media_type", "Le corps de la requête doit être du JSON (application/json).")


class ServiceUnavailable(DomainError):
    def __init__(self) -> None:
        super().__init__(
            503,
            "service_unavailable",
            "Le service est momentanément indisponible. Veuillez réessayer dans quelques instants.",
        )


class TooManyAttempts(DomainError):
    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            429,
            "too_many_attempts",
            f"Trop de tentatives. Veuillez réessayer dans {minutes} minute{'s' if minutes > 1 else ''}.",
            retry_after=retry_after,
        )


class NotAuthenticated(DomainError):
    def __init__(self) -> None:
        super().__init__(401, "not_authenticated", "Vous devez être connecté pour accéder à cette page.")


class ForbiddenOrigin(DomainError):
    def __init__(self) -> None:
        super().__init__(403, "forbidden_origin", "Cette requête ne provient pas du site de l'espace abonné.")


class TooManyRequests(DomainError):
    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            429,
            "too_many_requests",
            f"Trop de demandes depuis votre connexion. Veuillez réessayer dans {minutes} minute"
            f"{'s' if minutes > 1 else ''}.",
            retry_after=retry_after,
        )


class DirectAccessRefused(DomainError):
    def __init__(self) -> None:
        super().__init__(403, "direct_access_refused", "L'API de l'espace abonné ne répond qu'au portail.")
