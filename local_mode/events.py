"""API Gateway REST proxy events, as API Gateway builds them (the tests' event factory too)."""

import base64
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs


def media_type_matches(media_type: str, patterns: tuple[str, ...]) -> bool:
    """Whether a media type is one of the API's binary media types (`*` wildcards as API Gateway reads them)."""
    kind, _, subtype = media_type.lower().partition("/")
    for pattern in patterns:
        pattern_kind, _, pattern_subtype = pattern.lower().partition("/")
        if pattern_kind in ("*", kind) and pattern_subtype in ("*", subtype) and kind:
            return True
    return False


def proxy_event(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    body: str | bytes | dict[str, Any] | None = None,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    query: str = "",
    source_ip: str = "127.0.0.1",
    stage: str = "local",
    binary_media_types: tuple[str, ...] = (),
) -> dict[str, Any]:
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    content_type = next((value for name, value in pairs if name.lower() == "content-type"), "")
    if isinstance(body, dict):
        body = json.dumps(body)
        if not any(name.lower() == "content-type" for name, _ in pairs):
            pairs.append(("Content-Type", "application/json"))
    is_base64 = False
    if isinstance(body, str) and media_type_matches(content_type.split(";", 1)[0].strip(), binary_media_types):
        body = body.encode("utf-8")
    if isinstance(body, bytes):
        raw = body
        try:
            if media_type_matches(content_type.split(";", 1)[0].strip(), binary_media_types):
                raise UnicodeDecodeError("utf-8", raw, 0, 0, "a binary media type")  # passed in base64
            body = raw.decode("utf-8")
        except UnicodeDecodeError:  # API Gateway hands binary and undecodable bodies over in base64
            is_base64 = True
            body = base64.b64encode(raw).decode("ascii")

    multi_headers: dict[str, list[str]] = {}
    for name, value in pairs:
        multi_headers.setdefault(name, []).append(value)
    single_headers = {name: values[-1] for name, values in multi_headers.items()}
    multi_query = parse_qs(query, keep_blank_values=True) if query else {}
    request_id = str(uuid.uuid4())
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method.upper(),
        "headers": single_headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource or path,
            "httpMethod": method.upper(),
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": "HTTP/1.1",
            "accountId": "123456789012",
            "apiId": "local",
            "identity": {"sourceIp": source_ip, "userAgent": single_headers.get("User-Agent", "")},
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }
