"""AWS clients, created on first use (never at import: tests start moto first, cold start stays short),
and the secrets read through them.

Retries are bounded (standard mode, 3 attempts) and timeouts stay well under the
functions' timeout, so a slow dependency ends in a clear 503 instead of a Lambda timeout.
"""

import threading
import time
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient


# boto3's default session is not thread-safe while it creates a client; a Lambda runs one request at
# a time, but threads that share a process (the local server, concurrency tests) must not race there.
_creating = threading.Lock()


def _config() -> "Config":
    from botocore.config import Config

    return Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "total_max_attempts": 3})


@cache
def dynamodb() -> "DynamoDBClient":
    import boto3

    with _creating:
        return boto3.client("dynamodb", config=_config())


@cache
def dynamodb_bulk() -> "DynamoDBClient":
    """The billing import's DynamoDB client: up to 32 requests at once (one per writer thread), and
    no client-side check of the request's shape — it writes items it built from validated records,
    and that check took a quarter of its CPU per written contract under the profiler (about 10 % in
    bench/import_rate.py's figures)."""
    import boto3
    from botocore.config import Config

    config = _config().merge(Config(parameter_validation=False, max_pool_connections=32))
    return boto3.client("dynamodb", config=config)


@cache
def ses() -> "SESClient":
    import boto3

    with _creating:
        return boto3.client("ses", config=_config())


@cache
def sqs() -> "SQSClient":
    import boto3

    with _creating:
        return boto3.client("sqs", config=_config())


@cache
def s3() -> "S3Client":
    import boto3

    with _creating:
        return boto3.client("s3", config=_config())


@cache
def sns() -> "SNSClient":
    import boto3

    with _creating:
        return boto3.client("sns", config=_config())


@cache
def secretsmanager() -> "SecretsManagerClient":
    import boto3

    with _creating:
        return boto3.client("secretsmanager", config=_config())


# Secrets are read at run time, never placed in an environment variable, and cached for the life
# of an execution environment, 5 minutes at most: a rotated secret is picked up without a deploy,
# at the cost of one GetSecretValue per function instance and 5 minutes.
SECRET_MAX_AGE = 300.0
_secrets: dict[str, tuple[float, str]] = {}


def secret_value(secret_id: str, stage: str = "AWSCURRENT") -> str:
    """The secret's value at that stage (AWSPREVIOUS: "" when it has none yet)."""
    now = time.monotonic()
    key = f"{secret_id}#{stage}"
    cached = _secrets.get(key)
    if cached is not None and now - cached[0] < SECRET_MAX_AGE:
        return cached[1]
    try:
        value = secretsmanager().get_secret_value(SecretId=secret_id, VersionStage=stage)["SecretString"]
    except secretsmanager().exceptions.ResourceNotFoundException:
        if stage == "AWSCURRENT":
            raise
        value = ""  # never rotated: no previous value
    _secrets[key] = (now, value)
    return value


def reset_clients() -> None:
    """Forget the clients and cached secrets (tests and local mode call it when they swap the AWS backend)."""
    for client in (dynamodb, dynamodb_bulk, ses, sqs, s3, sns, secretsmanager):
        client.cache_clear()
    _secrets.clear()
