"""The billing inbox (PRODUCT.md §7, issue 15): the billing system drops its PDFs and its export into
S3, the drop's S3 event runs the import in BillingImportFunction (the real handler, on moto), which
copies the PDFs, writes a report beside the export and alerts the operators (SNS) when records are
refused."""

import copy
import json
import threading
from typing import Any

import boto3
import pytest

from espace_abonne.contracts import importing
from espace_abonne.contracts.importing import BillingImport
from espace_abonne.contracts.wiring import billing_import_from
from local_mode.backend import (
    DEMO_EXPORT,
    DEMO_INVOICES,
    billing_inbox,
    drop_export,
    drop_invoice_pdf,
    import_report,
    load_demo_data,
)
from local_mode.event_sources import s3_event
from local_mode.template import Template
from tests.conftest import Alerts, Api

NEW_INVOICE = "F202611-1137701"


def demo_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEMO_EXPORT.read_text(encoding="utf-8").splitlines()]


def lines_of(records: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(r, ensure_ascii=False) for r in records]


def with_new_invoice(records: list[dict[str, Any]], number: str = NEW_INVOICE) -> list[dict[str, Any]]:
    records = copy.deepcopy(records)
    contract = next(r for r in records if r.get("number") == "11301.11377.01")
    contract["invoices"].append(
        {
            "number": number,
            "issue_date": "2026-11-20",
            "due_date": "2026-12-10",
            "amount_ttc": "48.30",
            "status": "à payer",
            "pdf": True,
        }
    )
    return records


def dropped(api: Api, lines: list[str], name: str) -> dict[str, Any]:
    """The export dropped in the inbox, its S3 event run: the report the import wrote beside it."""
    key = drop_export(api.template, lines, name)
    api.run_queued_work()
    return import_report(api.template, key)


def billing_items() -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName="BillingTable")["Items"]
    return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def documents() -> list[str]:
    listing = boto3.client("s3").list_objects_v2(Bucket="documentsbucket")
    return sorted(entry["Key"] for entry in listing.get("Contents", []))


def invoice_item(number: str) -> dict[str, Any]:
    return next(i for i in billing_items() if i["sk"]["S"].startswith("INVOICE#") and i["number"]["S"] == number)


def test_an_export_dropped_in_the_inbox_is_imported_with_its_pdfs(api: Api, template: Template, alerts: Alerts) -> None:
    report = load_demo_data(template, api.run_queued_work)

    assert {k: report[k] for k in ("export", "complete", "imported", "written", "payers", "regulations")} == {
        "export": "exports/demo.jsonl",
        "complete": True,
        "imported": 3,
        "written": 3,
        "payers": 2,
        "regulations": 1,
    }
    assert (report["refused"], report["missing_pdfs"], report["pdfs_copied"]) == ([], [], 18)
    # The portal's own copy of each PDF, filed under its contract; the inbox keeps the drop.
    assert "invoices/11301.11377.01/F202610-1137701.pdf" in documents()
    assert len(documents()) == 18
    assert invoice_item("F202610-1137701")["pdf_available"] == {"BOOL": True}
    assert alerts.all() == []  # nothing refused, nothing missing: nobody is woken up


@pytest.mark.usefixtures("demo_billing")
def test_refused_records_are_reported_with_their_lines_and_alert_the_operators(api: Api, alerts: Alerts) -> None:
    records = demo_records()
    broken = copy.deepcopy(records[5])  # Yanis's contract
    broken["invoices"][0]["amount_ttc"] = 12.5  # a float: inexact money
    before = billing_items()

    report = dropped(api, [*lines_of(records[:5]), json.dumps(broken, ensure_ascii=False), "{not json"], "broken")

    assert report["complete"] is True
    assert report["imported"] == 2
    assert [(r["line"], r["contract"]) for r in report["refused"]] == [(6, "11302.20456.01"), (7, None)]
    assert report["refused"][0]["errors"][0].startswith("invoices.0.amount_ttc")
    assert billing_items() == before  # the refused contract kept its previous copy, the others are unchanged
    [alert] = alerts.all()
    assert alert.topic == "AlarmTopic"
    assert alert.subject == "Billing import: 2 records refused"
    assert "line 6 (contract 11302.20456.01): invoices.0.amount_ttc" in alert.message
    assert "exports/broken.jsonl.report.json" in alert.message


