"""No password, token, clé or session secret ever appears in a log, a metric or a response body
(the cookie header and the emailed links are where they belong) — issue 6."""

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from local_mode.template import Template
from tests.accounts import session_cookie_of
from tests.conftest import Api, ApiResponse, CapturedLogs, FrozenClock, Mailbox

PASSWORD = "Secret#Leak2026"
NEW_PASSWORD = "Other#Leak2027"
KEY = "7Q4M-2KX9"


@pytest.fixture
def everything_logged(template: Template, logs: CapturedLogs) -> Iterator[CapturedLogs]:
    loggers = [logging.getLogger(f.environment["POWERTOOLS_SERVICE_NAME"]) for f in template.functions().values()]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    yield logs
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.mark.usefixtures("demo_billing")
def test_secrets_never_reach_logs_metrics_or_bodies(
    api: Api,
    mailbox: Mailbox,
    clock: FrozenClock,
    everything_logged: CapturedLogs,
    capsys: pytest.CaptureFixture[str],
) -> None:
    responses: list[ApiResponse] = []

    def post(path: str, body: Any, **kwargs: Any) -> ApiResponse:
        response = api.post(path, body, **kwargs)
        responses.append(response)
        return response

    email = "fuite@example.fr"
    post("/accounts", {"email": email, "password": PASSWORD, "password_confirmation": "x" + PASSWORD})
    post("/accounts", {"email": email, "password": PASSWORD, "password_confirmation": PASSWORD})
    activation = mailbox.last_link(email, "/activation")
    post("/accounts/activation", {"token": activation, "password": "Wrong" + PASSWORD})  # not the sign-up's
    post("/accounts/activation", {"token": activation, "password": PASSWORD})
    post("/accounts/activation", {"token": activation, "password": PASSWORD})  # reused: refused
    post("/sessions", {"email": email, "password": "Wrong" + PASSWORD})
    login = post("/sessions", {"email": email, "password": PASSWORD})
    cookie = {"Cookie": session_cookie_of(login)}
    session_secret = cookie["Cookie"].split(".", 1)[1]
    post("/contracts/links", {"contract_number": "11301.11377.01", "key": KEY + "X"}, headers=cookie)
    post("/contracts/links", {"contract_number": "11301.11377.01", "key": KEY}, headers=cookie)
    responses.append(api.request("GET", "/me/export", headers=cookie))
    responses.append(api.request("GET", "/me/sessions", headers=cookie))
    post("/password-resets", {"email": email})
    reset = mailbox.last_link(email, "/mot-de-passe/reinitialisation")
    post("/password-resets/confirm", {"token": reset, "password": "weak", "password_confirmation": "weak"})
    post("/password-resets/confirm", {"token": reset, "password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD})
    post("/accounts/activation", {"token": reset, "password": PASSWORD})  # a token where it does not belong
    responses.append(api.request("GET", "/me", headers=cookie))

    secrets = [PASSWORD, NEW_PASSWORD, activation, reset, session_secret, KEY, KEY.replace("-", "")]
    logged = "\n".join(everything_logged.lines)
    printed = capsys.readouterr().out  # Powertools metrics (EMF) go to stdout
    bodies = "\n".join(r.body for r in responses)
    headers = "\n".join(
        f"{k}: {v}" for r in responses for k, values in r.headers.items() if k != "Set-Cookie" for v in values
    )
    assert everything_logged.lines  # the flows did log
    for secret in secrets:
        assert secret not in logged, "a secret is in the logs"
        assert secret not in printed, "a secret is in stdout"
        assert secret not in bodies, "a secret is in a response body"
        assert secret not in headers, "a secret is in a response header"
