"""AWS calls per request and warm latency of every route, through the real handlers against moto.

"AWS I/O excluded" subtracts the time spent inside botocore calls (moto included) from the
handler's time: what remains is the code's own overhead (validation, hashing, serialisation).
"""

import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from local_mode.event_sources import EventSources
from local_mode.events import proxy_event
from local_mode.template import Template

RUNS = 30
PASSWORD = "Ecluse9!Torse"


@dataclass
class Measure:
    calls: Counter[str]
    total: list[float]
    aws: list[float]
    statuses: set[int]


class _AwsMeter:
    """Counts botocore API calls and the time spent in them."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds = 0.0

    @contextmanager
    def installed(self) -> Iterator[None]:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        meter = self

        def timed(client: Any, operation: str, params: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(client, operation, params)
            finally:
                meter.seconds += time.perf_counter() - started
                meter.calls[f"{client.meta.service_model.service_name}:{operation}"] += 1

        BaseClient._make_api_call = timed  # type: ignore[method-assign]
        try:
            yield
        finally:
            BaseClient._make_api_call = original  # type: ignore[method-assign]


class Harness:
    def __init__(self, template: Template, handlers: dict[str, Callable[..., dict[str, Any]]], clock: Any) -> None:
        self.template = template
        self.handlers = handlers
        self.clock = clock
        self.meter = _AwsMeter()
        self.counter = 0
        self.sources = EventSources(template)

    def invoke(self, method: str, path: str, body: Any = None, cookie: str | None = None) -> dict[str, Any]:
        """The route's handler alone: what a request waits for."""
        path, _, query = path.partition("?")
        for route in self.template.routes():
            found = route.pattern.match(path)
            if found and route.method == method:
                headers = {"Cookie": cookie} if cookie else {}
                event = proxy_event(
                    method,
                    path,
                    resource=route.path,
                    path_parameters=found.groupdict(),
                    body=body,
                    headers=headers,
                    query=query,
                )
                return self.handlers[route.function](event, _Context())
        raise KeyError(f"{method} {path}")

    def settle(self) -> None:
        """The work queued by the requests so far, through the outbox worker (after the answer)."""
        self.sources.settle(lambda function, event: self.handlers[function](event, _Context()))

    def call(self, method: str, path: str, body: Any = None, cookie: str | None = None) -> dict[str, Any]:
        response = self.invoke(method, path, body, cookie)
        self.settle()
        return response

    def unique(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}@example.fr"

    def sent_link(self, address: str, path: str) -> str:
        from local_mode.backend import sent_emails

        for email in reversed(sent_emails()):
            found = re.search(rf"{re.escape(path)}#token=([\w-]+)", email.text)
            if email.to == address and found:
                return found.group(1)
        raise LookupError(address)

    def account(self) -> tuple[str, str]:
        """A fresh active account and a session cookie for it."""
        email = self.unique("bench")
        self.call("POST", "/accounts", {"email": email, "password": PASSWORD, "password_confirmation": PASSWORD})
        link = self.sent_link(email, "/activation")
        self.call("POST", "/accounts/activation", {"token": link, "password": PASSWORD})
        response = self.call("POST", "/sessions", {"email": email, "password": PASSWORD, "remember_me": True})
        return email, response["multiValueHeaders"]["Set-Cookie"][0].split(";", 1)[0]

    def measure(self, prepare: Callable[[], tuple[str, str, Any, str | None]], runs: int = RUNS) -> Measure:
        result = Measure(Counter(), [], [], set())
        with self.meter.installed():
            for run in range(runs):
                method, path, body, cookie = prepare()
                self.meter.calls.clear()
                self.meter.seconds = 0.0
                started = time.perf_counter()
                response = self.invoke(method, path, body, cookie)
                elapsed = time.perf_counter() - started
                result.total.append(elapsed)
                result.aws.append(self.meter.seconds)
                result.statuses.add(response["statusCode"])
                if run == 0:
                    result.calls = Counter(self.meter.calls)
                self.settle()  # not timed, not counted: the outbox worker runs after the answer
                self.clock.current += 1
        return result


