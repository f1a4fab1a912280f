"""The HTTP contract of PRODUCT.md §4 shared by every route: bad input is a clear 4xx, never a 5xx."""

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_mode.events import proxy_event
from tests.conftest import STRONG_PASSWORD, Api, CapturedLogs, Mailbox

ROUTES = ["/accounts", "/accounts/activation", "/accounts/activation/resend"]
JSON = {"Content-Type": "application/json"}


def raw_post(api: Api, path: str, body: str | bytes, headers: dict[str, str] | None = None) -> Any:
    function, resource, _ = api.function_for("POST", path)
    return api.invoke(function, proxy_event("POST", path, resource=resource, body=body, headers=headers))


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("body", ['{"email": ', "{'email': 'x'}", "nul", '{"a":1}}', "\x00"])
def test_malformed_json_is_a_400(api: Api, path: str, body: str) -> None:
    response = raw_post(api, path, body, JSON)

    assert response.status == 400
    assert response.json() == {"code": "malformed_json", "message": "Le corps de la requête n'est pas un JSON valide."}


@pytest.mark.parametrize("path", ROUTES)
def test_an_unknown_field_is_a_422_naming_it(api: Api, mailbox: Mailbox, path: str) -> None:
    body = {
        "email": "camille@example.fr",
        "password": STRONG_PASSWORD,
        "password_confirmation": STRONG_PASSWORD,
        "token": "t" * 43,
        "is_admin": True,
    }
    allowed = {
        "/accounts": {"email", "password", "password_confirmation"},
        "/accounts/activation": {"token", "password"},
        "/accounts/activation/resend": {"email"},
    }[path]
    body = {k: v for k, v in body.items() if k in allowed | {"is_admin"}}

    response = api.post(path, body)

    assert response.status == 422
    assert response.json()["errors"] == [
        {"field": "is_admin", "code": "unknown_field", "message": "Ce champ n'est pas reconnu."}
    ]
    assert mailbox.all() == []


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("body", ["[]", '"texte"', "42", "null", "true"])
def test_a_body_that_is_not_an_object_is_a_422(api: Api, path: str, body: str) -> None:
    response = raw_post(api, path, body, JSON)

    assert response.status == 422
    assert response.json()["code"] == "validation_error"


def test_missing_fields_are_each_reported(api: Api) -> None:
    response = api.post("/accounts", {})

    assert response.status == 422
    assert sorted((e["field"], e["code"]) for e in response.json()["errors"]) == [
        ("email", "required"),
        ("password", "required"),
        ("password_confirmation", "required"),
    ]


@pytest.mark.parametrize("value", [None, 12, ["a@b.fr"], {"x": 1}, True])
def test_wrong_types_are_a_422(api: Api, value: Any) -> None:
    response = api.post("/accounts/activation/resend", {"email": value})

    assert response.status == 422
    assert response.json()["errors"][0] == {
        "field": "email",
        "code": "invalid_type",
        "message": "Ce champ n'a pas le type attendu.",
    }


@pytest.mark.parametrize("path", ROUTES)
def test_a_body_over_16_kib_is_a_413(api: Api, mailbox: Mailbox, path: str) -> None:
    body = json.dumps({"email": "a@example.fr", "padding": "x" * 16 * 1024})

    response = raw_post(api, path, body, JSON)

    assert response.status == 413
    assert response.json()["code"] == "payload_too_large"
    assert mailbox.all() == []


def test_a_body_of_exactly_16_kib_is_read(api: Api) -> None:
    body = json.dumps({"email": "a@example.fr"})
    body = body[:-1] + " " * (16 * 1024 - len(body)) + "}"

    assert raw_post(api, "/accounts/activation/resend", body, JSON).status == 202


@pytest.mark.parametrize(
    "content_type",
    [None, "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", "application/xml"],
)
def test_a_body_that_is_not_declared_json_is_a_415(api: Api, mailbox: Mailbox, content_type: str | None) -> None:
    """Forms and text are what a cross-site page can post without a preflight: refused."""
    headers = {"Content-Type": content_type} if content_type else {}

    response = raw_post(api, "/accounts/activation/resend", "email=camille%40example.fr", headers)

    assert response.status == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert mailbox.all() == []


def test_json_with_a_charset_is_accepted(api: Api) -> None:
    response = raw_post(
        api,
        "/accounts/activation/resend",
        '{"email": "a@example.fr"}',
        {"Content-Type": "application/json; charset=utf-8"},
    )

    assert response.status == 202


def test_invalid_utf8_is_not_a_5xx(api: Api) -> None:
    response = raw_post(api, "/accounts/activation/resend", b'{"email": "\xff\xfe"}', JSON)

    assert 400 <= response.status < 500


def test_every_response_carries_the_security_headers(api: Api) -> None:
    for response in (api.post("/accounts", {}), api.post("/accounts/activation/resend", {"email": "a@example.fr"})):
        assert response.header("X-Content-Type-Options") == "nosniff"
        assert response.header("Strict-Transport-Security") == "max-age=63072000; includeSubDomains"
        assert response.header("Referrer-Policy") == "no-referrer"
        assert response.header("Cache-Control") == "no-store"
        assert "default-src 'none'" in (response.header("Content-Security-Policy") or "")
        assert response.header("Content-Type") == "application/json"


