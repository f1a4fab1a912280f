"""Every AWS call a function makes is allowed by its policy in template.yaml — and nothing is
granted that no path uses. moto does not enforce IAM, so this is where a missing grant shows."""

from typing import Any

import pytest

from local_mode.template import Template
from tests.accounts import activate, activated_account, log_in, session_cookie_of
from tests.aws_calls import AwsCallRecorder, covered, granted_permissions
from tests.conftest import STRONG_PASSWORD, Api, FrozenClock, Mailbox


@pytest.fixture
def recorder(api: Api, monkeypatch: pytest.MonkeyPatch) -> AwsCallRecorder:
    from espace_abonne.core import aws

    recorder = AwsCallRecorder()
    recorder.attach(aws.dynamodb())
    recorder.attach(aws.dynamodb_bulk())
    recorder.attach(aws.ses())
    recorder.attach(aws.sqs())
    recorder.attach(aws.secretsmanager())
    recorder.attach(aws.s3())
    recorder.attach(aws.sns())
    api_class = type(api)
    real_call = api_class.call

    def recording_call(self: Api, function: str, event: dict[str, Any]) -> dict[str, Any]:
        recorder.function = function
        aws._secrets.clear()  # each function reads the secret in its own execution environment
        try:
            return real_call(self, function, event)
        finally:
            recorder.function = None

    monkeypatch.setattr(api_class, "call", recording_call)
    return recorder


def walk_every_route(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    """Each route on its main path, and the failure paths that touch other resources."""
    email = "camille@example.fr"
    api.post("/accounts", {"email": email, "password": STRONG_PASSWORD, "password_confirmation": STRONG_PASSWORD})
    clock.advance(120)
    api.post("/accounts", {"email": email, "password": STRONG_PASSWORD, "password_confirmation": STRONG_PASSWORD})
    api.post("/accounts/activation/resend", {"email": email})
    activate(api, mailbox.last_link(email, "/activation"))
    api.post("/accounts", {"email": email, "password": STRONG_PASSWORD, "password_confirmation": STRONG_PASSWORD})
    log_in(api, email, "Mauvais#Passe1")
    _hash_with_older_parameters(email)  # the next login re-hashes
    for _ in range(5):
        log_in(api, "someone@example.fr", "Mauvais#Passe1")
    cookie = {"Cookie": session_cookie_of(log_in(api, email, remember_me=True))}
    second = {"Cookie": session_cookie_of(log_in(api, email))}
    clock.advance(120)
    api.request("GET", "/me", headers=cookie)
    clock.advance(61)  # each function then also refreshes the session's last-seen time
    api.post("/contracts/links", {"contract_number": "11301.11377.01", "key": "BAD"}, headers=cookie)
    api.post("/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"}, headers=cookie)
    api.request("GET", "/contracts", headers=cookie)
    clock.advance(61)
    api.request("GET", "/contracts/11301.11377.02/dashboard", headers=cookie)
    clock.advance(61)
    api.request("GET", "/contracts/11301.11377.01/invoices/F202610-1137701/pdf", headers=cookie)
    api.put("/contracts/11301.11377.01/paperless-billing", {"enabled": True}, headers=cookie)
    api.request("GET", "/me/preferences", headers=cookie)
    api.put("/me/preferences", {"new_invoice_emails": True}, headers=cookie)
    api.request("DELETE", "/me/contracts/11301.11377.02", headers=cookie)
    sessions = api.request("GET", "/me/sessions", headers=cookie).json()["sessions"]
    api.request("DELETE", f"/me/sessions/{sessions[-1]['id']}", headers=cookie)
    clock.advance(61)
    api.post(
        "/contact-messages", {"name": "C", "email": email, "subject": "autre", "message": "Bonjour"}, headers=cookie
    )
    api.post(
        "/subscription-requests",
        {
            "holder_name": "C",
            "service_address": "1 rue Test, Aix",
            "move_in_date": "2026-12-01",
            "phone": "0612345678",
            "email": email,
        },
    )
    api.post("/me/password", {"current_password": STRONG_PASSWORD, "new_password": "Nouveau#Mot2026",
                              "new_password_confirmation": "Nouveau#Mot2026"}, headers=cookie)  # fmt: skip
    api.post("/me/email", {"new_email": "new@example.fr", "current_password": "Nouveau#Mot2026"}, headers=cookie)
    api.post("/me/email/confirm", {"token": mailbox.last_link("new@example.fr", "/email/confirmation")})
    email = "new@example.fr"
    api.request("GET", "/me/export", headers=cookie)
    log_in(api, email, "Mauvais#Passe1")  # counters that the reset clears
    api.post("/password-resets", {"email": email})
    api.post("/password-resets", {"email": "pending@example.fr"})
    api.post(
        "/password-resets/confirm",
        {"token": mailbox.last_link(email, "/mot-de-passe/reinitialisation"),
         "password": "Encore#Autre2026", "password_confirmation": "Encore#Autre2026"},
    )  # fmt: skip
    cookie = {"Cookie": session_cookie_of(log_in(api, email, "Encore#Autre2026"))}
    api.request("DELETE", "/sessions/current", headers=second)
    activated_account(api, mailbox, "other@example.fr")
    other = {"Cookie": session_cookie_of(log_in(api, "other@example.fr"))}
    api.post("/contracts/links", {"contract_number": "11302.20456.01", "key": "H5N2-R7VB"}, headers=other)
    # Through the billing inbox: the import ends the link (the worker tells the account), copies a new
    # invoice's PDF and announces it (the worker emails the linked account), refuses a line (SNS).
    _import_a_new_payer_for("11302.20456.01", api)
    api.run_schedule("ReturnFeedFunction")  # yesterday's return feed, as the nightly schedule writes it
    api.request("DELETE", "/sessions/current", headers=other)
    api.request("DELETE", "/me", {"current_password": "Encore#Autre2026"}, headers=cookie)


