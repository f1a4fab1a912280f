"""The HTTP layer every function shares: resolver, error responses, request guard, headers.

Domain exceptions become responses here and nowhere else.
"""

import base64
import json
import os
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.middleware_factory import lambda_handler_decorator
from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from espace_abonne.core.errors import (
    DirectAccessRefused,
    DomainError,
    FieldError,
    ForbiddenOrigin,
    InvalidInput,
    MalformedJson,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from espace_abonne.core.settings import get_settings

MAX_BODY_BYTES = 16 * 1024

# JSON out in UTF-8, French accents kept readable.
to_json = partial(json.dumps, separators=(",", ":"), ensure_ascii=False, cls=Encoder)

SECURITY_HEADERS: Mapping[str, str] = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class MessageResponse(BaseModel):
    message: str


class FieldErrorBody(BaseModel):
    field: str
    code: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    errors: list[FieldErrorBody] | None = None


def accepted(message: str) -> Response[MessageResponse]:
    """202 with a message: the answer of the enumeration-safe routes, whatever happened."""
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=MessageResponse(message=message))


def error_responses(*statuses: int) -> dict[int, Any]:
    """OpenAPI entries for the error statuses a route may answer.

    Any route can meet the request guard (400 malformed JSON, 403 foreign origin, 413, 415),
    validation (422) and a failing dependency (503); 500 is a bug of ours.
    """
    return {
        status: {"description": "Erreur", "content": {"application/json": {"model": ErrorBody}}}
        for status in sorted({*statuses, 400, 403, 413, 415, 422, 500, 503})
    }


def _error_payload(error: DomainError) -> dict[str, Any]:
    payload: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.errors:
        payload["errors"] = [{"field": e.field, "code": e.code, "message": e.message} for e in error.errors]
    return payload


def error_response(error: DomainError) -> Response[str]:
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=to_json(_error_payload(error)),
        headers=headers,
    )


_PYDANTIC_CODES: Mapping[str, tuple[str, str]] = {
    "missing": ("required", "Ce champ est obligatoire."),
    "extra_forbidden": ("unknown_field", "Ce champ n'est pas reconnu."),
    "string_pattern_mismatch": ("invalid_format", "Ce champ n'a pas le format attendu."),
    "string_too_short": ("too_short", "Ce champ est trop court (au moins {min_length} caractères)."),
    "string_too_long": ("too_long", "Ce champ est trop long ({max_length} caractères au plus)."),
    "int_parsing": ("invalid_number", "Ce champ doit être un nombre entier."),
    "int_from_float": ("invalid_number", "Ce champ doit être un nombre entier."),
    "greater_than_equal": ("too_small", "Ce champ doit valoir au moins {ge}."),
    "greater_than": ("too_small", "Ce champ doit valoir plus de {gt}."),
    "less_than_equal": ("too_large", "Ce champ doit valoir au plus {le}."),
    "date_from_datetime_parsing": ("invalid_date", "Ce champ doit être une date (AAAA-MM-JJ)."),
    "date_parsing": ("invalid_date", "Ce champ doit être une date (AAAA-MM-JJ)."),
    "literal_error": ("invalid_choice", "Ce champ doit valoir {expected}."),
    "enum": ("invalid_choice", "Ce champ doit valoir {expected}."),
}
_WRONG_TYPE = ("invalid_type", "Ce champ n'a pas le type attendu.")
# Raised by our own field types (e.g. a contract number) with a French message that says the format.
OWN_FORMAT_ERROR = "invalid_format"


