"""The payment settler (EventBridge, every 5 minutes): asks PayFiP about every payment still pending,
for the notifications that never came; expires those whose operation can no longer succeed.

Its metrics are what the operators' alarms watch: `OldestPendingPaymentAge` (a payment stuck
pending) and `PaymentAnomalies` (a detail that does not match, a payment accepted late). Every line
of a run carries its EventBridge event's id as correlation id.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from espace_abonne.payments.service import ANOMALIES
from espace_abonne.payments.wiring import payment_outcomes

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = payment_outcomes().settle_pending()
    for checked in report.checked:
        extra = {
            "event": checked.event,
            "payment_id": checked.payment.payment_id if checked.payment else None,
            "problems": list(checked.problems),
        }
        if checked.event in ANOMALIES:
            logger.error("payment anomaly: see docs/payments.md", extra=extra)
        elif checked.event != "unchanged":
            logger.info("payment settled", extra=extra)
    logger.info(
        "pending payments checked",
        extra={
            "checked": len(report.checked),
            "anomalies": report.anomalies,
            "oldest_pending_s": report.oldest_pending_age,
            "receipts_sent": report.receipts_sent,
            "receipts_failed": report.receipts_failed,
        },
    )
    metrics.add_metric(name="PaymentsSettled", unit=MetricUnit.Count, value=len(report.checked))
    metrics.add_metric(name="PaymentAnomalies", unit=MetricUnit.Count, value=report.anomalies)
    metrics.add_metric(name="PayfipErrors", unit=MetricUnit.Count, value=report.count("unavailable"))
    metrics.add_metric(name="OldestPendingPaymentAge", unit=MetricUnit.Seconds, value=report.oldest_pending_age)
    return report.as_json()
