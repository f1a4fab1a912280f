"""The password policy of the tutorial, common-password refusal, and argon2id hashing."""

import gzip
import unicodedata
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from espace_abonne.core.errors import FieldError

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 7
MAX_LENGTH = 128
FORBIDDEN_CHARACTERS = "+-"

# OWASP's minimum for argon2id; raising any of them makes logins re-hash.
ARGON2_MEMORY_KIB = 19456
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1


# Control, format (zero-width space, BOM, soft hyphen…), surrogate, private-use and unassigned
# characters: invisible or unstable, refused rather than counted as « special ».
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def normalize_password(password: str) -> str:
    """NFKC: the same password typed on any keyboard or pasted from anywhere gives the same hash."""
    return unicodedata.normalize("NFKC", password)


def _is_invisible(char: str) -> bool:
    return unicodedata.category(char) in _REFUSED_CATEGORIES


def _is_special(char: str) -> bool:
    return not (char.isalpha() or char.isdigit() or char.isspace() or _is_invisible(char))


def password_errors(
    password: str,
    confirmation: str | None = None,
    field: str = "password",
    confirmation_field: str = "password_confirmation",
) -> list[FieldError]:
    """Every failing rule at once, each with its own code and French message."""
    errors: list[FieldError] = []
    confirmation = None if confirmation is None else normalize_password(confirmation)
    password = normalize_password(password)

    def fail(code: str, message: str) -> None:
        errors.append(FieldError(field, code, message))

    if len(password) < MIN_LENGTH:
        fail("password_too_short", "Le mot de passe doit contenir au moins 7 caractères.")
    if len(password) > MAX_LENGTH:
        fail("password_too_long", "Le mot de passe ne doit pas dépasser 128 caractères.")
    if not any(c.isdigit() for c in password):
        fail("password_missing_digit", "Le mot de passe doit contenir au moins un chiffre.")
    if not any(c.islower() for c in password):
        fail("password_missing_lowercase", "Le mot de passe doit contenir au moins une lettre minuscule.")
    if not any(c.isupper() for c in password):
        fail("password_missing_uppercase", "Le mot de passe doit contenir au moins une lettre majuscule.")
    if not any(_is_special(c) and c not in FORBIDDEN_CHARACTERS for c in password):
        fail(
            "password_missing_special",
            "Le mot de passe doit contenir au moins un caractère spécial (autre que « + » et « - »).",
        )
    if any(c in FORBIDDEN_CHARACTERS for c in password):
        fail("password_forbidden_character", "Les caractères « + » et « - » ne sont pas acceptés.")
    if any(_is_invisible(c) for c in password):
        fail(
            "password_invisible_character",
            "Le mot de passe contient un caractère invisible ou de contrôle : retapez-le sans le copier-coller.",
        )
    if not errors and is_common_password(password):
        fail(
            "password_too_common",
            "Ce mot de passe est trop courant et facile à deviner. Choisissez-en un autre.",
        )
    if confirmation is not None and confirmation != password:
        errors.append(
            FieldError(
                confirmation_field,
                "password_confirmation_mismatch",
                "La confirmation ne correspond pas au mot de passe.",
            )
        )
    return errors


@cache
def _common_passwords() -> frozenset[str]:
    data = resources.files("espace_abonne.accounts.data").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def is_common_password(password: str) -> bool:
    """A listed password, alone or followed by the digits and symbols a policy makes people append.

    `Azerty123!` is refused: `azerty123!`, `azerty123`, `azerty12`, `azerty1` and `azerty` are tried.
    """
    common = _common_passwords()
    candidate = password.strip().lower()
    while len(candidate) >= 4:
        if candidate in common:
            return True
        if candidate[-1].isalpha():
            return False
        candidate = candidate[:-1]
    return False


@cache
def password_hasher() -> "PasswordHasher":
    from argon2 import PasswordHasher, Type  # imported on first use: only hashing paths pay for it

    return PasswordHasher(
        time_cost=ARGON2_TIME_COST,
        memory_cost=ARGON2_MEMORY_KIB,
        parallelism=ARGON2_PARALLELISM,
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return password_hasher().hash(normalize_password(password))


# The hash of a random password nobody knows, at the current parameters: logins for unknown
# addresses verify against it, so that they cost one hash computation like the others.
DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$Dh7HN57aTV5X9FPPxoztpA$6lM8PKJbY4aNLzQE0wuf8/xpn7RIWvFm4qAp0/BC/AM"


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return password_hasher().verify(password_hash, normalize_password(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return password_hasher().check_needs_rehash(password_hash)