@pytest.mark.usefixtures("demo_billing")
def test_importing_the_same_export_again_writes_nothing(api: Api) -> None:
    before = billing_items()

    report = dropped(api, DEMO_EXPORT.read_text(encoding="utf-8").splitlines(), "again")

    assert (report["imported"], report["written"], report["unchanged"], report["pdfs_copied"]) == (3, 0, 3, 0)
    assert billing_items() == before


@pytest.mark.usefixtures("demo_billing")
def test_a_pdf_that_is_not_in_the_inbox_yet_is_reported_then_copied_by_a_later_import(api: Api, alerts: Alerts) -> None:
    export = lines_of(with_new_invoice(demo_records()))

    first = dropped(api, export, "without-pdf")

    assert first["missing_pdfs"] == [{"contract": "11301.11377.01", "invoice": NEW_INVOICE, "reason": "missing"}]
    assert invoice_item(NEW_INVOICE)["pdf_available"] == {"BOOL": False}
    assert alerts.all()[-1].subject == "Billing import: 1 PDF missing"

    drop_invoice_pdf(api.template, NEW_INVOICE, (DEMO_INVOICES / "F202610-1137701.pdf").read_bytes())
    second = dropped(api, export, "with-pdf")

    assert (second["written"], second["pdfs_copied"], second["missing_pdfs"]) == (1, 1, [])
    assert invoice_item(NEW_INVOICE)["pdf_available"] == {"BOOL": True}
    assert f"invoices/11301.11377.01/{NEW_INVOICE}.pdf" in documents()


@pytest.mark.usefixtures("demo_billing")
def test_an_invoice_number_used_by_two_contracts_is_refused(api: Api) -> None:
    records = demo_records()
    yanis = next(r for r in records if r.get("number") == "11302.20456.01")
    yanis["invoices"][0]["number"] = "F202404-1137701"  # Camille's
    for payment in yanis["payments"]:
        if payment["invoice_number"] == "F202404-2045601":
            payment["invoice_number"] = "F202404-1137701"

    report = dropped(api, lines_of(records), "same-number")

    [refusal] = report["refused"]
    assert refusal["contract"] == "11302.20456.01"
    assert refusal["errors"] == ["invoice F202404-1137701 is already an invoice of contract 11301.11377.01"]


