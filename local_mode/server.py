"""The HTTP server of local mode: each request becomes a REST proxy event for the real handler."""

import base64
import importlib
import json
import os
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from local_mode.backend import (
    SentAlert,
    SentEmail,
    billing_inbox,
    drop_export,
    drop_invoice_pdf,
    import_report,
    load_demo_data,
    sent_alerts,
    sent_emails,
)
from local_mode.event_sources import EventSources
from local_mode.events import media_type_matches, proxy_event
from local_mode.payfip_simulator import PayfipSimulator
from local_mode.template import Function, Route, Template
from local_mode.web import StaticSite

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class _LambdaContext:
    """The attributes of Lambda's context object that Powertools reads."""

    def __init__(self, function: Function) -> None:
        self.function_name = function.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-3:123456789012:function:{function.name}"
        self.memory_limit_in_mb = 1024
        self.aws_request_id = os.urandom(16).hex()
        self.log_group_name = f"/aws/lambda/{function.name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + function.timeout  # the template's Timeout, as Lambda counts it

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handlers(template: Template) -> dict[str, Handler]:
    """Imports each function's handler with the function's own environment, as Lambda would."""
    functions = template.functions()
    shared: dict[str, str] = {}
    for function in functions.values():
        shared.update({k: v for k, v in function.environment.items() if k != "POWERTOOLS_SERVICE_NAME"})
    os.environ.update(shared)
    handlers = {}
    for function in functions.values():
        os.environ.update(function.environment)
        module_name, _, attribute = function.handler.rpartition(".")
        module = importlib.import_module(module_name)  # on sys.path through the editable install
        handlers[function.name] = getattr(module, attribute)
    return handlers


class SentMail:
    """Emails sent through moto's SES: printed once to the console, kept for GET /_local/emails."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self._echo = echo
        self._emails: list[dict[str, str]] = []

    def collect(self) -> None:
        for email in sent_emails()[len(self._emails) :]:
            self._emails.append({**email.as_json(), "sent_at": datetime.now(UTC).isoformat(timespec="seconds")})
            self._echo(_console_view(email))

    def all(self) -> list[dict[str, str]]:
        return list(self._emails)


def _console_view(email: SentEmail) -> str:
    rule = "─" * 72
    return f"\n{rule}\n✉  À : {email.to}\n   Objet : {email.subject}\n{rule}\n{email.text.rstrip()}\n{rule}\n"


class SentAlerts:
    """The operators' SNS alerts (moto): printed once to the console, kept for GET /_local/alerts."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self._echo = echo
        self._alerts: list[dict[str, str]] = []

    def collect(self) -> None:
        for alert in sent_alerts()[len(self._alerts) :]:
            self._alerts.append({**alert.as_json(), "sent_at": datetime.now(UTC).isoformat(timespec="seconds")})
            self._echo(_alert_view(alert))

    def all(self) -> list[dict[str, str]]:
        return list(self._alerts)


def _alert_view(alert: SentAlert) -> str:
    rule = "━" * 72
    return f"\n{rule}\n⚠  SNS {alert.topic} : {alert.subject}\n{rule}\n{alert.message.rstrip()}\n{rule}\n"


