"""moto, in process, playing DynamoDB, SQS, SES, S3, SNS and Secrets Manager with the template's resources."""

import json
import os
from collections.abc import Callable, Iterable, Iterator
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
    """Creates every bucket of `template` in the current moto backend, versioned where the template says."""
    import boto3

    client = boto3.client("s3", region_name=REGION)
    for name, logical_id in template.bucket_ids().items():
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})  # type: ignore[typeddict-item]
        versioning = template.resources[logical_id]["Properties"].get("VersioningConfiguration", {})
        if versioning.get("Status") == "Enabled":
            client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def create_topics(template: Any) -> None:
    """Creates every SNS topic of `template` (alerts are read back with `sent_alerts`)."""
    import boto3

    client = boto3.client("sns", region_name=REGION)
    for name in template.topic_names():
        client.create_topic(Name=name)


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
    create_topics(template)
    create_secrets(template)
    ses = boto3.client("ses", region_name=REGION)
    for name in template.configuration_sets():
        ses.create_configuration_set(ConfigurationSet={"Name": name})


DEMO = Path(__file__).resolve().parent.parent / "demo"
DEMO_EXPORT = DEMO / "billing-export.jsonl"
DEMO_INVOICES = DEMO / "invoices"  # <invoice number>.pdf, made by scripts/demo_export.py


def billing_inbox(template: Any) -> str:
    """The billing inbox bucket's local name (where the billing system drops its files)."""
    return str(template.functions()["BillingImportFunction"].environment["BILLING_INBOX_BUCKET"])


def drop_invoice_pdf(template: Any, invoice_number: str, content: bytes) -> None:
    """What the billing system does before its export: the invoice's PDF into the inbox."""
    import boto3

    boto3.client("s3", region_name=REGION).put_object(
        Bucket=billing_inbox(template), Key=f"invoices/{invoice_number}.pdf", Body=content
    )


def drop_export(template: Any, export: str | bytes | Iterable[str], name: str) -> str:
    """The billing system's export dropped into the inbox (`exports/<name>.jsonl`): its S3 event
    starts the import once the event sources settle. Returns the key."""
    import boto3

    if not isinstance(export, str | bytes):
        export = "".join(line if line.endswith("\n") else line + "\n" for line in export)
    body = export.encode("utf-8") if isinstance(export, str) else export
    key = f"exports/{name}.jsonl"
    boto3.client("s3", region_name=REGION).put_object(Bucket=billing_inbox(template), Key=key, Body=body)
    return key


def import_report(template: Any, export_key: str) -> dict[str, Any]:
    """The report the import wrote beside an export."""
    import boto3

    body = boto3.client("s3", region_name=REGION).get_object(
        Bucket=billing_inbox(template), Key=f"{export_key}.report.json"
    )["Body"]
    return dict(json.loads(body.read()))


def load_demo_data(template: Any, settle: Callable[[], object]) -> dict[str, Any]:
    """The demo data as the billing system delivers it: the PDFs, then the export, into the inbox;
    `settle` runs the S3 events (the real import function). Returns the import's report."""
    for pdf in sorted(DEMO_INVOICES.glob("*.pdf")):
        drop_invoice_pdf(template, pdf.stem, pdf.read_bytes())
    key = drop_export(template, DEMO_EXPORT.read_text(encoding="utf-8"), "demo")
    settle()
    report = import_report(template, key)
    if report["refused"] or report["missing_pdfs"] or not report["complete"]:
        raise RuntimeError(f"the demo export does not import: {report}")
    return report


def import_export(template: Any, lines: Iterable[str]) -> Any:
    """Runs the import code itself on an export (as `python -m importer` does), with the resources
    and the clé secret of BillingImportFunction; returns its report. The PDFs it copies come from
    the inbox. Work it queues (emails) waits for the event sources to settle."""
    from espace_abonne.contracts.wiring import billing_import_from

    environment = template.functions()["BillingImportFunction"].environment
    importer = billing_import_from(environment, template.secret(template.parameters["ContractKeySecretName"]))
    return importer.run(lines)


def verify_sender(sender: str) -> None:
    import boto3

    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=sender)


@contextmanager
def moto_backend(template: Any) -> Iterator[None]:
    """moto started, the template's resources created, the sender verified (the demo data is
    loaded through the import function: `LocalApi.load_demo_data`)."""
    from moto import mock_aws

    from espace_abonne.core import aws

    use_dummy_aws_environment()
    with mock_aws():
        aws.reset_clients()
        create_resources(template)
        verify_sender(template.parameters["EmailSender"])
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


@dataclass(frozen=True)
class SentAlert:
    topic: str
    subject: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"topic": self.topic, "subject": self.subject, "message": self.message}


def sent_alerts() -> list[SentAlert]:
    """Every message published to an SNS topic (the operators' alerts) since moto started, oldest first."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    alerts = []
    for topic in sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics.values():
        for _, message, subject, _, _ in topic.sent_notifications:
            alerts.append(SentAlert(topic=topic.name, subject=subject or "", message=message))
    return alerts
