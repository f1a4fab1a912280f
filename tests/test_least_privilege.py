"""Every AWS call a function makes is allowed by its policy in template.yaml — and nothing is
granted that no path uses. moto does not enforce IAM, so this is where a missing grant shows."""

from collections.abc import Iterator
from typing import Any

import pytest

from local_mode.template import Template
from tests.accounts import activate, activated_account, log_in, session_cookie_of
from tests.aws_calls import AwsCallRecorder, covered, granted_permissions, needed_permissions
from tests.conftest import FRONTEND_URL, STRONG_PASSWORD, Api, FrozenClock, Mailbox


@pytest.fixture
def deployed(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Template]:
    """The template as `sam deploy` uses it (behind CloudFront): every request carries the secret
    origin header, and the functions check it."""
    from espace_abonne.core.settings import get_settings
    from local_mode.template import LOCAL_SECRETS, load_template

    deployed = load_template({"FrontendUrl": FRONTEND_URL, "CloudFrontOnly": "true"})
    monkeypatch.setenv("ORIGIN_VERIFY_SECRET_ID", "OriginVerifySecret")
    get_settings.cache_clear()
    api.default_headers["X-Origin-Verify"] = LOCAL_SECRETS["OriginVerifySecret"]
    yield deployed
    monkeypatch.undo()
    get_settings.cache_clear()


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
        aws._secrets.clear()  # each function is its own execution environment, with its own cache
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
    walk_payments(api, cookie, clock)
    clock.advance(61)  # the session's last-seen time is refreshed too
    walk_consumption(api, cookie)
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
    api.put("/contracts/11302.20456.01/consumption-alerts", {"daily_litres": 50}, headers=other)
    # Through the billing inbox: the import ends the link (the worker tells the account), copies a new
    # invoice's PDF and announces it (the worker emails the linked account), refuses a line (SNS),
    # and finds an abnormal increase in a new reading (the worker tells the linked account).
    _import_a_new_payer_for("11302.20456.01", api)
    api.run_schedule("ReturnFeedFunction")  # yesterday's return feed, as the nightly schedule writes it
    # Thresholds: emails for the days over 120 litres; the threshold whose link the import ended goes.
    api.run_schedule("ConsumptionAlertsFunction")
    clock.advance(61)
    api.post(
        "/contracts/11301.11377.01/leak-attestations",
        {"reading_date": "2026-11-14", "repair_date": "2026-11-16", "leak_location": "Chasse d'eau",
         "plumber": "Plomberie du Cours", "document": {"file_name": "attestation.pdf",
         "content_type": "application/pdf", "content_base64": "JVBERi0xLjQKJSVFT0YK"}},
        headers=cookie,
    )  # fmt: skip
    api.request("DELETE", "/sessions/current", headers=other)
    api.request("DELETE", "/me", {"current_password": "Encore#Autre2026"}, headers=cookie)


def walk_payments(api: Api, cookie: dict[str, str], clock: FrozenClock) -> None:
    """« Payer en ligne » with local mode's PayFiP simulator in-process: a start PayFiP refuses, a
    payment accepted by its notification, one refused on its return, one the settler accepts."""
    from urllib.parse import parse_qs, urlsplit

    from espace_abonne.payments import payfip
    from local_mode.payfip_simulator import PayfipSimulator

    simulator = PayfipSimulator(clock=lambda: float(clock.now()), notifier=lambda url, id_op: None)
    real_transport = payfip.urllib_transport
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    def start(invoice: str, contract: str = "11301.11377.01") -> tuple[str, str]:
        started = api.post(f"/contracts/{contract}/invoices/{invoice}/payments", headers=cookie).json()
        return started["payment_id"], parse_qs(urlsplit(started["redirect_url"]).query)["idop"][0]

    payfip.urllib_transport = lambda url, body, timeout: (503, b"")
    clock.advance(61)  # the session's last-seen time is refreshed too
    try:
        api.post("/contracts/11301.11377.01/invoices/F202610-1137701/payments", headers=cookie)  # 503
        payfip.urllib_transport = simulator.transport
        payment_id, id_op = start("F202610-1137701")
        api.request("GET", f"/payments/{payment_id}", headers=cookie)
        simulator.settle(id_op, "R", notify=False)
        api.request("POST", "/payments/payfip/return", f"idop={id_op}", headers=form)
        _, id_op = start("F202610-1137701")
        simulator.settle(id_op, "P", notify=False)
        api.request("POST", "/payments/payfip/notifications", f"idop={id_op}", headers=form)
        _, id_op = start("F202610-1137702", "11301.11377.02")
        simulator.settle(id_op, "P", notify=False)
        api.run_schedule("PaymentSettlerFunction")
    finally:
        payfip.urllib_transport = real_transport


