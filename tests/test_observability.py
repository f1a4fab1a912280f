"""What an operator reads in CloudWatch Logs: every line of a run says which run it belongs to — the
EventBridge event of a scheduled function, the API Gateway request and the X-Ray trace of an API
call — so that one query gathers a run's lines (docs/operations.md, Observability)."""

import logging
from collections.abc import Iterator

import pytest

from local_mode.event_sources import scheduled_event
from local_mode.template import Template
from tests.conftest import Api, CapturedLogs, FrozenClock

TRACE_HEADER = "Root=1-6745a1b2-5e1f0c3d9a8b7c6d5e4f3a2b;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture
def info_logs(template: Template, logs: CapturedLogs) -> Iterator[CapturedLogs]:
    """The functions' INFO lines too (tests run them at the template's local WARNING)."""
    loggers = [logging.getLogger(f.environment["POWERTOOLS_SERVICE_NAME"]) for f in template.functions().values()]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.INFO)
    yield logs
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.mark.usefixtures("aws")
def test_a_scheduled_run_logs_its_eventbridge_event_id_on_every_line(
    api: Api, template: Template, clock: FrozenClock, info_logs: CapturedLogs
) -> None:
    assert set(template.schedules()) == {"PaymentSettlerFunction", "ConsumptionAlertsFunction", "ReturnFeedFunction"}
    for function in sorted(template.schedules()):
        service = template.functions()[function].environment["POWERTOOLS_SERVICE_NAME"]
        event = scheduled_event(function, clock.now())
        info_logs.lines.clear()

        api.call(function, event)

        lines = [r for r in info_logs.records() if r["service"] == service]
        assert lines, f"{function} logs a line per run"
        assert {r.get("correlation_id") for r in lines} == {event["id"]}, function


@pytest.mark.usefixtures("aws")
def test_an_operators_run_of_the_return_feed_logs_lambdas_request_id(
    api: Api, clock: FrozenClock, info_logs: CapturedLogs
) -> None:
    api.call("ReturnFeedFunction", {"day": "2026-11-01"})

    [line] = [r for r in info_logs.records() if r["message"] == "return feed written"]
    assert line["correlation_id"] == "test-request"  # the invocation's aws_request_id


@pytest.mark.usefixtures("aws")
def test_an_api_functions_lines_carry_the_request_id_and_the_x_ray_trace_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, info_logs: CapturedLogs
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE_HEADER)  # what Lambda sets for each traced invocation

    response = api.post("/accounts/activation", {"token": "t" * 43, "password": "Ecluse9!Torse"})

    assert response.status == 400
    [refused] = [r for r in info_logs.records() if r["message"] == "request refused"]
    assert refused["xray_trace_id"] == "1-6745a1b2-5e1f0c3d9a8b7c6d5e4f3a2b"
    assert refused["correlation_id"]  # API Gateway's request id
