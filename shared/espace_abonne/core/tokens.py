"""Secret tokens sent by email (activation, reset) and used as session ids.

Only the SHA-256 of a token is stored: a token carries 256 random bits, so a fast hash is
enough to make a leaked table useless.
"""

import hashlib
import secrets
from dataclasses import dataclass

TOKEN_BYTES = 32


@dataclass(frozen=True)
class NewToken:
    value: str  # sent to the user, never stored nor logged
    digest: str  # stored


def token_digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_token() -> NewToken:
    value = secrets.token_urlsafe(TOKEN_BYTES)
    return NewToken(value=value, digest=token_digest(value))