def _field_errors(validation: RequestValidationError) -> list[FieldError]:
    errors = []
    for error in validation.errors():
        location = [str(part) for part in error.get("loc", ()) if part != "body"]
        kind = error.get("type", "")
        if kind == OWN_FORMAT_ERROR:
            code, message = OWN_FORMAT_ERROR, str(error.get("msg", ""))
        else:
            code, template = _PYDANTIC_CODES.get(kind, _WRONG_TYPE)
            context = {key: str(value).replace(" or ", " ou ") for key, value in (error.get("ctx") or {}).items()}
            try:
                message = template.format(**context)
            except (KeyError, IndexError):
                message = template
        if not location:
            code, message = "invalid_body", "Le corps de la requête doit être un objet JSON."
        errors.append(FieldError(".".join(location) or "body", code, message))
    return errors


INTERNAL_ERROR = DomainError(500, "internal_error", "Une erreur inattendue est survenue. Veuillez réessayer plus tard.")


def create_resolver(logger: Logger) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True, serializer=to_json)

    @app.exception_handler(RequestValidationError)
    def on_validation_error(error: RequestValidationError) -> Response[str]:
        if any(tuple(e.get("loc", ()))[:1] == ("response",) for e in error.errors()):
            # Powertools reports a response that does not match its model this way: our bug, a 500.
            logger.error("response does not match its model", extra={"errors": str(error.errors())[:500]})
            return error_response(INTERNAL_ERROR)
        if any(e.get("type") == "json_invalid" for e in error.errors()):
            return error_response(MalformedJson())
        return error_response(InvalidInput(_field_errors(error)))

    @app.exception_handler(RequestUnsupportedContentType)
    def on_unsupported_content(_: RequestUnsupportedContentType) -> Response[str]:
        return error_response(UnsupportedMediaType())

    @app.exception_handler(DomainError)
    def on_domain_error(error: DomainError) -> Response[str]:
        logger.info("request refused", extra={"error_code": error.code, "status": error.status})
        return error_response(error)

    @app.exception_handler([ClientError, BotoCoreError])
    def on_aws_error(error: Exception) -> Response[str]:
        logger.exception("AWS dependency failed", extra={"error_type": type(error).__name__})
        return error_response(ServiceUnavailable())

    @app.exception_handler(Exception)
    def on_unexpected_error(_: Exception) -> Response[str]:
        logger.exception("unexpected error")
        return error_response(INTERNAL_ERROR)

    @app.not_found
    def on_not_found(_: NotFoundError) -> Response[str]:
        return error_response(DomainError(404, "not_found", "Cette adresse n'existe pas."))

    return app


def _header(event: Mapping[str, Any], name: str) -> str:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value or "")
    return ""


def header_values(event: Mapping[str, Any], name: str) -> list[str]:
    """Every value of a header, however many times the request carried it."""
    multi = event.get("multiValueHeaders") or {}
    source = multi.items() if multi else ((k, [v]) for k, v in (event.get("headers") or {}).items())
    return [str(value or "") for key, values in source if key.lower() == name for value in (values or [])]


def cookie_values(event: Mapping[str, Any], name: str) -> list[str]:
    """Values of cookie `name` in every Cookie header of the request."""
    values = []
    for header in header_values(event, "cookie"):
        for part in header.split(";"):
            cookie_name, sep, cookie_value = part.strip().partition("=")
            if sep and cookie_name == name and cookie_value:
                values.append(cookie_value)
    return values


def client_ip(event: Mapping[str, Any]) -> str:
    """The address the per-IP limits count. Behind CloudFront (the request guard has checked the
    secret origin header), the viewer's address CloudFront gives; otherwise API Gateway's source IP."""
    from espace_abonne.core.edge import VIEWER_ADDRESS_HEADER, source_ip, viewer_address

    if get_settings().origin_verify_secret_id:
        viewers = header_values(event, VIEWER_ADDRESS_HEADER)
        viewer = viewer_address(viewers[-1]) if viewers else None
        if viewer:
            return viewer
    return source_ip(event)


SESSION_COOKIE = "__Host-session"
STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Longer integers are no identifier, amount or index of ours; Python would refuse past 4,300 digits.
MAX_INTEGER_DIGITS = 30


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueError("integer too long")
    return int(text)


