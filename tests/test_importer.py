"""The billing importer: validation with line numbers, nothing half-written, idempotent re-import."""

import copy
import json
from typing import Any

import boto3
import pytest

from espace_abonne.contracts.billing import ContractRecord
from espace_abonne.contracts.importing import ImportReport
from importer.__main__ import main as importer_cli
from local_mode.backend import DEMO_EXPORT, import_export
from local_mode.template import load_template, queue_url
from tests.conftest import FRONTEND_URL, Api

TEMPLATE = load_template({"FrontendUrl": FRONTEND_URL})


def run_import(lines: list[str]) -> ImportReport:
    """The import code itself, as `python -m importer` runs it (tests/test_billing_inbox.py runs it
    as BillingImportFunction does)."""
    report: ImportReport = import_export(TEMPLATE, lines)
    return report


def demo_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEMO_EXPORT.read_text(encoding="utf-8").splitlines()]


def lines_of(records: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(r, ensure_ascii=False) for r in records]


def billing_items() -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName="BillingTable")["Items"]
    return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def partition(pk: str) -> list[dict[str, Any]]:
    return [i for i in billing_items() if i["pk"]["S"] == pk]


@pytest.mark.usefixtures("aws")
def test_the_demo_export_imports_whole() -> None:
    report = run_import(lines_of(demo_records()))

    assert report.errors == []
    assert (report.regulations, report.payers, report.contracts) == (1, 2, 3)
    assert len(partition("PAYER#R-113010")) == 3  # the payer and its two contracts


def test_the_demo_export_is_the_generators_output() -> None:
    from scripts.demo_export import render

    assert DEMO_EXPORT.read_text(encoding="utf-8") == render()


def test_the_demo_invoices_are_real_pdfs_made_by_the_generator() -> None:
    import io

    import pypdf

    from local_mode.backend import DEMO_INVOICES
    from scripts.demo_export import invoice_pdfs

    made = invoice_pdfs()
    invoices = {i["number"]: i for r in demo_records() if r["type"] == "contract" for i in r["invoices"]}
    assert {path.stem: path.read_bytes() for path in DEMO_INVOICES.glob("*.pdf")} == made
    assert set(made) == {number for number, invoice in invoices.items() if invoice["pdf"]}
    for number, content in made.items():
        text = pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text()
        assert f"Facture n°\u00a0{number}" in text
        assert "Régie des Eaux du Pays d'Aix" in text
        assert f"Montant TTC {invoices[number]['amount_ttc'].replace('.', ',')}\u00a0€" in text


def test_the_demo_export_has_the_contracts_of_the_product_spec() -> None:
    contracts = {r["number"]: r for r in demo_records() if r["type"] == "contract"}
    assert {n: (c["key"], c["service_address"]) for n, c in contracts.items()} == {
        "11301.11377.01": ("7Q4M-2KX9", "12 rue des Cordeliers, 13100 Aix-en-Provence"),
        "11301.11377.02": ("P8W3-6ZTR", "4 chemin de la Torse, 13100 Aix-en-Provence"),
        "11302.20456.01": ("H5N2-R7VB", "27 avenue Victor Hugo, 13090 Aix-en-Provence"),
    }
    for record in contracts.values():
        parsed = ContractRecord.model_validate(record)
        assert parsed.readings[0].date.isoformat() <= "2023-11-15"
        assert parsed.balance_cents >= 0


@pytest.mark.usefixtures("aws")
def test_importing_twice_changes_nothing() -> None:
    run_import(lines_of(demo_records()))
    first = billing_items()

    report = run_import(lines_of(demo_records()))

    assert report.errors == []
    assert billing_items() == first


@pytest.mark.usefixtures("aws")
def test_a_bad_record_is_reported_with_its_line_and_nothing_of_it_is_written() -> None:
    records = demo_records()
    broken = copy.deepcopy(records[3])  # the first contract
    broken["invoices"][0]["amount_ttc"] = 12.5  # a float: inexact money
    records[3] = broken

    report = run_import(lines_of(records))

    assert report.contracts == 2
    [error] = report.errors
    assert error.startswith("line 4 (contract 11301.11377.01): invoices.0.amount_ttc")
    assert partition("CONTRACT#11301.11377.01") == []
    assert partition("CONTRACT#11301.11377.02") != []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["readings"].reverse(), "not in date order"),
        (lambda c: c["readings"][-1].update(index_m3=0), "meter index goes down"),
        (lambda c: c["readings"][1].update(source="estimation"), "estimated exactly when"),
        (lambda c: c["invoices"][0].update(status="à payer"), "its payments make it"),
        (lambda c: c["invoices"][0].update(amount_ttc="10.005"), "more than two decimals"),
        (lambda c: c["payments"][0].update(invoice_number="F-NOPE"), "unknown invoice F-NOPE"),
        (lambda c: c.update(number="11301-11377-01"), "number"),
        (lambda c: c.update(surprise=True), "surprise"),
        (lambda c: c.update(key="7Q4M"), "key"),  # a short clé would be guessed under the limits
        (lambda c: c["daily_index"].reverse(), "daily_index is not in date order"),
        (lambda c: c["daily_index"][-1].update(index_l=0), "daily index goes down"),
        (lambda c: c["daily_index"][-1].update(date="2026-11-16"), "a daily index is after data_as_of"),
        (lambda c: c["daily_index"][-1].update(index_l=1.5), "index_l"),
        (lambda c: c["meter"].update(remote_reading=False), "daily_index is for télérelève meters only"),
    ],
)
@pytest.mark.usefixtures("aws")
def test_records_whose_figures_do_not_add_up_are_refused(change: Any, message: str) -> None:
    records = demo_records()
    change(records[3])

    report = run_import(lines_of(records))

    [error] = report.errors
    assert error.startswith("line 4")
    assert message in error