def test_an_import_that_runs_out_of_time_carries_on_in_the_next_run(
    api: Api, template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One contract per chunk, and a function that is always near its timeout: each run imports one
    # chunk, leaves a resume marker in the inbox, whose S3 event starts the next run.
    monkeypatch.setattr(importing, "CHUNK", 1)
    api.timeouts["BillingImportFunction"] = 60  # less than the margin the handler keeps

    report = load_demo_data(template, api.run_queued_work)

    assert report["complete"] is True
    assert report["passes"] == 3
    assert (report["imported"], report["written"], report["unchanged"]) == (3, 3, 0)
    assert (report["payers"], report["regulations"], report["pdfs_copied"]) == (2, 1, 18)
    markers = boto3.client("s3").list_objects_v2(Bucket=billing_inbox(template), Prefix="exports/demo.jsonl.pass-")
    assert [e["Key"] for e in markers["Contents"]] == [
        "exports/demo.jsonl.pass-2.resume.json",
        "exports/demo.jsonl.pass-3.resume.json",
    ]


@pytest.mark.usefixtures("demo_billing")
def test_objects_that_are_not_exports_start_nothing(api: Api, template: Template) -> None:
    bucket = billing_inbox(template)
    for key in ("invoices/F202610-1137701.pdf", "exports/demo.jsonl.report.json", "elsewhere/x.jsonl"):
        assert api.call("BillingImportFunction", s3_event(bucket, key, 10, "etag")) == {"reports": []}
    assert api.call("BillingImportFunction", s3_event("another-bucket", "exports/demo.jsonl", 10, "e")) == {
        "reports": []
    }


@pytest.mark.usefixtures("aws", "atomic_moto")
def test_contracts_written_by_several_threads_are_what_one_thread_writes(template: Template) -> None:
    def import_with(concurrency: int) -> list[dict[str, Any]]:
        environment = template.functions()["BillingImportFunction"].environment
        secret = template.secret(template.parameters["ContractKeySecretName"])
        importer = billing_import_from(environment, secret, concurrency=concurrency, chunk=1)
        report = importer.run(lines_of(demo_records()))
        assert (report.contracts, report.written, report.refused) == (3, 3, [])
        items = billing_items()
        client = boto3.client("dynamodb")
        for item in items:
            client.delete_item(TableName="BillingTable", Key={"pk": item["pk"], "sk": item["sk"]})
        return items

    for pdf in DEMO_INVOICES.glob("*.pdf"):
        drop_invoice_pdf(template, pdf.stem, pdf.read_bytes())
    threads_seen: set[str] = set()
    original = BillingImport.import_chunk

    def noting_thread(self: BillingImport, lines: Any) -> Any:
        threads_seen.add(threading.current_thread().name)
        return original(self, lines)

    sequential = import_with(1)
    BillingImport.import_chunk = noting_thread  # type: ignore[method-assign]
    try:
        concurrent = import_with(3)
    finally:
        BillingImport.import_chunk = original  # type: ignore[method-assign]

    assert concurrent == sequential
    assert len(threads_seen) > 1  # the chunks really were written by several threads


@pytest.mark.usefixtures("demo_billing")
def test_the_import_reads_the_version_s3_announced_not_a_later_drop_under_the_same_name(
    api: Api, template: Template
) -> None:
    bucket = billing_inbox(template)
    s3 = boto3.client("s3")
    [announced] = [v for v in s3.list_object_versions(Bucket=bucket, Prefix="exports/demo.jsonl")["Versions"]
                   if v["Key"] == "exports/demo.jsonl"]  # fmt: skip
    # What local mode's S3 event named, as a versioned bucket's event does: the report keeps it.
    assert import_report(template, "exports/demo.jsonl")["version_id"] == announced["VersionId"]
    s3.put_object(Bucket=bucket, Key="exports/demo.jsonl", Body=b"{not json\n")  # a new version, not announced yet

    event = s3_event(bucket, "exports/demo.jsonl", announced["Size"], "etag", announced["VersionId"], sequencer=7)
    [summary] = api.call("BillingImportFunction", event)["reports"]

    assert event["Records"][0]["s3"]["object"]["versionId"] == announced["VersionId"]
    assert (summary["imported"], summary["complete"]) == (3, True)
    assert import_report(template, "exports/demo.jsonl")["refused"] == []


@pytest.mark.usefixtures("demo_billing")
def test_every_drop_of_an_export_is_announced_even_with_the_same_bytes(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S3 notifies every put in a versioned bucket: the same export dropped again is imported again."""
    calls: list[dict[str, Any]] = []
    real_call = type(api).call

    def noting(self: Api, function: str, event: dict[str, Any]) -> dict[str, Any]:
        if function == "BillingImportFunction":
            calls.append(event["Records"][0]["s3"]["object"])
        return real_call(self, function, event)

    monkeypatch.setattr(type(api), "call", noting)
    for _ in range(2):
        dropped(api, DEMO_EXPORT.read_text(encoding="utf-8").splitlines(), "demo")

    assert [c["key"] for c in calls] == ["exports/demo.jsonl", "exports/demo.jsonl"]
    assert len({c["versionId"] for c in calls}) == 2
    assert calls[0]["sequencer"] < calls[1]["sequencer"]  # S3's order of the events of one key
