"""The HTTP server of local mode: each request becomes a REST proxy event for the real handler."""

import base64
import importlib
import json
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from local_mode.backend import SentEmail, import_export, sent_emails
from local_mode.event_sources import EventSources
from local_mode.events import proxy_event
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

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


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
        """The work a request queued runs before the next request is taken (as AWS would soon after
        the answer): GET /_local/emails then always shows the emails of every earlier request."""
        self.sources.settle(self._run)
        self.sent_mail.collect()

    def invoke(self, route: Route, event: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            try:
                return self._run(route.function, event)
            finally:
                self._after()

    def run_schedule(self, function: str) -> dict[str, Any]:
        """POST /_local/schedules/<function>: what its EventBridge rule would start, now."""
        from espace_abonne.core.clock import current_clock

        with self._lock:
            try:
                return self.sources.run_schedule(function, self._run, current_clock().now())
            finally:
                self._after()

    def import_billing(self, export: str) -> dict[str, Any]:
        """POST /_local/billing-imports: the same import code as the deployed import."""
        with self._lock:
            try:
                report = import_export(self.template, export.splitlines())
            finally:
                self._after()
        return {
            "imported": report.contracts,
            "payers": report.payers,
            "regulations": report.regulations,
            "links_ended": report.links_ended,
            "refused": [refusal.as_json() for refusal in report.refused],
        }


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

    def _handle(self) -> None:
        started = time.perf_counter()
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        status, headers, body = self._dispatch(url.path, url.query, raw_body)
        self._answer(status, headers, body)
        elapsed = (time.perf_counter() - started) * 1000
        print(f"{self.command} {url.path} → {status} ({elapsed:.0f} ms)", flush=True)

    def _local_only(self, path: str, raw_body: bytes) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """Local mode's own routes (never deployed): the emails sent, a billing import."""
        if path == "/_local/emails" and self.command == "GET":
            return _json(200, self.api.sent_mail.all())
        if path == "/_local/billing-imports" and self.command == "POST":
            try:
                export = raw_body.decode("utf-8")
            except UnicodeDecodeError:
                return _json(400, {"code": "not_utf8", "message": "L'export doit être en UTF-8."})
            return _json(200, self.api.import_billing(export))
        if path.startswith("/_local/schedules/") and self.command == "POST":
            function = path.removeprefix("/_local/schedules/")
            if function not in self.api.sources.schedules:
                return _json(404, {"code": "no_schedule", "schedules": sorted(self.api.sources.schedules)})
            return _json(200, {"function": function, "response": self.api.run_schedule(function)})
        return None

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
        )
        response = self.api.invoke(route, event)
        return _proxy_answer(response)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # every HTTP method, TRACE and the like included
            return self._handle
        raise AttributeError(name)


def _proxy_answer(response: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """A Lambda proxy response as API Gateway turns it into HTTP (multiValueHeaders honoured)."""
    headers: list[tuple[str, str]] = []
    multi = response.get("multiValueHeaders") or {}
    for name, values in multi.items():
        headers.extend((name, str(value)) for value in values)
    for name, value in (response.get("headers") or {}).items():
        if name not in multi:
            headers.append((name, str(value)))
    body = response.get("body") or ""
    raw = base64.b64decode(body) if response.get("isBase64Encoded") else str(body).encode("utf-8")
    return int(response["statusCode"]), headers, raw


def make_server(api: LocalApi, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("LocalRequestHandler", (_RequestHandler,), {"api": api})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
