"""moto, in process, playing DynamoDB and SES with the template's tables."""

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from local_mode.template import REGION

# Dummy credentials and a fixed region: nothing may ever reach real AWS from here.
AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def use_dummy_aws_environment() -> None:
    os.environ.update(AWS_ENVIRONMENT)
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_ENDPOINT_URL", None)


def create_tables(template: Any) -> None:
    """Creates every table of `template` (a `local_mode.template.Template`) in the current moto backend."""
    import boto3

    client = boto3.client("dynamodb", region_name=REGION)
    for definition in template.table_definitions().values():
        client.create_table(**definition)
    for table, attribute in template.ttl_attributes().items():
        client.update_time_to_live(
            TableName=table, TimeToLiveSpecification={"AttributeName": attribute, "Enabled": True}
        )


def create_queues(template: Any) -> None:
    """Creates every queue of `template` (dead-letter queues first) in the current moto backend."""
    import boto3

    client = boto3.client("sqs", region_name=REGION)
    for name, attributes in template.queue_definitions().items():
        client.create_queue(QueueName=name, Attributes=attributes)


def create_buckets(template: Any) -> None:
    """Creates every bucket of `template` in the current moto backend."""
    import boto3

    client = boto3.client("s3", region_name=REGION)
    for name in template.bucket_names():
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})  # type: ignore[typeddict-item]


def create_secrets(template: Any) -> None:
    """The secrets the template names, with their local values (a deployed stack has its own)."""
    import boto3

    client = boto3.client("secretsmanager", region_name=REGION)
    for name, value in template.local_secrets().items():
        client.create_secret(Name=name, SecretString=value)


def create_resources(template: Any) -> None:
    """Everything the template declares that moto plays: tables, queues, buckets, secrets, the
    SES configuration sets the emails go through."""
    import boto3

    create_tables(template)
    create_queues(template)
    create_buckets(template)
    create_secrets(template)
    ses = boto3.client("ses", region_name=REGION)
    for name in template.configuration_sets():
        ses.create_configuration_set(ConfigurationSet={"Name": name})


DEMO_EXPORT = Path(__file__).resolve().parent.parent / "demo" / "billing-export.jsonl"


def import_export(template: Any, lines: Iterable[str]) -> Any:
    """Runs the real importer on an export, with the template's tables and queue; returns its report."""
    from espace_abonne.contracts.linking import FormerPayerLinks
    from espace_abonne.contracts.links_store import LinkStore
    from espace_abonne.core.outbox import Outbox
    from importer.load import import_records

    # The tables and queue the contracts function uses: the importer writes what it reads.
    environment = template.functions()["ContractsFunction"].environment
    secret = template.secret(template.parameters["ContractKeySecretName"])
    links = FormerPayerLinks(LinkStore(environment["LINKS_TABLE"]), Outbox(environment["OUTBOX_QUEUE_URL"]))
    return import_records(lines, environment["BILLING_TABLE"], secret, links)


def load_demo_data(template: Any) -> Any:
    """Loads the demo billing export with the real importer; returns its report."""
    with DEMO_EXPORT.open(encoding="utf-8") as lines:
        report = import_export(template, lines)
    if report.errors:
        raise RuntimeError(f"the demo export does not import: {report.errors}")
    return report


def verify_sender(sender: str) -> None:
    import boto3

    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=sender)


@contextmanager
def moto_backend(template: Any) -> Iterator[None]:
    """moto started, tables created from the template, the sender verified."""
    from moto import mock_aws

    from espace_abonne.core import aws

    use_dummy_aws_environment()
    with mock_aws():
        aws.reset_clients()
        create_resources(template)
        verify_sender(template.parameters["EmailSender"])
        load_demo_data(template)
        try:
            yield
        finally:
            aws.reset_clients()


@dataclass(frozen=True)
class SentEmail:
    to: str
    subject: str
    text: str
    html: str

    def as_json(self) -> dict[str, str]:
        return {"to": self.to, "subject": self.subject, "text": self.text, "html": self.html}


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return str(part.get_content()) if part is not None else ""


def sent_emails() -> list[SentEmail]:
    """Every email SES (moto) accepted since it started, oldest first."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import RawMessage, ses_backends

    emails = []
    for sent in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
        if not isinstance(sent, RawMessage):
            continue
        raw = sent.raw_data.encode("utf-8") if isinstance(sent.raw_data, str) else sent.raw_data
        message = message_from_bytes(raw, policy=policy.default)
        if not isinstance(message, EmailMessage):  # policy.default always builds one
            raise TypeError("unexpected message class")
        emails.append(
            SentEmail(
                to=str(message["To"]),
                subject=str(message["Subject"]),
                text=_part(message, "plain"),
                html=_part(message, "html"),
            )
        )
    return emails
