"""Invoices (PRODUCT.md §7, issue 15): the PDF of an invoice (linked contracts only), « Nouvelle
facture disponible » after an import (once per invoice and account), its preference in « Mon
compte », and « Facture électronique »."""

import base64
import copy
import io
import json
import threading
from collections.abc import Iterator
from typing import Any

import pypdf
import pytest

from espace_abonne.core import aws
from espace_abonne.core.outbox import NEW_INVOICE, Outbox
from espace_abonne.core.return_feed import ReturnFeed, paris_day
from local_mode.backend import DEMO_EXPORT, DEMO_INVOICES, drop_export, drop_invoice_pdf, import_report
from local_mode.template import queue_url
from tests.accounts import activated_account, log_in, session_cookie_of
from tests.conftest import Api, ApiResponse, CapturedLogs, FrozenClock, Mailbox
from tests.faults import Faults, s3_error, ses_error

NEW = "F202611-1137701"
SUBJECT = "Nouvelle facture disponible"


class Subscriber:
    def __init__(self, api: Api, email: str) -> None:
        self.api = api
        self.email = email
        self.cookie = session_cookie_of(log_in(api, email, remember_me=True))

    def get(self, path: str, **headers: str) -> ApiResponse:
        return self.api.request("GET", path, headers={"Cookie": self.cookie, **headers})

    def put(self, path: str, body: Any) -> ApiResponse:
        return self.api.put(path, body, headers={"Cookie": self.cookie})

    def link(self, number: str, key: str) -> None:
        response = self.api.post(
            "/contracts/links", {"contract_number": number, "key": key}, headers={"Cookie": self.cookie}
        )
        assert response.status == 200


def subscriber(api: Api, mailbox: Mailbox, email: str, number: str, key: str) -> Subscriber:
    activated_account(api, mailbox, email)
    person = Subscriber(api, email)
    person.link(number, key)
    return person


@pytest.fixture
def camille(api: Api, mailbox: Mailbox, demo_billing: None) -> Subscriber:
    return subscriber(api, mailbox, "camille@example.fr", "11301.11377.01", "7Q4M-2KX9")


@pytest.fixture
def yanis(api: Api, mailbox: Mailbox, demo_billing: None) -> Subscriber:
    return subscriber(api, mailbox, "yanis@example.fr", "11302.20456.01", "H5N2-R7VB")


def demo_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEMO_EXPORT.read_text(encoding="utf-8").splitlines()]


def export_with_new_invoice(**changes: Any) -> list[str]:
    records = copy.deepcopy(demo_records())
    contract = next(r for r in records if r.get("number") == "11301.11377.01")
    contract["invoices"].append(
        {"number": NEW, "issue_date": "2026-11-20", "due_date": "2026-12-10", "amount_ttc": "1234.56",
         "status": "à payer", "pdf": True}
    )  # fmt: skip
    contract.update(changes)
    return [json.dumps(r, ensure_ascii=False) for r in records]


def import_export(api: Api, lines: list[str], name: str) -> dict[str, Any]:
    """What the billing system does: the PDF, then the export, into the inbox; the S3 event runs the import."""
    drop_invoice_pdf(api.template, NEW, (DEMO_INVOICES / "F202610-1137701.pdf").read_bytes())
    key = drop_export(api.template, lines, name)
    api.run_queued_work()
    return import_report(api.template, key)


def pdf_text(response: ApiResponse) -> str:
    content = base64.b64decode(response.body)
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


# -- the PDF -----------------------------------------------------------------------------------------
def test_a_subscriber_downloads_the_pdf_of_an_invoice_of_a_linked_contract(camille: Subscriber) -> None:
    response = camille.get("/contracts/11301.11377.02/invoices/F202610-1137702/pdf")

    assert response.status == 200
    assert response.header("Content-Type") == "application/pdf"
    assert response.header("Content-Disposition") == 'attachment; filename="facture-F202610-1137702.pdf"'
    assert response.header("Cache-Control") == "no-store"
    assert response.header("X-Content-Type-Options") == "nosniff"
    text = pdf_text(response)
    assert "Facture n°\u00a0F202610-1137702" in text
    assert "11301.11377.02" in text
    assert "Montant TTC" in text
    amount = next(i for i in camille.get("/contracts/11301.11377.02/dashboard").json()["invoices"])["amount_ttc"]
    assert amount.replace(".", ",") + "\u00a0€" in text  # the amount the dashboard shows


