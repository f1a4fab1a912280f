"""AWS clients, created on first use (never at import: tests start moto first, cold start stays short).

Retries are bounded (standard mode, 3 attempts) and timeouts stay well under the
functions' timeout, so a slow dependency ends in a clear 503 instead of a Lambda timeout.
"""

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sqs import SQSClient


def _config() -> "Config":
    from botocore.config import Config

    return Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "total_max_attempts": 3})


@cache
def dynamodb() -> "DynamoDBClient":
    import boto3

    return boto3.client("dynamodb", config=_config())


@cache
def ses() -> "SESClient":
    import boto3

    return boto3.client("ses", config=_config())


@cache
def sqs() -> "SQSClient":
    import boto3

    return boto3.client("sqs", config=_config())


def reset_clients() -> None:
    """Forget the clients (tests and local mode call it when they swap the AWS backend)."""
    dynamodb.cache_clear()
    ses.cache_clear()
    sqs.cache_clear()
