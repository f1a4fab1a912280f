"""BillingImportFunction: the billing system dropped an export in the billing inbox (S3 event).

The import runs here, in AWS, with the clé secret read from Secrets Manager (contracts/inbox.py,
contracts/importing.py). An import that would outlast the function stops between two chunks of
contracts and leaves a resume marker in the inbox: its S3 event starts the next run, which carries on.
S3 delivers an event at least once; an import run twice writes nothing new and announces nothing
again. One import at a time (reserved concurrency 1): two exports dropped together are imported one
after the other.
"""

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()

# Stop taking new contracts this long before the function's timeout: the chunks in flight finish,
# the report and the resume marker are written.
MARGIN_MS = 120_000


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from espace_abonne.contracts.wiring import billing_inbox

    inbox = billing_inbox()
    reports = []
    for record in event.get("Records", []):
        s3 = record.get("s3") or {}
        bucket = str((s3.get("bucket") or {}).get("name", ""))
        key = unquote_plus(str((s3.get("object") or {}).get("key", "")))
        if bucket != inbox.bucket:
            logger.warning("object of another bucket ignored", extra={"bucket": bucket})
            continue
        logger.set_correlation_id(key)
        report = inbox.receive(
            key,
            (s3.get("object") or {}).get("versionId"),
            out_of_time=lambda: context.get_remaining_time_in_millis() < MARGIN_MS,
        )
        if report is None:
            logger.info("not an export: nothing to do", extra={"key": key})
            continue
        summary = {k: report[k] for k in ("export", "complete", "passes", "imported", "written", "unchanged")}
        logger.info(
            "billing import run",
            extra={**summary, "refused": len(report["refused"]), "missing_pdfs": len(report["missing_pdfs"])},
        )
        metrics.add_metric(name="ContractsWritten", unit=MetricUnit.Count, value=report["written"])
        metrics.add_metric(name="RecordsRefused", unit=MetricUnit.Count, value=len(report["refused"]))
        metrics.add_metric(name="NewInvoices", unit=MetricUnit.Count, value=report["new_invoices"])
        reports.append(summary)
    return {"reports": reports}