def test_another_payers_invoice_is_the_404_of_a_contract_that_is_not_linked(
    camille: Subscriber, yanis: Subscriber
) -> None:
    theirs = camille.get("/contracts/11302.20456.01/invoices/F202610-2045601/pdf")
    # Their invoice number under one's own contract: that contract has no such invoice.
    smuggled = camille.get("/contracts/11301.11377.01/invoices/F202610-2045601/pdf")

    assert (theirs.status, theirs.json()["code"]) == (404, "contract_not_found")
    assert (smuggled.status, smuggled.json()["code"]) == (404, "invoice_not_found")
    assert yanis.get("/contracts/11302.20456.01/invoices/F202610-2045601/pdf").status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/contracts/11301.11377.01/invoices/F209901-1137701/pdf",  # no such invoice
        "/contracts/11301.11377.01/invoices/..%2F11302.20456.01%2FF202610-2045601/pdf",
        "/contracts/11301.11377.01/invoices/%2E%2E/pdf",
        "/contracts/11301.11377.01/invoices/F202610-1137701.pdf/pdf",
    ],
)
def test_an_invoice_the_contract_does_not_have_is_404(camille: Subscriber, path: str) -> None:
    response = camille.get(path)

    assert (response.status, response.json()["code"]) == (404, "invoice_not_found")


def test_a_pdf_missing_from_the_documents_bucket_is_404_not_an_error(camille: Subscriber) -> None:
    # In AWS, S3 says "no such key" (not "access denied") because the function may list the
    # invoices' keys (template.yaml; test_least_privilege.py checks the grant).
    aws.s3().delete_object(Bucket="documentsbucket", Key="invoices/11301.11377.01/F202610-1137701.pdf")

    response = camille.get("/contracts/11301.11377.01/invoices/F202610-1137701/pdf")

    assert (response.status, response.json()["code"]) == (404, "invoice_not_found")


def test_s3_refusing_the_read_is_a_503_that_tells_the_operators_which_grant(
    camille: Subscriber, faults: Faults, logs: CapturedLogs
) -> None:
    faults.fail(aws.s3(), "GetObject", s3_error("AccessDenied", 403))

    response = camille.get("/contracts/11301.11377.01/invoices/F202610-1137701/pdf")

    assert (response.status, response.json()["code"]) == (503, "invoice_pdf_unavailable")
    assert "indisponible" in response.json()["message"]
    [logged] = [r for r in logs.records() if r["level"] == "ERROR"]
    assert "s3:ListBucket" in logged["message"]
    assert "AccessDenied" in logged["message"]
    assert (logged["service"], logged["invoice"]) == ("invoices", "F202610-1137701")


def test_without_a_session_an_invoice_is_401(api: Api, demo_billing: None) -> None:
    response = api.request("GET", "/contracts/11301.11377.01/invoices/F202610-1137701/pdf")

    assert (response.status, response.json()["code"]) == (401, "not_authenticated")


def test_the_former_payers_account_loses_the_pdfs_when_the_contract_changes_payer(
    api: Api, camille: Subscriber
) -> None:
    records = demo_records()
    records.insert(1, {"type": "payer", "payer_id": "R-777777", "name": "Nouvel occupant"})
    for record in records:
        if record.get("number") == "11301.11377.01":
            record["payer_id"] = "R-777777"

    import_export(api, [json.dumps(r, ensure_ascii=False) for r in records], "new-occupant")

    response = camille.get("/contracts/11301.11377.01/invoices/F202610-1137701/pdf")
    assert (response.status, response.json()["code"]) == (404, "contract_not_found")


# -- « Nouvelle facture disponible » --------------------------------------------------------------------
def test_a_new_invoice_is_emailed_once_to_each_linked_account_and_not_again_on_a_reimport(
    api: Api, mailbox: Mailbox, camille: Subscriber, yanis: Subscriber
) -> None:
    partner = subscriber(api, mailbox, "partner@example.fr", "11301.11377.02", "P8W3-6ZTR")  # same payer

    report = import_export(api, export_with_new_invoice(), "new-invoice")

    assert report["new_invoices"] == 1
    for person in (camille, partner):
        [email] = [e for e in mailbox.to(person.email) if e.subject == SUBJECT]
        assert "Facture F202611-1137701 du 20 novembre 2026\u00a0:" in email.text
        assert "1\u202f234,56\u00a0€ TTC" in email.text
        assert "à régler au plus tard le 10 décembre 2026" in email.text
        assert "https://monespace.eauxdupaysdaix.fr/tableau-de-bord?contrat=11301.11377.01" in email.text
        assert "contrat 11301.11377.01 (12 rue des Cordeliers, 13100 Aix-en-Provence)" in email.text
    assert [e for e in mailbox.to(yanis.email) if e.subject == SUBJECT] == []
    # The new invoice is there, with its PDF.
    assert camille.get(f"/contracts/11301.11377.01/invoices/{NEW}/pdf").status == 200

    again = import_export(api, export_with_new_invoice(), "same-export-again")

    assert (again["new_invoices"], again["written"]) == (0, 0)
    assert len([e for e in mailbox.all() if e.subject == SUBJECT]) == 2


