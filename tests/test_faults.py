"""Faults of DynamoDB and SES: a clear 503, one structured error log, bounded retries, and no
state a user cannot recover from (issue 6). Emails go out after the answer, through the outbox
queue: an SES hiccup never fails a request, and no email is lost (issue 12)."""

from collections.abc import Iterator

import boto3
import pytest

from espace_abonne.core import aws
from tests.accounts import activate, activated_account, log_in, session_cookie_of
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


def dead_letters() -> list[str]:
    """What waits in the outbox's dead-letter queue (the alarm's metric), message bodies."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="OutboxDeadLetterQueue")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    return [m["Body"] for m in messages]


def test_an_ses_hiccup_never_fails_the_sign_up_and_the_link_still_arrives(
    api: Api, mailbox: Mailbox, faults: Faults, logs: CapturedLogs
) -> None:
    # SES refuses the first two sends: the worker's first delivery fails, SQS delivers again.
    faults.fail(aws.ses(), "SendRawEmail", ses_error("MessageRejected"), times=2)

    response = api.post("/accounts", SIGNUP)

    assert response.status == 202
    assert faults.attempts["SendRawEmail"] == 3
    assert len(mailbox.to(EMAIL)) == 1  # the account was created once, its link sent on a retry
    assert activate(api, mailbox.last_link(EMAIL, "/activation")).status == 200
    assert errors_logged(logs).count("task failed; SQS will deliver it again") == 2
    assert dead_letters() == []


def test_an_email_that_keeps_failing_ends_in_the_dead_letter_queue_not_in_an_error_page(
    api: Api, mailbox: Mailbox, faults: Faults, logs: CapturedLogs
) -> None:
    faults.fail(aws.ses(), "SendRawEmail", ses_error("Throttling"))

    response = api.post("/accounts", SIGNUP)

    assert response.status == 202
    assert faults.attempts["SendRawEmail"] == 5 * 3  # five deliveries, three attempts each
    assert mailbox.all() == []
    [body] = dead_letters()  # kept for the operators (alarm), redriven once SES is back
    assert '"kind":"sign_up"' in body
    assert STRONG_PASSWORD not in body


def test_a_transient_throttle_is_absorbed_by_the_retries(api: Api, mailbox: Mailbox, faults: Faults) -> None:
    faults.fail(aws.dynamodb(), "TransactWriteItems", dynamodb_error("ThrottlingException"), times=1)

    assert api.post("/accounts", SIGNUP).status == 202
    assert faults.attempts["TransactWriteItems"] == 3  # the route's counter twice, then the worker's write
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


def test_linking_succeeds_while_ses_is_down_and_the_contrat_lie_email_follows(
    api: Api, mailbox: Mailbox, demo_billing: None, faults: Faults
) -> None:
    activated_account(api, mailbox, EMAIL)
    cookie = {"Cookie": session_cookie_of(log_in(api, EMAIL))}
    faults.fail(aws.ses(), "SendRawEmail", ses_error("MessageRejected"), times=1)

    response = api.post("/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"}, headers=cookie)

    assert response.status == 200
    assert mailbox.to(EMAIL)[-1].subject == "Contrat lié à votre espace abonné"
