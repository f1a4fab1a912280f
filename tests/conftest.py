"""Fixtures: moto with the template's own tables, an injected clock, an API client over the handlers."""

import collections
import json
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from local_mode.backend import AWS_ENVIRONMENT, SentEmail, create_resources, sent_emails, verify_sender
from local_mode.event_sources import EventSources
from local_mode.events import proxy_event
from local_mode.server import load_handlers
from local_mode.template import ROOT, Template, load_template

FRONTEND_URL = "https://monespace.eauxdupaysdaix.fr"

# Settings for the whole test session: dummy credentials, a fixed region, no X-Ray, no metrics flush.
os.environ.update(AWS_ENVIRONMENT)
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
os.environ["POWERTOOLS_METRICS_NAMESPACE"] = "EspaceAbonneTests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def local_mode_environment() -> dict[str, str]:
    """Settings a test module gives local mode (override it in the module)."""
    return {}


@pytest.fixture(scope="module")
def local_api(local_mode_environment: dict[str, str]) -> Iterator[str]:
    """Local mode started as `make run` starts it, on a free port; one per test module."""
    from local_mode.__main__ import ENVIRONMENT_PARAMETERS

    port = free_port()
    # Only the settings the module gives: the handlers' environment (loaded in this process) names
    # PAYFIP_* and PUBLIC_API_URL too, which local mode would otherwise take for its own.
    inherited = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_PARAMETERS}
    env = {**inherited, **local_mode_environment, "PORT": str(port), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "local_mode"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    banner = process.stdout.readline()  # printed once the server listens
    assert f"http://127.0.0.1:{port}" in banner, banner
    # Keep reading its console (a request line each, every email) so that the pipe never fills up.
    console = Console()
    threading.Thread(target=console.read, args=(process.stdout,), daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    CONSOLES[url] = console
    yield url
    del CONSOLES[url]
    process.terminate()
    process.wait(timeout=10)


class Console:
    """The last lines local mode printed, in the order it printed them."""

    def __init__(self) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=400)
        self._changed = threading.Condition()

    def read(self, stream: Iterable[str]) -> None:
        for line in stream:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def until(self, text: str, timeout: float = 10) -> list[str]:
        """The lines up to the first one that contains `text` (waits for local mode to print it)."""

        def printed() -> bool:
            return any(text in line for line in self.lines)

        with self._changed:
            assert self._changed.wait_for(printed, timeout), f"local mode never printed {text!r}"
            lines = list(self.lines)
        return lines[: next(i for i, line in enumerate(lines) if text in line) + 1]


CONSOLES: dict[str, Console] = {}


@pytest.fixture(scope="session")
def template() -> Template:
    return load_template({"FrontendUrl": FRONTEND_URL})


@pytest.fixture(scope="session")
def handlers(template: Template) -> dict[str, Callable[..., dict[str, Any]]]:
    """The real handlers, imported with their template environment."""
    return load_handlers(template)


@pytest.fixture
def aws(template: Template) -> Iterator[None]:
    """A fresh moto account: the template's tables and queues, the sender verified."""
    from moto import mock_aws

    from espace_abonne.core import aws as clients
    from espace_abonne.core.settings import get_settings

    with mock_aws():
        clients.reset_clients()
        get_settings.cache_clear()
        create_resources(template)
        verify_sender(template.parameters["EmailSender"])
        yield
        clients.reset_clients()


class FrozenClock:
    def __init__(self, start: int = 1_795_000_000) -> None:
        self.current = start

    def now(self) -> int:
        return self.current

    def advance(self, seconds: int) -> None:
        self.current += seconds


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    from espace_abonne.core.clock import use_clock

    with use_clock(FrozenClock()) as frozen:
        yield frozen


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, list[str]]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        for key, values in self.headers.items():
            if key.lower() == name.lower():
                return values[-1]
        return None


class _Context:
    function_name = "test"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:test"
    memory_limit_in_mb = 1024
    aws_request_id = "test-request"
    log_group_name = "/aws/lambda/test"
    log_stream_name = "test"

    def __init__(self, timeout: int = 10) -> None:
        self.remaining_ms = timeout * 1000  # the function's Timeout: no test runs that long

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class Api:
    """Calls the handler that template.yaml routes a request to, with a REST proxy event."""

    template: Template
    handlers: dict[str, Callable[..., dict[str, Any]]]
    calls: list[dict[str, Any]] = field(default_factory=list)
    sources: EventSources = field(init=False)
    # Headers every request carries (e.g. the secret origin header CloudFront adds).
    default_headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sources = EventSources(self.template)
        self.timeouts = {name: function.timeout for name, function in self.template.functions().items()}

    def function_for(self, method: str, path: str) -> tuple[str, str, dict[str, str]]:
        for route in self.template.routes():
            found = route.pattern.match(path)
            if found and route.method == method:
                return route.function, route.path, found.groupdict()
        raise AssertionError(f"no route in template.yaml for {method} {path}")

    def call(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        """One invocation of a function's real handler, as Lambda makes it."""
        return self.handlers[function](event, _Context(self.timeouts[function]))

    def run_queued_work(self) -> None:
        """What AWS runs after the answer: queued messages and dropped objects, through their functions."""
        self.sources.settle(self.call)

    def run_schedule(self, function: str) -> dict[str, Any]:
        """What the function's EventBridge rule would start, now (the injected clock's now)."""
        from espace_abonne.core.clock import current_clock

        return self.sources.run_schedule(function, self.call, current_clock().now())

    def invoke(self, function: str, event: dict[str, Any]) -> ApiResponse:
        response = self.call(function, event)
        self.run_queued_work()
        return ApiResponse(
            status=response["statusCode"],
            headers=response.get("multiValueHeaders") or {},
            body=response.get("body") or "",
        )

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        source_ip: str = "198.51.100.7",
    ) -> ApiResponse:
        path, _, query = path.partition("?")
        function, resource, parameters = self.function_for(method, path)
        event = proxy_event(
            method,
            path,
            resource=resource,
            path_parameters=parameters,
            body=body,
            headers={**self.default_headers, **(headers or {})},
            query=query,
            source_ip=source_ip,
            binary_media_types=self.template.binary_media_types(),
        )
        return self.invoke(function, event)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> ApiResponse:
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> ApiResponse:
        return self.request("PUT", path, body, **kwargs)