class LocalApi:
    def __init__(self, template: Template, echo: Callable[[str], None] = print) -> None:
        self.template = template
        self.site = StaticSite()
        self.routes: list[Route] = template.routes()
        self.handlers = load_handlers(template)
        self.functions = template.functions()
        self.cors = template.cors()
        self.sources = EventSources(template)
        self.sent_mail = SentMail(echo)
        # PayFiP as local mode plays it, under /_payfip (used unless PAYFIP_* point elsewhere).
        self.payfip = PayfipSimulator()
        self.sent_alerts = SentAlerts(echo)
        self.binary_media_types = template.binary_media_types()
        self._imports = 0
        # moto's in-process backend is not built for concurrent calls: one invocation at a time.
        self._lock = threading.Lock()

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            found = route.pattern.match(path)
            if found and route.method == method:
                return route, found.groupdict()
        return None

    def _run(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        return self.handlers[function](event, _LambdaContext(self.functions[function]))

    def _after(self) -> None:
        self.sources.settle(self._run)
        self.sent_mail.collect()
        self.sent_alerts.collect()

    def settle(self) -> None:
        """The work that requests queued (the outbox, S3 drops), run by its functions as AWS would
        soon after the answer. Called once a request's answer is sent, and before GET /_local/emails
        answers, so that it always shows the emails of every request answered before it."""
        with self._lock:
            self._after()

    def invoke(self, route: Route, event: dict[str, Any]) -> dict[str, Any]:
        """The route's function only: what it queued runs after the answer (`settle`), as in AWS,
        where the answer never waits for the worker (its time would tell what the worker does)."""
        with self._lock:
            self._after()  # whatever is still queued from earlier requests
            return self._run(route.function, event)

    def run_schedule(self, function: str) -> dict[str, Any]:
        """POST /_local/schedules/<function>: what its EventBridge rule would start, now."""
        from espace_abonne.core.clock import current_clock

        with self._lock:
            try:
                return self.sources.run_schedule(function, self._run, current_clock().now())
            finally:
                self._after()

    def load_demo_data(self) -> dict[str, Any]:
        """The demo PDFs and export dropped into the billing inbox, imported by the import function."""
        with self._lock:
            return load_demo_data(self.template, self._after)

    def import_billing(self, export: bytes) -> dict[str, Any]:
        """POST /_local/billing-imports: the export dropped into the billing inbox, as the billing
        system drops it; its S3 event runs the import function (the deployed import). Answers the
        report that the import wrote beside it."""
        with self._lock:
            self._imports += 1
            name = f"local-{datetime.now(UTC):%Y%m%dT%H%M%S}-{self._imports:03d}"
            key = drop_export(self.template, export, name)
            self._after()
            try:
                return import_report(self.template, key)
            except ClientError:  # the import function failed three times (printed on the console)
                return {"code": "import_failed", "message": "L'import a échoué : voir la console.", "export": key}

    def drop_invoice_pdf(self, invoice_number: str, content: bytes) -> None:
        """PUT /_local/billing-inbox/invoices/<number>.pdf: a PDF for the next export to bring."""
        with self._lock:
            drop_invoice_pdf(self.template, invoice_number, content)

    def write_return_feed(self, day: str) -> dict[str, Any]:
        """POST /_local/return-feed/<day>: ReturnFeedFunction run for that day, as an operator runs it."""
        with self._lock:
            try:
                return self._run("ReturnFeedFunction", {"day": day})
            finally:
                self._after()

    def return_feed_file(self, day: str) -> bytes | None:
        """GET /_local/return-feed/<day>: the day's file, as the billing system reads it."""
        import boto3
        from botocore.exceptions import ClientError

        from espace_abonne.core.return_feed import file_key

        bucket = self.functions["ReturnFeedFunction"].environment["RETURN_FEED_BUCKET"]
        with self._lock:
            try:
                body = boto3.client("s3").get_object(Bucket=bucket, Key=file_key(day))["Body"]
            except ClientError:
                return None
            return bytes(body.read())

    def return_feed_so_far(self, day: str) -> bytes | None:
        """GET /_local/return-feed/<today>: the records of the day so far, as its file will start —
        local mode's own preview, never written to the bucket (the function writes a day once it
        is over: docs/return-feed.md). None for a day that is over."""
        from espace_abonne.core.clock import current_clock
        from espace_abonne.core.return_feed import ReturnFeed, file_body, paris_day

        if day < paris_day(current_clock().now()):
            return None
        with self._lock:
            feed = ReturnFeed(self.functions["ReturnFeedFunction"].environment["RETURN_FEED_TABLE"])
            return file_body(feed.day(day))


def _json(status: int, payload: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    return (
        status,
        [("Content-Type", "application/json; charset=utf-8")],
        json.dumps(payload, ensure_ascii=False).encode("utf-8"),
    )


class _RequestHandler(BaseHTTPRequestHandler):
    api: LocalApi
    server_version = "EspaceAbonneLocal/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        pass

    def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    _invoked = False  # this request ran a route's function: its queued work runs after the answer

    def _handle(self) -> None:
        self._invoked = False
        started = time.perf_counter()
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        status, headers, body = self._dispatch(url.path, url.query, raw_body)
        self._answer(status, headers, body)
        elapsed = (time.perf_counter() - started) * 1000
        print(f"{self.command} {url.path} → {status} ({elapsed:.0f} ms)", flush=True)
        if self._invoked:
            self.api.settle()

    def _local_only(self, path: str, raw_body: bytes) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """Local mode's own routes (never deployed): the emails and alerts sent, the billing inbox,
        the return feed, the schedules."""
        if self.command == "GET" and path in ("/_local/emails", "/_local/alerts"):
            self.api.settle()
            sent = self.api.sent_mail if path == "/_local/emails" else self.api.sent_alerts
            return _json(200, sent.all())
        if path == "/_local/billing-imports" and self.command == "POST":
            report = self.api.import_billing(raw_body)
            return _json(502 if report.get("code") == "import_failed" else 200, report)
        if path.startswith(PDF_DROP) and self.command == "PUT":
            return self._drop_pdf(path.removeprefix(PDF_DROP), raw_body)
        if path.startswith(RETURN_FEED) and self.command in ("GET", "POST"):
            return self._return_feed(path.removeprefix(RETURN_FEED))
        if path.startswith(SCHEDULES) and self.command == "POST":
            return self._schedule(path.removeprefix(SCHEDULES))
        return None

    def _schedule(self, function: str) -> tuple[int, list[tuple[str, str]], bytes]:
        if function not in self.api.sources.schedules:
            return _json(404, {"code": "no_schedule", "schedules": sorted(self.api.sources.schedules)})
        return _json(200, {"function": function, "response": self.api.run_schedule(function)})

    def _drop_pdf(self, name: str, content: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        number = name.removesuffix(".pdf")
        if not name.endswith(".pdf") or not _INVOICE_NUMBER.fullmatch(number) or not content.startswith(b"%PDF-"):
            return _json(400, {"code": "not_a_pdf", "message": "Un PDF nommé <numéro de facture>.pdf."})
        self.api.drop_invoice_pdf(number, content)
        return _json(201, {"bucket": billing_inbox(self.api.template), "key": f"invoices/{number}.pdf"})

    def _return_feed(self, day: str) -> tuple[int, list[tuple[str, str]], bytes]:
        from espace_abonne.core.return_feed import is_day

        if not is_day(day):
            return _json(400, {"code": "not_a_day", "message": "Un jour de la forme AAAA-MM-JJ."})
        if self.command == "POST":
            try:
                self.api.write_return_feed(day)
            except ValueError as error:
                return _json(400, {"code": "not_a_day", "message": str(error)})
        content = self.api.return_feed_file(day)
        if content is None and self.command == "GET" and (so_far := self.api.return_feed_so_far(day)) is not None:
            preview = ("X-Return-Feed", "preview: the day is not over, nothing is written until it is")
            return 200, [("Content-Type", "application/x-ndjson; charset=utf-8"), preview], so_far
        if content is None:
            return _json(404, {"code": "not_written", "message": f"POST /_local/return-feed/{day} écrit ce jour."})
        return 200, [("Content-Type", "application/x-ndjson; charset=utf-8")], content

    def _dispatch(self, path: str, query: str, raw_body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        local = self._local_only(path, raw_body)
        if local is not None:
            return local
        # Outside the invocation lock: a handler calls PayFiP's SOAP service while it runs.
        payfip = self.api.payfip.answer(self.command, path, query, raw_body, dict(self.headers.items()))
        if payfip is not None:
            return payfip
        if self.command == "OPTIONS":
            return 204, list(self.api.cors.items()), b""
        matched = self.api.match(self.command, path)
        if matched is None:
            page = self.api.site.answer(self.command, path, self.headers.get("Accept", ""))
            if page is not None:
                return page
            # What API Gateway answers for a path or method it has no route for, with its headers.
            status, headers, body = _json(403, {"message": "Missing Authentication Token"})
            return status, [*headers, *self.api.template.gateway_response_headers().items()], body
        route, parameters = matched
        event = proxy_event(
            self.command,
            path,
            resource=route.path,
            path_parameters=parameters,
            body=raw_body or None,
            headers=list(self.headers.items()),
            query=query,
            source_ip=self.client_address[0],
            binary_media_types=self.api.binary_media_types,
        )
        response = self.api.invoke(route, event)
        self._invoked = True
        return _proxy_answer(response, self.headers.get("Accept", ""), self.api.binary_media_types)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # every HTTP method, TRACE and the like included
            return self._handle
        raise AttributeError(name)


def _proxy_answer(
    response: dict[str, Any], accept: str = "", binary_media_types: tuple[str, ...] = ()
) -> tuple[int, list[tuple[str, str]], bytes]:
    """A Lambda proxy response as API Gateway turns it into HTTP (multiValueHeaders honoured). A
    base64 body becomes bytes only when the first media type the request accepts is one of the
    API's binary media types; otherwise the client gets the base64 text, as from API Gateway."""
    headers: list[tuple[str, str]] = []
    multi = response.get("multiValueHeaders") or {}
    for name, values in multi.items():
        headers.extend((name, str(value)) for value in values)
    for name, value in (response.get("headers") or {}).items():
        if name not in multi:
            headers.append((name, str(value)))
    body = response.get("body") or ""
    first_accepted = accept.split(",", 1)[0].split(";", 1)[0].strip()
    binary = response.get("isBase64Encoded") and media_type_matches(first_accepted, binary_media_types)
    raw = base64.b64decode(body) if binary else str(body).encode("utf-8")
    return int(response["statusCode"]), headers, raw


PDF_DROP = "/_local/billing-inbox/invoices/"
SCHEDULES = "/_local/schedules/"
RETURN_FEED = "/_local/return-feed/"
_INVOICE_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def make_server(api: LocalApi, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("LocalRequestHandler", (_RequestHandler,), {"api": api})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
