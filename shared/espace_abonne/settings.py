"""Configuration read from the environment into a validated model.

The environment variable names are the ones `template.yaml` sets on the functions.
"""

import os
from functools import cache
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr


def _origin_of(url: str) -> str:
    """`https://portail.example.fr/app/` -> `https://portail.example.fr`."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _valid_frontend_url(url: str) -> str:
    url = url.rstrip("/")
    scheme, sep, host = url.partition("://")
    if not sep or scheme not in ("https", "http") or not host:
        raise ValueError("FRONTEND_URL must be an absolute http(s) URL")
    return url


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    accounts_table: str = Field(alias="ACCOUNTS_TABLE", min_length=3)
    tokens_table: str = Field(alias="TOKENS_TABLE", min_length=3)
    sessions_table: str = Field(alias="SESSIONS_TABLE", min_length=3)
    throttles_table: str = Field(alias="THROTTLES_TABLE", min_length=3)
    links_table: str = Field(alias="LINKS_TABLE", min_length=3)
    billing_table: str = Field(alias="BILLING_TABLE", min_length=3)
    requests_table: str = Field(alias="REQUESTS_TABLE", min_length=3)
    # Where subscription requests and contact messages are sent.
    regie_contact_email: str = Field(alias="REGIE_CONTACT_EMAIL", min_length=3)
    # Keys the HMAC of contract clés; only the functions that check clés receive it.
    contract_key_secret: SecretStr | None = Field(default=None, alias="CONTRACT_KEY_SECRET", min_length=32)
    frontend_url: Annotated[str, AfterValidator(_valid_frontend_url)] = Field(alias="FRONTEND_URL")
    email_sender: str = Field(alias="EMAIL_SENDER", min_length=3)
    ses_configuration_set: str = Field(default="", alias="SES_CONFIGURATION_SET")
    # Extra origins allowed to call the API besides FRONTEND_URL's (comma separated).
    extra_allowed_origins: str = Field(default="", alias="EXTRA_ALLOWED_ORIGINS")

    @property
    def allowed_origins(self) -> frozenset[str]:
        extra = {o.strip().rstrip("/") for o in self.extra_allowed_origins.split(",") if o.strip()}
        return frozenset({_origin_of(self.frontend_url), *extra})


@cache
def get_settings() -> Settings:
    """Settings of this process, read once (environment changes need `get_settings.cache_clear()`)."""
    return Settings.model_validate(dict(os.environ))