@pytest.fixture
def api(aws: None, clock: FrozenClock, template: Template, handlers: dict[str, Any]) -> Api:
    return Api(template, handlers)


class Mailbox:
    """What SES (moto) accepted, as the recipients would read it."""

    def all(self) -> list[SentEmail]:
        return sent_emails()

    def to(self, address: str) -> list[SentEmail]:
        """What reached the address (SES delivers an internationalised domain in its ASCII form)."""
        from espace_abonne.core.mail import ascii_address

        return [email for email in sent_emails() if email.to == ascii_address(address)]

    def last_link(self, address: str, path: str) -> str:
        import re

        for email in reversed(self.to(address)):
            found = re.search(rf"{re.escape(FRONTEND_URL + path)}#token=([A-Za-z0-9_\-%]+)", email.text)
            if found:
                return found.group(1)
        raise AssertionError(f"no {path} link sent to {address}")


@pytest.fixture
def mailbox(aws: None) -> Mailbox:
    return Mailbox()


@pytest.fixture
def atomic_moto() -> Iterator[None]:
    """DynamoDB applies each request atomically; in-process moto has no lock, so threads could
    interleave inside one simulated request. This serialises moto's request handling (not our
    code) so that concurrency tests see DynamoDB's guarantees."""
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.Lock()
    original = BotocoreStubber.__call__

    def locked(self: BotocoreStubber, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    BotocoreStubber.__call__ = locked  # type: ignore[method-assign]
    try:
        yield
    finally:
        BotocoreStubber.__call__ = original  # type: ignore[method-assign]


STRONG_PASSWORD = "Ecluse9!Torse"
OTHER_PASSWORD = "Cordeliers#2026"


class CapturedLogs:
    """Every record the functions' Powertools loggers emit, formatted as they reach CloudWatch."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]


class _Capture(logging.Handler):
    def __init__(self, into: CapturedLogs, formatter: logging.Formatter | None) -> None:
        super().__init__()
        self.into = into
        self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        self.into.lines.append(self.format(record))


@pytest.fixture
def logs(template: Template, handlers: dict[str, Any]) -> Iterator[CapturedLogs]:
    captured = CapturedLogs()
    attached = []
    for function in template.functions().values():
        logger = logging.getLogger(function.environment["POWERTOOLS_SERVICE_NAME"])
        capture = _Capture(captured, logger.handlers[0].formatter)  # the function's own JSON formatter
        logger.addHandler(capture)
        attached.append((logger, capture))
    yield captured
    for logger, capture in attached:
        logger.removeHandler(capture)


@pytest.fixture
def demo_billing(api: Api, template: Template) -> dict[str, Any]:
    """The demo billing data of PRODUCT.md §3 as the billing system delivers it: its PDFs and export
    dropped into the billing inbox, imported by the import function (S3 event). Its report."""
    from local_mode.backend import load_demo_data

    return load_demo_data(template, api.run_queued_work)


class Alerts:
    """What the operators' SNS topic (moto) received."""

    def all(self) -> list[Any]:
        from local_mode.backend import sent_alerts

        return sent_alerts()


@pytest.fixture
def alerts(aws: None) -> Alerts:
    return Alerts()


# -- Browser tests (tests/browser.py): one Chromium per module, axe's report per module, a fresh
# profile (no cookies) per person. Playwright is imported only by the modules that use them.


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from tests.browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def axe(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Saved as test-artifacts/web/<the module's AXE_REPORT, "axe" by default>.json."""
    from tests.browser import AxeReport

    report = AxeReport(getattr(request.module, "AXE_REPORT", "axe"))
    yield report
    report.save()


@pytest.fixture
def visit(local_api: str, browser: Any, axe: Any) -> Iterator[Callable[..., Any]]:
    """`visit()` opens a fresh browser profile (no cookies): one per person."""
    from tests.browser import visits

    with visits(browser, local_api, axe) as start:
        yield start