@pytest.mark.usefixtures("aws")
def test_a_line_that_is_not_json_or_refers_to_an_unknown_payer_is_refused() -> None:
    records = demo_records()
    orphan = copy.deepcopy(records[5])
    orphan["payer_id"] = "R-UNKNOWN"
    lines = [*lines_of(records[:5]), "{not json", json.dumps(orphan, ensure_ascii=False)]

    report = run_import(lines)

    assert report.errors == [
        "line 6: not valid JSON (Expecting property name enclosed in double quotes)",
        "line 7 (contract 11302.20456.01): payer R-UNKNOWN is not declared on an earlier line",
    ]


@pytest.mark.usefixtures("aws")
def test_a_new_export_replaces_the_contracts_copy() -> None:
    run_import(lines_of(demo_records()))
    records = demo_records()
    contract = records[3]
    contract["invoices"] = contract["invoices"][1:]  # the billing system dropped an invoice…
    contract["payments"] = [
        p for p in contract["payments"] if p["invoice_number"] != demo_records()[3]["invoices"][0]["number"]
    ]
    records[3]["payer_id"] = "R-113020"  # …and the contract changed payer

    assert run_import(lines_of(records)).errors == []

    invoices = [i for i in partition("CONTRACT#11301.11377.01") if i["sk"]["S"].startswith("INVOICE#")]
    assert len(invoices) == len(contract["invoices"])
    assert [i["sk"]["S"] for i in partition("PAYER#R-113010")] == ["CONTRACT#11301.11377.02", "PAYER"]
    assert "CONTRACT#11301.11377.01" in [i["sk"]["S"] for i in partition("PAYER#R-113020")]


@pytest.mark.usefixtures("aws")
def test_the_command_line_reports_and_fails_on_refused_records(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "export.jsonl"
    export.write_text("\n".join([*lines_of(demo_records()), "{}"]) + "\n", encoding="utf-8")
    environment = TEMPLATE.functions()["BillingImportFunction"].environment
    monkeypatch.setenv("BILLING_TABLE", "BillingTable")
    monkeypatch.setenv("LINKS_TABLE", "LinksTable")
    monkeypatch.setenv("OUTBOX_QUEUE_URL", queue_url("OutboxQueue"))
    monkeypatch.setenv("BILLING_INBOX_BUCKET", environment["BILLING_INBOX_BUCKET"])
    monkeypatch.setenv("DOCUMENTS_BUCKET", environment["DOCUMENTS_BUCKET"])
    monkeypatch.setenv("CONTRACT_KEY_SECRET_ID", environment["CONTRACT_KEY_SECRET_ID"])  # read from Secrets Manager

    status = importer_cli([str(export), "--concurrency", "1"])

    out, err = capsys.readouterr()
    assert status == 1
    assert "3 contracts (3 written, 0 unchanged) 2 payers, 1 regulations imported from 7 lines" in out
    assert "1 records refused" in out
    assert "line 7: record: Unable to extract tag using discriminator 'type'" in err
    assert "7/7 lines (100.0 %)" in err  # the progress line


def test_the_command_line_needs_its_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.delenv("CONTRACT_KEY_SECRET_ID", raising=False)
    with pytest.raises(SystemExit) as refused:
        importer_cli([str(tmp_path / "x.jsonl"), "--table", "BillingTable"])
    assert refused.value.code == 2


def test_local_mode_links_with_the_demo_keys(api: Api, demo_billing: None) -> None:
    """The demo data is loaded with the same secret the functions use in local mode."""
    from tests.accounts import activated_account, log_in, session_cookie_of
    from tests.conftest import Mailbox

    activated_account(api, Mailbox(), "camille@example.fr")
    cookie = session_cookie_of(log_in(api, "camille@example.fr"))
    response = api.request(
        "POST",
        "/contracts/links",
        {"contract_number": "11302.20456.01", "key": "H5N2-R7VB"},
        headers={"Cookie": cookie},
    )
    assert response.status == 200
