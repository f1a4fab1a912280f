"""ReturnFeedFunction: every night (EventBridge schedule), yesterday's return feed as one JSON-lines
file in the bucket the billing system reads (core/return_feed.py; docs/return-feed.md).

An operator writes any day again by invoking it with `{"day": "YYYY-MM-DD"}`: the same records give
the same file. Only a day that is over (Paris time): today's file, written now, would lack the rest
of the day's records and be overwritten by the nightly run under the same name — two different
files for one day, where the billing system is promised the same bytes.

Every line of a run carries a correlation id: the EventBridge event's id, or Lambda's request id
for an operator's run.
"""

import datetime as dt
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()


def _day_to_write(event: dict[str, Any]) -> str:
    from espace_abonne.core.clock import current_clock, paris_datetime
    from espace_abonne.core.return_feed import is_day, previous_day

    now = current_clock().now()
    asked = event.get("day")
    if asked is None:  # the schedule: the Paris day before the rule's time
        when = event.get("time")
        at = int(dt.datetime.fromisoformat(str(when).replace("Z", "+00:00")).timestamp()) if when else now
        return previous_day(at)
    if not isinstance(asked, str) or not is_day(asked):
        raise ValueError(f"day must be YYYY-MM-DD, not {asked!r}")
    if asked >= paris_datetime(now).date().isoformat():
        raise ValueError(f"{asked} is not over yet (Paris time): its file is written once the day is over")
    return asked


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from espace_abonne.core.wiring import return_feed_file

    if logger.get_correlation_id() is None:  # an operator's run: no EventBridge event
        logger.set_correlation_id(context.aws_request_id)

    written = return_feed_file().write(_day_to_write(event))
    logger.info("return feed written", extra={"day": written.day, "key": written.key, "records": written.records})
    metrics.add_metric(name="ReturnFeedRecords", unit=MetricUnit.Count, value=written.records)
    return {"day": written.day, "key": written.key, "records": written.records}