def test_the_first_import_of_a_contract_announces_nothing(mailbox: Mailbox, demo_billing: dict[str, Any]) -> None:
    assert demo_billing["new_invoices"] == 0
    assert mailbox.all() == []


def new_invoice_task() -> dict[str, str]:
    return {
        "contract_number": "11301.11377.01",
        "payer_id": "R-113010",
        "service_address": "12 rue des Cordeliers, 13100 Aix-en-Provence",
        "invoice_number": NEW,
        "issue_date": "2026-11-20",
        "due_date": "2026-12-10",
        "amount": "48.30",
    }


def test_a_task_delivered_twice_sends_one_email(api: Api, mailbox: Mailbox, camille: Subscriber) -> None:
    outbox = Outbox(queue_url("OutboxQueue"))
    outbox.enqueue(NEW_INVOICE, new_invoice_task())
    outbox.enqueue(NEW_INVOICE, new_invoice_task())  # SQS delivers at least once

    api.run_queued_work()

    assert len([e for e in mailbox.to(camille.email) if e.subject == SUBJECT]) == 1


@pytest.mark.usefixtures("atomic_moto")
def test_two_deliveries_at_once_send_one_email(api: Api, mailbox: Mailbox, camille: Subscriber) -> None:
    record = {"messageId": "m", "body": json.dumps({"kind": NEW_INVOICE, "payload": new_invoice_task()})}
    results: list[Any] = []

    def deliver(n: int) -> None:
        results.append(api.call("OutboxFunction", {"Records": [{**record, "messageId": f"m{n}"}]}))

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [{"batchItemFailures": []}] * 4
    assert len([e for e in mailbox.to(camille.email) if e.subject == SUBJECT]) == 1


@pytest.fixture
def faults(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Faults]:
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0)
    injected = Faults()
    yield injected
    injected.heal()


def test_an_email_that_failed_is_sent_by_the_next_delivery_and_only_once(
    api: Api, mailbox: Mailbox, camille: Subscriber, faults: Faults
) -> None:
    faults.fail(aws.ses(), "SendRawEmail", ses_error("Throttling"), times=3)  # the first delivery fails

    Outbox(queue_url("OutboxQueue")).enqueue(NEW_INVOICE, new_invoice_task())
    api.run_queued_work()

    assert faults.attempts["SendRawEmail"] == 4
    assert len([e for e in mailbox.to(camille.email) if e.subject == SUBJECT]) == 1


# -- the preference ----------------------------------------------------------------------------------------
def test_new_invoice_emails_are_on_by_default_and_a_subscriber_turns_them_off(
    api: Api, mailbox: Mailbox, camille: Subscriber
) -> None:
    assert camille.get("/me/preferences").json() == {"new_invoice_emails": True}

    turned_off = camille.put("/me/preferences", {"new_invoice_emails": False})
    import_export(api, export_with_new_invoice(), "new-invoice")

    assert (turned_off.status, turned_off.json()) == (200, {"new_invoice_emails": False})
    assert camille.get("/me/preferences").json() == {"new_invoice_emails": False}
    assert [e for e in mailbox.to(camille.email) if e.subject == SUBJECT] == []
    export = camille.get("/me/export").json()
    assert export["account"]["preferences"] == {"new_invoice_emails": False}


@pytest.mark.parametrize(
    "body", [{"new_invoice_emails": "oui"}, {"new_invoice_emails": True, "other": 1}, {}, {"new_invoice_emails": None}]
)
def test_a_malformed_preference_is_a_422(camille: Subscriber, body: dict[str, Any]) -> None:
    response = camille.put("/me/preferences", body)

    assert (response.status, response.json()["code"]) == (422, "validation_error")
    assert camille.get("/me/preferences").json() == {"new_invoice_emails": True}


def test_preferences_need_a_session(api: Api) -> None:
    assert api.request("GET", "/me/preferences").status == 401
    assert api.put("/me/preferences", {"new_invoice_emails": False}).status == 401


def test_the_preference_survives_an_email_change(api: Api, mailbox: Mailbox, camille: Subscriber) -> None:
    camille.put("/me/preferences", {"new_invoice_emails": False})
    from tests.conftest import STRONG_PASSWORD

    api.post("/me/email", {"new_email": "camille2@example.fr", "current_password": STRONG_PASSWORD},
             headers={"Cookie": camille.cookie})  # fmt: skip
    api.post("/me/email/confirm", {"token": mailbox.last_link("camille2@example.fr", "/email/confirmation")})

    assert camille.get("/me/preferences").json() == {"new_invoice_emails": False}