def _import_a_new_payer_for(number: str, api: Api) -> None:
    import json

    from local_mode.backend import DEMO_EXPORT, DEMO_INVOICES, drop_export, drop_invoice_pdf

    records = [json.loads(line) for line in DEMO_EXPORT.read_text(encoding="utf-8").splitlines()]
    for record in records:
        if record.get("number") == number:
            record["payer_id"] = "R-999999"
        if record.get("number") == "11301.11377.01":
            record["invoices"].append({**record["invoices"][-1], "number": "F202611-1137701", "status": "à payer"})
    records.insert(1, {"type": "payer", "payer_id": "R-999999", "name": "Nouvel occupant"})
    drop_invoice_pdf(api.template, "F202611-1137701", (DEMO_INVOICES / "F202610-1137701.pdf").read_bytes())
    drop_export(api.template, [*(json.dumps(r, ensure_ascii=False) for r in records), "{not json"], "walk")
    api.run_queued_work()


def _hash_with_older_parameters(email: str) -> None:
    import boto3
    from argon2 import PasswordHasher

    boto3.client("dynamodb").update_item(
        TableName="AccountsTable",
        Key={"email": {"S": email}},
        UpdateExpression="SET password_hash = :h",
        ExpressionAttributeValues={":h": {"S": PasswordHasher(time_cost=1, memory_cost=8192).hash(STRONG_PASSWORD)}},
    )


@pytest.mark.usefixtures("demo_billing")
def test_every_call_is_granted_and_every_grant_is_used(
    api: Api, mailbox: Mailbox, clock: FrozenClock, template: Template, recorder: AwsCallRecorder
) -> None:
    clock.current = 1_795_000_000
    walk_every_route(api, mailbox, clock)

    functions = {f for f, _, _ in recorder.calls}
    assert functions == set(template.functions()), "the walk must reach every function"
    for function in sorted(functions):
        granted = granted_permissions(template, function)
        used = covered(recorder.permissions[function], granted)
        assert used - granted == set(), f"{function} calls AWS without permission"
        assert granted - used == set(), f"{function} is granted more than it uses"