def _is_json(text: str) -> bool:
    try:
        value = json.loads(text, parse_int=_bounded_int)
        # `"\ud800"` is JSON syntax but no character (a lone surrogate): nothing could hash, store or
        # send it. UnicodeEncodeError is a ValueError.
        json.dumps(value, ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        return False
    return True


def _normalise_content_type(event: dict[str, Any]) -> str:
    """The body's media type, lowercased in the event too: media types are case-insensitive."""
    for headers in (event.get("headers") or {}, event.get("multiValueHeaders") or {}):
        for key in list(headers):
            if key.lower() == "content-type":
                value = headers.pop(key)
                headers["content-type"] = [v.lower() for v in value] if isinstance(value, list) else value.lower()
    return _header(event, "content-type").split(";", 1)[0].strip()


def _around_cloudfront(event: dict[str, Any]) -> DomainError | None:
    """Behind CloudFront, a request that went around it (every API route, browser's or not)."""
    secret_id = get_settings().origin_verify_secret_id
    if secret_id:
        from espace_abonne.core.edge import ORIGIN_HEADER, came_through_cloudfront

        if not came_through_cloudfront(header_values(event, ORIGIN_HEADER), secret_id):
            return DirectAccessRefused()
    return None


def _way_refusal(event: dict[str, Any]) -> DomainError | None:
    """Behind CloudFront, a request that went around it; a state change sent from another site."""
    refusal = _around_cloudfront(event)
    if refusal is not None:
        return refusal
    origins = [o.rstrip("/") for o in header_values(event, "origin") if o]
    if (
        event.get("httpMethod") in STATE_CHANGING_METHODS
        and origins
        and cookie_values(event, SESSION_COOKIE)
        and not set(origins) <= get_settings().allowed_origins
    ):
        return ForbiddenOrigin()
    return None


def _refusal(event: dict[str, Any], max_body_bytes: int = MAX_BODY_BYTES, limit: str = "") -> DomainError | None:
    """Checks made before routing: the way the request came, size and type of the body."""
    refusal = _way_refusal(event)
    if refusal is not None:
        return refusal
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode("utf-8", "replace"))
    if size > max_body_bytes:
        return PayloadTooLarge(limit) if limit else PayloadTooLarge()
    text = body
    if body and event.get("isBase64Encoded"):
        try:
            text = base64.b64decode(body, validate=True).decode("utf-8")
        except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
            return MalformedJson()
    if body:
        # Only JSON: form and text bodies are what a cross-site form could send.
        if _normalise_content_type(event) != "application/json":
            return UnsupportedMediaType()
        if not _is_json(text):
            return MalformedJson()
    return None


def _refused(refusal: DomainError) -> dict[str, Any]:
    """The proxy response of a request refused before routing."""
    return {
        "statusCode": refusal.status,
        "multiValueHeaders": {"Content-Type": [content_types.APPLICATION_JSON]},
        "body": to_json(_error_payload(refusal)),
        "isBase64Encoded": False,
    }


def _with_headers(response: dict[str, Any], event: Mapping[str, Any], cors: bool = True) -> dict[str, Any]:
    headers: dict[str, list[str]] = {k: list(v) for k, v in (response.get("multiValueHeaders") or {}).items()}
    for name, value in (response.get("headers") or {}).items():
        headers.setdefault(name, [value])
    for name, value in SECURITY_HEADERS.items():
        headers[name] = [value]
    if cors:
        origin = _header(event, "origin")
        if origin and origin in get_settings().allowed_origins:
            headers["Access-Control-Allow-Origin"] = [origin]
            headers["Access-Control-Allow-Credentials"] = ["true"]
        headers["Vary"] = ["Origin"]
    return {**{k: v for k, v in response.items() if k != "headers"}, "multiValueHeaders": headers}


Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