# -- « Facture électronique » ------------------------------------------------------------------------------
def feed_records(clock: FrozenClock) -> list[dict[str, Any]]:
    return [e.as_line() for e in ReturnFeed("ReturnFeedTable").day(paris_day(clock.now()))]


def test_a_subscriber_chooses_paperless_billing_then_goes_back_to_paper(
    camille: Subscriber, clock: FrozenClock
) -> None:
    def mode() -> tuple[bool, str]:
        contract = camille.get("/contracts/11301.11377.01/dashboard").json()["contract"]
        return contract["paperless_billing"], contract["invoice_delivery"]

    assert mode() == (False, "facture papier")

    chosen = camille.put("/contracts/11301.11377.01/paperless-billing", {"enabled": True})

    assert chosen.status == 200
    assert chosen.json()["paperless_billing"] is True
    assert chosen.json()["message"].startswith("Facture électronique activée\u00a0:")
    assert mode() == (True, "facture électronique")
    assert camille.get("/contracts/11301.11377.02/dashboard").json()["contract"]["paperless_billing"] is False

    again = camille.put("/contracts/11301.11377.01/paperless-billing", {"enabled": True})
    clock.advance(60)
    undone = camille.put("/contracts/11301.11377.01/paperless-billing", {"enabled": False})

    assert (again.json()["changed"], undone.json()["changed"]) == (False, True)
    assert mode() == (False, "facture papier")
    records = [r for r in feed_records(clock) if r["type"] == "paperless_billing"]
    assert [(r["contract_number"], r["payer_id"], r["paperless_billing"], r["requested_by"]) for r in records] == [
        ("11301.11377.01", "R-113010", True, "camille@example.fr"),
        ("11301.11377.01", "R-113010", False, "camille@example.fr"),
    ]  # one record per change, none for the choice that changed nothing


def test_paperless_billing_of_a_contract_that_is_not_linked_is_404(
    api: Api, camille: Subscriber, yanis: Subscriber, clock: FrozenClock
) -> None:
    response = camille.put("/contracts/11302.20456.01/paperless-billing", {"enabled": True})

    assert (response.status, response.json()["code"]) == (404, "contract_not_found")
    assert yanis.get("/contracts/11302.20456.01/dashboard").json()["contract"]["paperless_billing"] is False
    assert feed_records(clock) == []
    assert api.put("/contracts/11301.11377.01/paperless-billing", {"enabled": True}).status == 401


@pytest.mark.usefixtures("atomic_moto")
def test_simultaneous_choices_record_one_change(camille: Subscriber, clock: FrozenClock) -> None:
    answers: list[ApiResponse] = []

    def choose() -> None:
        answers.append(camille.put("/contracts/11301.11377.01/paperless-billing", {"enabled": True}))

    threads = [threading.Thread(target=choose) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {a.status for a in answers} == {200}
    assert [a.json()["changed"] for a in answers].count(True) == 1
    assert len([r for r in feed_records(clock) if r["type"] == "paperless_billing"]) == 1


def test_the_billing_systems_mode_wins_when_it_changes_after_the_choice(api: Api, camille: Subscriber) -> None:
    def mode() -> bool:
        return bool(camille.get("/contracts/11301.11377.01/dashboard").json()["contract"]["paperless_billing"])

    camille.put("/contracts/11301.11377.01/paperless-billing", {"enabled": True})
    import_export(api, export_with_new_invoice(), "not-yet-applied")  # the export does not say: the choice stands
    assert mode() is True
    import_export(api, export_with_new_invoice(paperless_billing=True), "applied")  # applied by the Régie
    assert mode() is True
    import_export(api, export_with_new_invoice(paperless_billing=False), "changed-at-the-regie")  # a call to the Régie
    assert mode() is False


def test_a_new_occupant_does_not_inherit_the_former_payers_choice(
    api: Api, mailbox: Mailbox, camille: Subscriber
) -> None:
    camille.put("/contracts/11301.11377.01/paperless-billing", {"enabled": True})
    records = demo_records()
    records.insert(1, {"type": "payer", "payer_id": "R-777777", "name": "Nouvel occupant"})
    for record in records:
        if record.get("number") == "11301.11377.01":
            record["payer_id"], record["key"] = "R-777777", "NEWK-EY77"
    import_export(api, [json.dumps(r, ensure_ascii=False) for r in records], "new-occupant")

    occupant = subscriber(api, mailbox, "occupant@example.fr", "11301.11377.01", "NEWK-EY77")

    assert occupant.get("/contracts/11301.11377.01/dashboard").json()["contract"]["paperless_billing"] is False
