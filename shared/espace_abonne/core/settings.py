"""Configuration read from the environment into a validated model.

The environment variable names are the ones `template.yaml` sets on the functions. Each
function receives only what it uses: resource names are optional here and asked for with
`require`, which names the missing variable.
"""

import os
from functools import cache
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _origin_of(url: str) -> str:
    """`https://portail.example.fr/app/` -> `https://portail.example.fr`."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _valid_url(url: str) -> str:
    url = url.rstrip("/")
    scheme, sep, host = url.partition("://")
    if not sep or scheme not in ("https", "http") or not host:
        raise ValueError("must be an absolute http(s) URL")
    return url


Url = Annotated[str, AfterValidator(_valid_url)]


class MissingSetting(RuntimeError):
    def __init__(self, variable: str) -> None:
        super().__init__(f"{variable} is not set for this function")


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    frontend_url: Url = Field(alias="FRONTEND_URL")
    # Extra origins allowed to call the API besides FRONTEND_URL's (comma separated).
    extra_allowed_origins: str = Field(default="", alias="EXTRA_ALLOWED_ORIGINS")
    # Behind CloudFront: the secret CloudFront sends (core/edge.py); unset where nothing is in front.
    origin_verify_secret_id: str | None = Field(default=None, alias="ORIGIN_VERIFY_SECRET_ID", min_length=3)

    accounts_table: str | None = Field(default=None, alias="ACCOUNTS_TABLE", min_length=3)
    tokens_table: str | None = Field(default=None, alias="TOKENS_TABLE", min_length=3)
    sessions_table: str | None = Field(default=None, alias="SESSIONS_TABLE", min_length=3)
    throttles_table: str | None = Field(default=None, alias="THROTTLES_TABLE", min_length=3)
    links_table: str | None = Field(default=None, alias="LINKS_TABLE", min_length=3)
    billing_table: str | None = Field(default=None, alias="BILLING_TABLE", min_length=3)
    requests_table: str | None = Field(default=None, alias="REQUESTS_TABLE", min_length=3)
    # What subscribers did that the billing system must know: see core/return_feed.py.
    return_feed_table: str | None = Field(default=None, alias="RETURN_FEED_TABLE", min_length=3)
    # Work done after the answer (emails, account lookups): see core/outbox.py.
    outbox_queue_url: str | None = Field(default=None, alias="OUTBOX_QUEUE_URL", min_length=3)
    # The buckets the billing system and the portal exchange files through (docs/billing-export.md):
    # the inbox it drops its export and PDFs into, the portal's own copy of the PDFs, the return feed.
    billing_inbox_bucket: str | None = Field(default=None, alias="BILLING_INBOX_BUCKET", min_length=3)
    documents_bucket: str | None = Field(default=None, alias="DOCUMENTS_BUCKET", min_length=3)
    return_feed_bucket: str | None = Field(default=None, alias="RETURN_FEED_BUCKET", min_length=3)
    # The operators' SNS topic (alarms, and the import's refused records).
    alarm_topic_arn: str | None = Field(default=None, alias="ALARM_TOPIC_ARN", min_length=3)
    # Contracts the billing import writes at once (threads; DynamoDB and S3 calls overlap).
    billing_import_concurrency: int = Field(default=1, alias="BILLING_IMPORT_CONCURRENCY", ge=1, le=32)

    # Where subscription requests and contact messages are sent.
    regie_contact_email: str | None = Field(default=None, alias="REGIE_CONTACT_EMAIL", min_length=3)
    # The Secrets Manager secret that keys the HMAC of contract clés (its name; read at run time).
    contract_key_secret_id: str | None = Field(default=None, alias="CONTRACT_KEY_SECRET_ID", min_length=3)
    # Only the function that sends email (the outbox worker) needs these.
    email_sender: str | None = Field(default=None, alias="EMAIL_SENDER", min_length=3)
    ses_configuration_set: str = Field(default="", alias="SES_CONFIGURATION_SET")
    # Sign-up, resend and forgot-password requests one source IP may make in an hour.
    email_requests_per_ip_per_hour: int = Field(default=30, alias="EMAIL_REQUESTS_PER_IP_PER_HOUR", ge=1)

    # Online payments (PayFiP, PRODUCT.md §6; docs/payments.md).
    payments_table: str | None = Field(default=None, alias="PAYMENTS_TABLE", min_length=3)
    payfip_numcli: str | None = Field(default=None, alias="PAYFIP_NUMCLI", pattern=r"^[0-9]{6}$")
    payfip_saisie: Literal["T", "X", "W"] = Field(default="T", alias="PAYFIP_SAISIE")
    # DGFiP's own service when unset (espace_abonne.payments.payfip); local mode points them at its simulator.
    payfip_ws_url: Url | None = Field(default=None, alias="PAYFIP_WS_URL")
    payfip_payment_url: Url | None = Field(default=None, alias="PAYFIP_PAYMENT_URL")
    # Where PayFiP reaches the API (urlnotif, urlredirect): the API's public base URL, no trailing slash.
    public_api_url: Url | None = Field(default=None, alias="PUBLIC_API_URL")

    @property
    def allowed_origins(self) -> frozenset[str]:
        extra = {o.strip().rstrip("/") for o in self.extra_allowed_origins.split(",") if o.strip()}
        return frozenset({_origin_of(self.frontend_url), *extra})

    def require(self, field: str) -> str:
        """A resource name this function needs; fails loudly when the template did not give it."""
        value = getattr(self, field)
        if not value:
            raise MissingSetting(str(type(self).model_fields[field].alias))
        return str(value)


@cache
def get_settings() -> Settings:
    """Settings of this process, read once (environment changes need `get_settings.cache_clear()`)."""
    return Settings.model_validate(dict(os.environ))
