"""The consumption thresholds' watch (EventBridge, every morning after the night's import): one
email per day or month over an account's threshold (PRODUCT.md §8; consumption/thresholds.py).
Every line of a run carries its EventBridge event's id as correlation id."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from espace_abonne.consumption.wiring import threshold_watch

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = threshold_watch().run()
    logger.info("consumption thresholds watched", extra=vars(report))
    metrics.add_metric(name="ThresholdEmails", unit=MetricUnit.Count, value=report.emails)
    return vars(report)
