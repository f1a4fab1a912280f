"""Fault injection at botocore's HTTP layer: the real client parses the error and applies its
real retry policy, so tests see what a Lambda would on a bad day."""

import io
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ReadTimeoutError


class _Raw(io.BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        chunk = self.read()
        while chunk:
            yield chunk
            chunk = self.read()


def dynamodb_error(code: str) -> AWSResponse:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected"}).encode()
    headers = {"x-amzn-ErrorType": code, "Content-Type": "application/x-amz-json-1.0"}
    return AWSResponse("https://dynamodb.eu-west-3.amazonaws.com/", 400, HTTPHeaders.from_dict(headers), _Raw(body))


def transaction_conflict() -> AWSResponse:
    body = json.dumps(
        {
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "message": "Transaction cancelled, please refer cancellation reasons for specific reasons "
            "[TransactionConflict, TransactionConflict, TransactionConflict]",
            "CancellationReasons": [{"Code": "TransactionConflict", "Message": "conflict"}] * 3,
        }
    ).encode()
    headers = {"x-amzn-ErrorType": "TransactionCanceledException", "Content-Type": "application/x-amz-json-1.0"}
    return AWSResponse("https://dynamodb.eu-west-3.amazonaws.com/", 400, HTTPHeaders.from_dict(headers), _Raw(body))


def ses_error(code: str, status: int = 400) -> AWSResponse:
    body = (
        '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>injected</Message></Error><RequestId>r</RequestId></ErrorResponse>"
    ).encode()
    headers = HTTPHeaders.from_dict({"Content-Type": "text/xml"})
    return AWSResponse("https://email.eu-west-3.amazonaws.com/", status, headers, _Raw(body))


def s3_error(code: str, status: int) -> AWSResponse:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>injected</Message>'
        "<RequestId>r</RequestId></Error>"
    ).encode()
    headers = HTTPHeaders.from_dict({"Content-Type": "application/xml"})
    return AWSResponse("https://s3.eu-west-3.amazonaws.com/", status, headers, _Raw(body))


class Faults:
    """Makes chosen operations fail; counts every attempt the client made."""

    def __init__(self) -> None:
        self.attempts: Counter[str] = Counter()
        self._handlers: list[tuple[Any, str, Any]] = []

    def fail(self, client: Any, operation: str, response: AWSResponse | None, times: int | None = None) -> None:
        """`response` None: the call times out. `times` None: every attempt fails."""
        service = client.meta.service_model.endpoint_prefix
        event = f"before-send.{service}.{operation}"

        def inject(request: Any, **_: Any) -> AWSResponse | None:
            self.attempts[operation] += 1
            if times is not None and self.attempts[operation] > times:
                return None  # let moto answer
            # botocore offers the request to every before-send handler: point it where moto
            # matches nothing, so that the failed attempt changes nothing behind it.
            url = request.url
            request.url = "https://fault-injection.invalid/"
            if response is None:
                raise ReadTimeoutError(endpoint_url=url)
            response.raw.seek(0)
            return response

        client.meta.events.register_first(event, inject)
        self._handlers.append((client, event, inject))

    def heal(self) -> None:
        for client, event, handler in self._handlers:
            client.meta.events.unregister(event, handler)
        self._handlers.clear()