class _Context:
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:bench"
    memory_limit_in_mb = 1024
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def scenarios(h: Harness) -> dict[str, Callable[[], tuple[str, str, Any, str | None]]]:
    """Each route's main path (and the failure paths the budget names), ready to run many times."""
    email, cookie = h.account()
    h.call("POST", "/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"}, cookie)

    def sign_up() -> tuple[str, str, Any, str | None]:
        address = h.unique("new")
        return "POST", "/accounts", {"email": address, "password": PASSWORD, "password_confirmation": PASSWORD}, None

    def activation() -> tuple[str, str, Any, str | None]:
        address = h.unique("act")
        h.call("POST", "/accounts", {"email": address, "password": PASSWORD, "password_confirmation": PASSWORD})
        return (
            "POST",
            "/accounts/activation",
            {"token": h.sent_link(address, "/activation"), "password": PASSWORD},
            None,
        )

    def log_in() -> tuple[str, str, Any, str | None]:
        return "POST", "/sessions", {"email": email, "password": PASSWORD}, None

    def log_in_wrong() -> tuple[str, str, Any, str | None]:
        return "POST", "/sessions", {"email": h.unique("nobody"), "password": "Wrong#Pass1"}, None

    def log_out() -> tuple[str, str, Any, str | None]:
        fresh = h.call("POST", "/sessions", {"email": email, "password": PASSWORD})
        return "DELETE", "/sessions/current", None, fresh["multiValueHeaders"]["Set-Cookie"][0].split(";", 1)[0]

    def fresh(route: tuple[str, str, Any, str | None]) -> Callable[[], tuple[str, str, Any, str | None]]:
        # A request within a minute of the previous one: the session's last-seen time (written
        # at most once a minute) is not due — the path most requests of a visit take.
        def prepare() -> tuple[str, str, Any, str | None]:
            h.call("GET", "/me", cookie=cookie)
            return route

        return prepare

    def link_wrong() -> tuple[str, str, Any, str | None]:
        _, other = h.account()
        return "POST", "/contracts/links", {"contract_number": "11302.20456.01", "key": "XXXX-XXXX"}, other

    def resend() -> tuple[str, str, Any, str | None]:
        return "POST", "/accounts/activation/resend", {"email": h.unique("r")}, None

    def reset() -> tuple[str, str, Any, str | None]:
        return "POST", "/password-resets", {"email": h.unique("pr")}, None

    def contact() -> tuple[str, str, Any, str | None]:
        body = {"name": "B", "email": h.unique("c"), "subject": "autre", "message": "Bonjour"}
        return "POST", "/contact-messages", body, None

    link_body = {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"}
    remote = "11301.11377.01"
    return {
        "POST /accounts (sign-up)": sign_up,
        "POST /accounts/activation": activation,
        "POST /accounts/activation/resend": resend,
        "POST /sessions (login)": log_in,
        "POST /sessions (wrong password)": log_in_wrong,
        "GET /me": fresh(("GET", "/me", None, cookie)),
        "DELETE /sessions/current (logout)": log_out,
        "POST /contracts/links (link)": fresh(("POST", "/contracts/links", link_body, cookie)),
        "POST /contracts/links (wrong clé)": link_wrong,
        "GET /contracts": fresh(("GET", "/contracts", None, cookie)),
        "GET /contracts/{number}/dashboard": fresh(("GET", "/contracts/11301.11377.02/dashboard", None, cookie)),
        # A télérelève contract: its partition holds three years of daily index (37 month items).
        "GET /contracts/{number}/dashboard (télérelève, 3 years of days)": fresh(
            ("GET", f"/contracts/{remote}/dashboard", None, cookie)
        ),
        "GET /contracts/{number}/consumption (30 days)": fresh(
            ("GET", f"/contracts/{remote}/consumption", None, cookie)
        ),
        "GET /contracts/{number}/consumption (12 months)": fresh(
            ("GET", f"/contracts/{remote}/consumption?granularity=month", None, cookie)
        ),
        "GET /contracts/{number}/consumption (years)": fresh(
            ("GET", f"/contracts/{remote}/consumption?granularity=year", None, cookie)
        ),
        "GET /contracts/{number}/consumption.csv (3 years of days)": fresh(
            ("GET", f"/contracts/{remote}/consumption.csv?from=2023-10-16&to=2026-11-14", None, cookie)
        ),
        "GET /contracts/{number}/invoices/{invoice_number}/pdf": fresh(
            ("GET", "/contracts/11301.11377.02/invoices/F202610-1137702/pdf", None, cookie)
        ),
        "POST /password-resets": reset,
        "GET /me/sessions": fresh(("GET", "/me/sessions", None, cookie)),
        "GET /me/export": fresh(("GET", "/me/export", None, cookie)),
        "POST /contact-messages": contact,
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summarize(measure: Measure) -> dict[str, Any]:
    own = [t - a for t, a in zip(measure.total, measure.aws, strict=True)]
    return {
        "aws_calls": sum(measure.calls.values()),
        "calls": dict(sorted(measure.calls.items())),
        "statuses": sorted(measure.statuses),
        "median_ms": statistics.median(measure.total) * 1000,
        "p95_ms": percentile(measure.total, 0.95) * 1000,
        "own_median_ms": statistics.median(own) * 1000,
        "own_p95_ms": percentile(own, 0.95) * 1000,
    }
