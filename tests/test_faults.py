"""Faults of DynamoDB and SES: a clear 503, one structured error log, bounded retries, and no
state a user cannot recover from (issue 6)."""

from collections.abc import Iterator

import boto3
import pytest

from espace_abonne import aws
from tests.accounts import activated_account, log_in, session_cookie_of
from tests.conftest import STRONG_PASSWORD, Api, CapturedLogs, FrozenClock, Mailbox
from tests.faults import Faults, dynamodb_error, ses_error, transaction_conflict

EMAIL = "camille@example.fr"
SIGNUP = {"email": EMAIL, "password": STRONG_PASSWORD, "password_confirmation": STRONG_PASSWORD}


@pytest.fixture
def faults(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Faults]:
    # Keep botocore's retry policy, without waiting its backoff in tests.
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0)
    injected = Faults()
    yield injected
    injected.heal()


def errors_logged(logs: CapturedLogs) -> list[str]:
    return [r["message"] for r in logs.records() if r["level"] == "ERROR"]


def assert_clear_503(response: object, logs: CapturedLogs) -> None:
    assert response.status == 503  # type: ignore[attr-defined]
    assert response.json() == {  # type: ignore[attr-defined]
        "code": "service_unavailable",
        "message": "Le service est momentanément indisponible. Veuillez réessayer dans quelques instants.",
    }
    assert errors_logged(logs) == ["AWS dependency failed"]


def test_dynamodb_throttling_during_sign_up_is_a_503_after_three_attempts_and_nothing_is_half_written(
    api: Api, mailbox: Mailbox, faults: Faults, logs: CapturedLogs
) -> None:
    faults.fail(aws.dynamodb(), "TransactWriteItems", dynamodb_error("ProvisionedThroughputExceededException"))

    response = api.post("/accounts", SIGNUP)

    assert_clear_503(response, logs)
    assert faults.attempts["TransactWriteItems"] == 3  # standard mode: bounded retries
    faults.heal()
    assert boto3.client("dynamodb").scan(TableName="AccountsTable")["Items"] == []
    assert mailbox.all() == []
    assert api.post("/accounts", SIGNUP).status == 202  # trying again works


def test_a_sign_up_whose_email_was_rejected_can_be_sent_again(
    api: Api, mailbox: Mailbox, faults: Faults, logs: CapturedLogs
) -> None:
    faults.fail(aws.ses(), "SendRawEmail", ses_error("MessageRejected"))

    assert_clear_503(api.post("/accounts", SIGNUP), logs)
    assert faults.attempts["SendRawEmail"] == 1  # a rejection is not retried
    faults.heal()

    assert api.post("/accounts/activation/resend", {"email": EMAIL}).status == 202
    assert api.post("/accounts/activation", {"token": mailbox.last_link(EMAIL, "/activation")}).status == 200


def test_ses_throttling_is_retried_then_a_503(api: Api, faults: Faults, logs: CapturedLogs) -> None:
    faults.fail(aws.ses(), "SendRawEmail", ses_error("Throttling"))

    assert_clear_503(api.post("/accounts", SIGNUP), logs)
    assert faults.attempts["SendRawEmail"] == 3


def test_a_transient_throttle_is_absorbed_by_the_retries(api: Api, mailbox: Mailbox, faults: Faults) -> None:
    faults.fail(aws.dynamodb(), "TransactWriteItems", dynamodb_error("ThrottlingException"), times=1)

    assert api.post("/accounts", SIGNUP).status == 202
    assert faults.attempts["TransactWriteItems"] == 2
    assert len(mailbox.all()) == 1


def test_a_dynamodb_timeout_during_login_is_a_503(
    api: Api, mailbox: Mailbox, faults: Faults, logs: CapturedLogs
) -> None:
    activated_account(api, mailbox, EMAIL)
    faults.fail(aws.dynamodb(), "GetItem", None)

    assert_clear_503(log_in(api, EMAIL), logs)
    assert faults.attempts["GetItem"] == 3


def test_login_counters_lost_to_concurrent_attempts_answer_429_retry_after_1(
    api: Api, mailbox: Mailbox, faults: Faults
) -> None:
    activated_account(api, mailbox, EMAIL)
    faults.fail(aws.dynamodb(), "TransactWriteItems", transaction_conflict())

    response = log_in(api, EMAIL)

    assert response.status == 429
    assert response.header("Retry-After") == "1"
    assert faults.attempts["TransactWriteItems"] == 3  # counted again three times, then given up


def test_a_dashboard_read_that_keeps_failing_is_a_503(
    api: Api, mailbox: Mailbox, demo_billing: None, faults: Faults, logs: CapturedLogs, clock: FrozenClock
) -> None:
    activated_account(api, mailbox, EMAIL)
    cookie = {"Cookie": session_cookie_of(log_in(api, EMAIL))}
    api.post("/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"}, headers=cookie)
    faults.fail(aws.dynamodb(), "Query", dynamodb_error("InternalServerError"))

    assert_clear_503(api.request("GET", "/contracts/11301.11377.01/dashboard", headers=cookie), logs)
    faults.heal()
    assert api.request("GET", "/contracts/11301.11377.01/dashboard", headers=cookie).status == 200


def test_a_failed_contrat_lie_email_leaves_the_links_in_place(
    api: Api, mailbox: Mailbox, demo_billing: None, faults: Faults, logs: CapturedLogs
) -> None:
    activated_account(api, mailbox, EMAIL)
    cookie = {"Cookie": session_cookie_of(log_in(api, EMAIL))}
    faults.fail(aws.ses(), "SendRawEmail", ses_error("MessageRejected"))

    response = api.post("/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"}, headers=cookie)

    assert_clear_503(response, logs)
    faults.heal()
    # Linking again is harmless and completes the step (the email goes out).
    again = api.post("/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"}, headers=cookie)
    assert again.status == 200
    assert mailbox.to(EMAIL)[-1].subject == "Contrat lié à votre espace abonné"