@lambda_handler_decorator
def http_boundary(
    handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]],
    event: dict[str, Any],
    context: LambdaContext,
) -> dict[str, Any]:
    """Refuses oversize and non-JSON bodies before routing; adds security and CORS headers."""
    refusal = _refusal(event)
    response = _refused(refusal) if refusal is not None else handler(event, context)
    return _with_headers(response, event)


def upload_boundary(max_body_bytes: int, limit: str) -> Callable[[Handler], Handler]:
    """The browser routes' guard for a function whose route takes a document in its JSON body
    (base64): the same checks, a larger body (`limit` says it to the user). Only that function
    gets it."""

    @lambda_handler_decorator
    def boundary(
        handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]],
        event: dict[str, Any],
        context: LambdaContext,
    ) -> dict[str, Any]:
        refusal = _refusal(event, max_body_bytes, limit)
        response = _refused(refusal) if refusal is not None else handler(event, context)
        return _with_headers(response, event)

    return boundary


# -- Server-to-server form posts ------------------------------------------------------------------
# PayFiP's notification (and its browser return, which may be a POST) is a form post from a server
# or a payment page on another site: the browser routes' guard would refuse it (JSON only, Origin).
# Those routes carry nothing but an identifier that the code looks up: they get this guard instead,
# in a function of their own (docs/payments.md, "Why the notification route is safe").
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 1024


def _form_refusal(event: dict[str, Any]) -> DomainError | None:
    """Checks made before routing a form post: the way it came (through CloudFront), size and type
    of the body, and nothing else — neither cookies nor Origin mean anything on these routes."""
    refusal = _around_cloudfront(event)
    if refusal is not None:
        return refusal
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode("utf-8", "replace"))
    if size > MAX_FORM_BYTES:
        return DomainError(413, "payload_too_large", "La requête est trop volumineuse (1 Kio au plus).")
    if body and _normalise_content_type(event) != FORM_CONTENT_TYPE:
        return DomainError(
            415, "unsupported_media_type", f"Le corps de la requête doit être un formulaire ({FORM_CONTENT_TYPE})."
        )
    return None


def form_values(event: Mapping[str, Any], name: str) -> list[str]:
    """Every value of a field in a form post's body and its query string (undecodable: none)."""
    from urllib.parse import parse_qs

    body = event.get("body") or ""
    if body and event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except ValueError:
            return []
    try:
        values = parse_qs(body, max_num_fields=20).get(name, []) if body else []
    except ValueError:  # more fields than any caller of ours sends
        return []
    query = event.get("multiValueQueryStringParameters") or {}
    return values + [str(v) for v in query.get(name) or []]


@lambda_handler_decorator
def form_boundary(
    handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]],
    event: dict[str, Any],
    context: LambdaContext,
) -> dict[str, Any]:
    """The guard of server-to-server form posts: small form bodies only; security headers, no CORS."""
    refusal = _form_refusal(event)
    response = _refused(refusal) if refusal is not None else handler(event, context)
    return _with_headers(response, event, cors=False)  # not for the web client's scripts


def lambda_entrypoint(
    app: APIGatewayRestResolver,
    logger: Logger,
    metrics: Metrics,
    boundary: Callable[[Handler], Handler] = http_boundary,
) -> Handler:
    """The Lambda handler of a function: request guard and headers, JSON logs with the API Gateway
    request id as correlation id (and the X-Ray trace id, which Powertools adds to every line),
    metrics flushed after each request. `boundary` is the browser routes' guard unless a function
    serves another kind of caller (`form_boundary`).

    No X-Ray SDK (docs/operations.md, Observability): Lambda's active tracing records each invocation without
    it, and it cost more than the rest of the cold start together.
    """

    # Powertools prints the cold-start metric even when metrics are disabled (local mode, tests).
    cold_start_metric = os.environ.get("POWERTOOLS_METRICS_DISABLED", "false").lower() != "true"

    @boundary
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics(capture_cold_start_metric=cold_start_metric)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return app.resolve(event, context)

    return lambda_handler