def walk_consumption(api: Api, cookie: dict[str, str]) -> None:
    """The series and its CSV, thresholds set, removed and set again, an index sent (autorelève)."""
    api.request("GET", "/contracts/11301.11377.01/consumption?granularity=month", headers=cookie)
    api.request("GET", "/contracts/11301.11377.01/consumption.csv", headers=cookie)
    api.put("/contracts/11301.11377.01/consumption-alerts", {"daily_litres": 400}, headers=cookie)
    api.request("DELETE", "/contracts/11301.11377.01/consumption-alerts", headers=cookie)
    api.put("/contracts/11301.11377.01/consumption-alerts", {"daily_litres": 120, "monthly_m3": 5}, headers=cookie)
    api.post("/contracts/11301.11377.02/meter-readings", {"date": "2026-11-16", "index_m3": 2050}, headers=cookie)


def _import_a_new_payer_for(number: str, api: Api) -> None:
    import json

    from local_mode.backend import DEMO_EXPORT, DEMO_INVOICES, drop_export, drop_invoice_pdf

    records = [json.loads(line) for line in DEMO_EXPORT.read_text(encoding="utf-8").splitlines()]
    for record in records:
        if record.get("number") == number:
            record["payer_id"] = "R-999999"
        if record.get("number") == "11301.11377.01":
            record["invoices"].append({**record["invoices"][-1], "number": "F202611-1137701", "status": "à payer"})
            last = record["readings"][-1]  # a leak: 60 m³ in a month where 10 are usual
            record["readings"].append({**last, "date": "2026-11-14", "index_m3": last["index_m3"] + 60})
            index = record["daily_index"][-1]["index_l"]  # and the days since, at 900 litres a day
            record["daily_index"] += [{"date": f"2026-11-{d}", "index_l": index + 900 * (d - 14)} for d in (15, 16, 17)]
            record["data_as_of"] = "2026-11-17"
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
    api: Api, mailbox: Mailbox, clock: FrozenClock, deployed: Template, recorder: AwsCallRecorder
) -> None:
    clock.current = 1_795_000_000
    walk_every_route(api, mailbox, clock)

    functions = {f for f, _, _ in recorder.calls}
    assert functions == set(deployed.functions()), "the walk must reach every function"
    for function in sorted(functions):
        granted = granted_permissions(deployed, function)
        used = covered(recorder.permissions[function], granted)
        assert used - granted == set(), f"{function} calls AWS without permission"
        assert granted - used == set(), f"{function} is granted more than it uses"


# -- how IAM authorises S3 calls (what the walk above relies on) ------------------------------------
INBOX = "arn:aws:s3:::inbox"


def test_reading_an_object_at_a_version_is_s3_get_object_version() -> None:
    """A versioned bucket's event names a version: reading it (or copying from it) is another action."""
    assert needed_permissions("s3", "GetObject", {"Bucket": "inbox", "Key": "exports/a.jsonl", "VersionId": "v1"}) == {
        ("s3:GetObjectVersion", f"{INBOX}/exports/a.jsonl")
    }
    assert ("s3:GetObjectVersion", f"{INBOX}/invoices/F1.pdf") in needed_permissions(
        "s3", "HeadObject", {"Bucket": "inbox", "Key": "invoices/F1.pdf", "VersionId": "v1"}
    )
    for source in (
        {"Bucket": "inbox", "Key": "invoices/F1.pdf", "VersionId": "v1"},
        "inbox/invoices/F1.pdf?versionId=v1",
    ):
        assert needed_permissions("s3", "CopyObject", {"Bucket": "docs", "Key": "F1.pdf", "CopySource": source}) == {
            ("s3:GetObjectVersion", f"{INBOX}/invoices/F1.pdf"),
            ("s3:PutObject", "arn:aws:s3:::docs/F1.pdf"),
        }
    assert ("s3:GetObject", f"{INBOX}/invoices/F1.pdf") in needed_permissions(
        "s3", "CopyObject", {"Bucket": "docs", "Key": "F1.pdf", "CopySource": "inbox/invoices/F1.pdf"}
    )


def test_a_read_that_may_find_nothing_needs_the_listing_of_its_bucket(template: Template) -> None:
    """S3 answers NoSuchKey (a 404 for the subscriber) only to a caller that may list the bucket,
    AccessDenied (a 503) otherwise: InvoicesFunction may list the documents bucket."""
    needed = needed_permissions("s3", "GetObject", {"Bucket": "documentsbucket", "Key": "invoices/C/F1.pdf"})

    assert ("s3:ListBucket", "arn:aws:s3:::documentsbucket") in needed
    granted = granted_permissions(template, "InvoicesFunction")
    assert all(covered({permission}, granted) for permission in needed)
    versioned = {"Bucket": "documentsbucket", "Key": "invoices/C/F1.pdf", "VersionId": "v1"}
    assert not any(action == "s3:ListBucket" for action, _ in needed_permissions("s3", "GetObject", versioned))
