"""Import rate: a generated export of N contracts (default 10,000) through the real import code
(contracts/importing.py), against moto in-process and against a moto server (another process)
with several writer threads. `python -m bench.import_rate [N] [--concurrency 1,4,8,16]`.

Three runs each: the first import (every contract written), the same export again (every contract
unchanged: the daily export of a base that did not move), and a "billing day" (5 % of the contracts
with a new invoice and its PDF in the inbox). For each: wall time, contracts/s, the importer's own
CPU time per contract (what bounds a Lambda function, whatever DynamoDB's speed), and the AWS
requests made. docs/billing-export.md turns these into the 200,000-contract plan.
"""

import argparse
import copy
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scripts.demo_export import CONTRACTS, DATA_AS_OF, PAYERS, REGULATION, _billing, _readings

DAILY_SHARE = 0.05
PDF = b"%PDF-1.4\n% a new invoice\n%%EOF\n"


def generated_records(contracts: int) -> list[dict[str, Any]]:
    """Copies of the demo contracts under new numbers and payers: realistic sizes, figures that add up."""
    records: list[dict[str, Any]] = [REGULATION]
    for n in range(contracts):
        template = CONTRACTS[n % len(CONTRACTS)]
        number = f"{20000 + n // 100:05d}.{n % 100:05d}.01"
        payer_id = f"R-{n:06d}"
        records.append({**PAYERS[0], "payer_id": payer_id})
        demo_number, _, key, address, holder, meter, remote, monthly, start, factor = template
        readings = _readings(remote, factor, demo_number)  # the demo contract's seasons and episodes
        invoices, payments = _billing(number, readings, monthly)
        invoices = [{**invoice, "number": f"{invoice['number']}-{n}", "pdf": False} for invoice in invoices]
        payments = [{**p, "invoice_number": f"{p['invoice_number']}-{n}"} for p in payments]
        records.append({
            "type": "contract", "number": number, "payer_id": payer_id, "key": key, "status": "actif",
            "start_date": start, "service_address": address, "holder": holder,
            "meter": {"number": meter, "remote_reading": remote}, "monthly_payment": monthly,
            "regulation_version": REGULATION["version"], "data_as_of": DATA_AS_OF.isoformat(),
            "readings": readings, "invoices": invoices, "payments": payments,
        })  # fmt: skip
    return records


def billing_day(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The same export, with a new invoice (and its PDF) for one contract in twenty."""
    day = copy.deepcopy(records)
    contracts = [r for r in day if r["type"] == "contract"]
    step = max(1, round(1 / DAILY_SHARE))
    new_invoices = []
    for contract in contracts[::step]:
        number = f"F202611-{contract['number'].replace('.', '')}"
        contract["invoices"].append(
            {"number": number, "issue_date": "2026-11-20", "due_date": "2026-12-10", "amount_ttc": "48.30",
             "status": "à payer", "pdf": True}
        )  # fmt: skip
        new_invoices.append(number)
    return day, new_invoices


def lines(records: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(r, ensure_ascii=False) for r in records]


class _Requests:
    """Counts the AWS requests the importer's clients make (botocore's API calls)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_name}:{model.name}"] += 1


def run_import(template: Any, export: list[str], concurrency: int) -> dict[str, Any]:
    from espace_abonne.contracts.wiring import billing_import_from
    from espace_abonne.core import aws

    environment = template.functions()["BillingImportFunction"].environment
    requests = _Requests()
    for client in (aws.dynamodb(), aws.dynamodb_bulk(), aws.s3(), aws.sqs()):
        requests.attach(client)
    importer = billing_import_from(
        environment, template.secret(template.parameters["ContractKeySecretName"]), concurrency=concurrency
    )
    cpu, started = time.process_time(), time.perf_counter()
    report = importer.run(export)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    aws.reset_clients()  # the counters go with the clients
    if report.refused:
        raise RuntimeError(f"refused: {report.errors[:3]}")
    return {
        "contracts": report.contracts,
        "written": report.written,
        "new_invoices": report.new_invoices,
        "seconds": seconds,
        "rate": report.contracts / seconds,
        "cpu_ms_per_contract": 1000 * cpu / report.contracts,
        "requests": sum(requests.calls.values()),
        "requests_per_contract": sum(requests.calls.values()) / report.contracts,
        "calls": dict(requests.calls),
    }


def scenario(template: Any, records: list[dict[str, Any]], concurrency: int, backend: str) -> dict[str, dict[str, Any]]:
    from local_mode.backend import drop_invoice_pdf

    day, new_invoices = billing_day(records)
    runs = {"first import": lines(records), "same export again": lines(records), "billing day (5 % new invoices)": []}
    results = {}
    for name, export in runs.items():
        if not export:
            for number in new_invoices:
                drop_invoice_pdf(template, number, PDF)
        run = results[name] = run_import(template, export or lines(day), concurrency)
        print(
            f"| {backend} | {name} | {run['rate']:.0f} | {run['seconds']:.1f} s | "
            f"{run['cpu_ms_per_contract']:.2f} ms | {run['requests_per_contract']:.2f} |",
            flush=True,
        )
    return results


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    """moto as a server in its own process: what it spends is not counted as the importer's CPU."""
    import urllib.request

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)  # noqa: S310 (loopback)
                break
            except OSError:
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> int:
    from local_mode.backend import AWS_ENVIRONMENT, create_resources
    from local_mode.template import load_template

    parser = argparse.ArgumentParser(prog="python -m bench.import_rate")
    parser.add_argument("contracts", type=int, nargs="?", default=10_000)
    parser.add_argument("--concurrency", default="1,4,8,16", help="writer threads against the moto server")
    parser.add_argument("--skip-in-process", action="store_true")
    args = parser.parse_args()
    os.environ.update(AWS_ENVIRONMENT)
    template = load_template({"FrontendUrl": "https://x.fr"})
    records = generated_records(args.contracts)
    size = sum(len(line) + 1 for line in lines(records))
    items = sum(
        1 + len(r["readings"]) + len(r["invoices"]) + len(r["payments"]) for r in records[1:] if "readings" in r
    )
    print(f"{args.contracts} contracts, {size / 2**20:.1f} MiB, {items} items")
    print("| backend | run | contracts/s | wall | importer CPU per contract | AWS requests per contract |")
    print("|---|---|---|---|---|---|", flush=True)
    results: dict[str, Any] = {}
    from botocore.config import Config

    from espace_abonne.core import aws

    # moto's DynamoDB slows down as its tables grow, past the 2 s the functions wait for an answer:
    # the bench waits longer, so that it measures the import rather than moto's stalls.
    production_config = aws._config
    aws._config = lambda: production_config().merge(Config(read_timeout=60))  # type: ignore[method-assign]

    if not args.skip_in_process:
        from moto import mock_aws

        with mock_aws():
            aws.reset_clients()
            create_resources(template)
            results["moto in-process, 1 thread"] = scenario(template, records, 1, "moto in-process, 1 thread")
    for concurrency in (int(c) for c in args.concurrency.split(",")):
        with moto_server() as endpoint:
            os.environ["AWS_ENDPOINT_URL"] = endpoint
            aws.reset_clients()
            create_resources(template)
            backend = f"moto server, {concurrency} thread{'s' * (concurrency > 1)}"
            results[backend] = scenario(template, records, concurrency, backend)
            del os.environ["AWS_ENDPOINT_URL"]
            aws.reset_clients()
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
