"""`make bench`: prints the Markdown table and writes bench/results.json (never part of `make test`)."""

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import cold_init
from bench.requests import Harness, scenarios, summarize
from local_mode.template import ROOT, load_template

BUILD = ROOT / ".aws-sam" / "build"
# The Lambda runtime provides these (boto3 and its dependencies): the layer must not ship them.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "urllib3", "dateutil", "python_dateutil", "six")
COLD_START_BUDGET = 1.25  # × the boto3 baseline, every function
LAYER_BUDGET_MB = 10
BUDGET_CALLS = {
    "POST /accounts (sign-up)": 3,
    "POST /accounts/activation": 3,
    "POST /sessions (login)": 4,
    # The attempt is taken before the clé is compared and given back on success (guessing limits
    # that hold under parallel requests): two more calls than a read-then-count.
    "POST /contracts/links (link)": 7,
    "GET /contracts/{number}/dashboard": 3,
    # One screen, one Query of the contract's partition (+ the session and the link).
    "GET /contracts/{number}/dashboard (télérelève, 3 years of days)": 3,
    "GET /contracts/{number}/consumption (30 days)": 3,
    "GET /contracts/{number}/consumption (12 months)": 3,
    "GET /contracts/{number}/consumption (years)": 3,
    "GET /contracts/{number}/consumption.csv (3 years of days)": 3,
    "GET /contracts/{number}/invoices/{invoice_number}/pdf": 4,
    "DELETE /sessions/current (logout)": 2,
    "GET /me": 3,
}
HASHING = ("sign-up", "login", "wrong password", "activation")


def _size(path: Path, skip: tuple[str, ...] = ()) -> int:
    total = 0
    for entry in path.rglob("*"):
        parts = entry.relative_to(path).parts
        if entry.is_file() and not any(p.split("-")[0] in skip for p in parts[:2]):
            total += entry.stat().st_size
    return total


def package_sizes(template: Any) -> dict[str, dict[str, float]]:
    if not BUILD.exists():
        subprocess.run(["make", "sam-build"], cwd=ROOT, check=True)
    layer = BUILD / "SharedLayer" / "python"
    shipped = {entry.name.split("-")[0] for entry in layer.iterdir()}
    if shipped & set(RUNTIME_PROVIDED):
        raise RuntimeError(f"the layer ships what the runtime provides: {shipped & set(RUNTIME_PROVIDED)}")
    layer_size = _size(layer)
    sizes = {}
    for name in template.functions():
        code = _size(BUILD / name)
        sizes[name] = {"code_kb": code / 1024, "with_layer_mb": (code + layer_size) / 2**20}
    return sizes


def hashing_times() -> dict[str, float]:
    from espace_abonne.accounts.passwords import hash_password, verify_password

    hashes, verifies = [], []
    for _ in range(20):
        started = time.perf_counter()
        hashed = hash_password("Ecluse9!Torse")
        hashes.append(time.perf_counter() - started)
        started = time.perf_counter()
        verify_password(hashed, "Ecluse9!Torse")
        verifies.append(time.perf_counter() - started)
    return {"hash_ms": statistics.median(hashes) * 1000, "verify_ms": statistics.median(verifies) * 1000}


def request_figures() -> dict[str, dict[str, Any]]:
    from moto import mock_aws

    from espace_abonne.core.clock import use_clock
    from local_mode.backend import AWS_ENVIRONMENT, create_resources, load_demo_data, verify_sender
    from local_mode.server import load_handlers

    class Clock:
        current = 1_795_000_000

        def now(self) -> int:
            return self.current

    os.environ.update(AWS_ENVIRONMENT)
    os.environ.update({"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true"})
    # Every request of the bench comes from one address: the per-IP email limit would refuse them.
    template = load_template(
        {"FrontendUrl": "https://monespace.eauxdupaysdaix.fr", "EmailRequestsPerIpPerHour": "1000000"}
    )
    results = {}
    with mock_aws(), use_clock(Clock()) as clock:
        from espace_abonne.core import aws

        aws.reset_clients()
        create_resources(template)
        verify_sender(template.parameters["EmailSender"])
        harness = Harness(template, load_handlers(template), clock)
        load_demo_data(template, harness.settle)
        for name, prepare in scenarios(harness).items():
            runs = 20 if "contact" in name else 30
            results[name] = summarize(harness.measure(prepare, runs))
    return results


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Measured {report['date']} on {report['machine']} (`make bench`).",
        "",
        f"| function | cold init (median of {cold_init.RUNS}) | boto3 baseline | "
        f"ratio (budget ≤ {COLD_START_BUDGET}) | function artifact | with the layer |",
        "|---|---|---|---|---|---|",
    ]
    for name, cold in report["cold_init"].items():
        size = report["package"][name]
        verdict = "" if cold["ratio"] <= COLD_START_BUDGET else " (over)"
        lines.append(
            f"| {name} | {cold['seconds'] * 1000:.0f} ms | {cold['baseline_seconds'] * 1000:.0f} ms | "
            f"{cold['ratio']:.2f}{verdict} | {size['code_kb']:.0f} KB | {size['with_layer_mb']:.1f} MB |"
        )
    worst = max(cold["ratio"] for cold in report["cold_init"].values())
    lines += [
        "",
        f"Worst function: {worst:.2f}× the baseline (budget {COLD_START_BUDGET}×).",
        f"Argon2id (m=19456 KiB, t=2, p=1): hash {report['argon2']['hash_ms']:.0f} ms, "
        f"verify {report['argon2']['verify_ms']:.0f} ms (median of 20).",
        "",
        "| route (path measured) | AWS calls | budget | statuses | median | p95 | own code median | own p95 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in report["requests"].items():
        budget = BUDGET_CALLS.get(name)
        lines.append(
            f"| {name} | {r['aws_calls']} ({', '.join(f'{k.split(":")[1]}×{v}' for k, v in r['calls'].items())}) | "
            f"{budget if budget is not None else '—'} | {', '.join(map(str, r['statuses']))} | "
            f"{r['median_ms']:.1f} ms | {r['p95_ms']:.1f} ms | {r['own_median_ms']:.1f} ms | {r['own_p95_ms']:.1f} ms |"
        )
    return "\n".join(lines)


def main() -> int:
    started = time.perf_counter()
    template = load_template({"FrontendUrl": "https://monespace.eauxdupaysdaix.fr"})
    report: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "cold_init": cold_init.measure(template),
        "package": package_sizes(template),
        "argon2": hashing_times(),
        "requests": request_figures(),
    }
    report["seconds"] = time.perf_counter() - started
    (ROOT / "bench" / "results.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(markdown(report))
    print(f"\n(bench ran in {report['seconds']:.0f} s; results in bench/results.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