def test_cors_answers_only_the_configured_origin(api: Api) -> None:
    allowed = api.post(
        "/accounts/activation/resend",
        {"email": "a@example.fr"},
        headers={"Origin": "https://monespace.eauxdupaysdaix.fr"},
    )
    foreign = api.post(
        "/accounts/activation/resend", {"email": "a@example.fr"}, headers={"Origin": "https://evil.example"}
    )

    assert allowed.header("Access-Control-Allow-Origin") == "https://monespace.eauxdupaysdaix.fr"
    assert allowed.header("Access-Control-Allow-Credentials") == "true"
    assert foreign.header("Access-Control-Allow-Origin") is None
    assert foreign.header("Access-Control-Allow-Credentials") is None


def test_a_dynamodb_failure_is_a_clear_503_and_is_logged(
    api: Api, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch, logs: CapturedLogs
) -> None:
    from espace_abonne.core import aws

    def unavailable(*_: Any, **__: Any) -> None:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "Get")

    monkeypatch.setattr(aws.dynamodb(), "get_item", unavailable)

    response = api.post("/accounts/activation", {"token": "t" * 43, "password": STRONG_PASSWORD})

    assert response.status == 503
    assert response.json()["code"] == "service_unavailable"
    assert "réessayer" in response.json()["message"]
    [error] = [record for record in logs.records() if record["level"] == "ERROR"]
    assert error["message"] == "AWS dependency failed"
    assert error["error_type"] == "ClientError"
    assert error["correlation_id"]  # the API Gateway request id


def test_an_unknown_path_on_a_function_is_a_french_404(api: Api) -> None:
    function, _, _ = api.function_for("POST", "/accounts")
    response = api.invoke(function, proxy_event("GET", "/accounts/unknown"))

    assert response.status == 404
    assert response.json()["code"] == "not_found"


def test_a_bug_in_a_route_is_a_logged_500_in_french(
    api: Api, monkeypatch: pytest.MonkeyPatch, logs: CapturedLogs
) -> None:
    def broken(*_: Any) -> None:
        raise KeyError("bug")

    monkeypatch.setattr("espace_abonne.sessions.activation.ActivationService.activate", broken)

    response = api.post("/accounts/activation", {"token": "t" * 43, "password": STRONG_PASSWORD})

    assert response.status == 500
    assert response.json() == {
        "code": "internal_error",
        "message": "Une erreur inattendue est survenue. Veuillez réessayer plus tard.",
    }
    assert [r["message"] for r in logs.records() if r["level"] == "ERROR"] == ["unexpected error"]


def test_a_response_that_breaks_its_own_model_is_a_500_not_a_client_error() -> None:
    from aws_lambda_powertools import Logger

    from espace_abonne.core.http import MessageResponse, create_resolver

    app = create_resolver(Logger(service="test-resolver"))

    @app.get("/broken")
    def broken() -> MessageResponse:
        return {"message": ["not", "a", "string"]}  # type: ignore[return-value]

    response = app.resolve(proxy_event("GET", "/broken"), None)  # type: ignore[arg-type]

    assert response["statusCode"] == 500
    assert json.loads(response["body"])["code"] == "internal_error"


# Server-to-server and redirect routes with their own guard (core/http.py, form_boundary).
PAYFIP_ROUTES = frozenset({"/payments/payfip/notifications", "/payments/payfip/return"})


def test_every_route_of_every_function_answers_with_the_security_headers(api: Api, template: Any) -> None:
    for route in template.routes():
        path = route.path.replace("{number}", "11301.11377.01").replace("{session_id}", "0" * 64)
        response = api.request(route.method, path, {} if route.method == "POST" else None)
        if route.path in PAYFIP_ROUTES:  # their own guard: a JSON body is a 415; the return, a redirect
            assert response.status in (303, 415), f"{route.method} {route.path}"
        else:
            assert 400 <= response.status < 500, f"{route.method} {route.path}"
        for header in ("X-Content-Type-Options", "Strict-Transport-Security", "Referrer-Policy", "Cache-Control"):
            assert response.header(header), f"{route.method} {route.path}: {header}"
        assert "default-src 'none'" in (response.header("Content-Security-Policy") or "")


def test_every_state_changing_route_refuses_a_foreign_origin_that_carries_the_cookie(api: Api, template: Any) -> None:
    """PRODUCT.md §3: the Origin check sits in the shared request guard; every route gets it."""
    headers = {"Cookie": "__Host-session=any.value", "Origin": "https://evil.example"}
    for route in template.routes():
        if route.method not in ("POST", "PUT", "PATCH", "DELETE") or route.path in PAYFIP_ROUTES:
            continue  # PayFiP's routes read no cookie: test_payments.py::test_the_notification_is_not_subject_*
        path = route.path.replace("{number}", "11301.11377.01").replace("{session_id}", "0" * 64)
        response = api.request(route.method, path, {}, headers=headers)
        assert (response.status, response.json()["code"]) == (403, "forbidden_origin"), route.path
