"""Contract numbers and clés.

A clé is short (it is printed on a bill), so it is never stored in clear nor with a plain hash:
the table holds an HMAC-SHA256 keyed with a secret that lives outside the table (in Secrets
Manager, named by the CONTRACT_KEY_SECRET_ID setting and read at run time: core/aws.py's
`secret_value`), bound to the contract number.
"""

import hashlib
import hmac
import re
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

CONTRACT_NUMBER = re.compile(r"^\d{5}\.\d{5}\.\d{2}$")


def is_contract_number(value: str) -> bool:
    return bool(CONTRACT_NUMBER.fullmatch(value))


def _contract_number(value: str) -> str:
    if not is_contract_number(value):
        raise PydanticCustomError(
            "invalid_format", "Le numéro de contrat a la forme 11301.11377.01 (il figure en haut de vos factures)."
        )
    return value


# A request field holding a contract number: a 422 that says the expected format.
ContractNumber = Annotated[
    str,
    AfterValidator(_contract_number),
    WithJsonSchema(
        {"type": "string", "pattern": CONTRACT_NUMBER.pattern, "maxLength": 14, "examples": ["11301.11377.01"]}
    ),
]


def normalize_key(key: str) -> str:
    """`7q4m 2kx9`, `7Q4M-2KX9` and `7Q4M2KX9` are the same clé."""
    return "".join(c for c in key.upper() if c.isalnum())


def key_digest(secret: str, contract_number: str, key: str) -> str:
    message = f"{contract_number}:{normalize_key(key)}".encode()
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def key_matches(secret: str, contract_number: str, key: str, stored_digest: str) -> bool:
    return hmac.compare_digest(key_digest(secret, contract_number, key), stored_digest)
