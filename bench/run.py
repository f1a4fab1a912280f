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
# The Lambda runtime has these too (boto3 and its dependencies); the layer ships its own copy so
# that boto3 and botocore always match.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "urllib3", "jmespath", "dateutil", "python_dateutil", "six")
BUDGET_CALLS = {
    "POST /accounts (sign-up)": 3,
    "POST /accounts/activation": 3,
    "POST /sessions (login)": 4,
    "POST /contracts/links (link)": 5,
    "GET /contracts/{number}/dashboard": 3,
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
    layer = BUILD / "SharedLayer"
    layer_all = _size(layer)
    layer_own = _size(layer / "python", skip=RUNTIME_PROVIDED)
    sizes = {}
    for name in template.functions():
        code = _size(BUILD / name)
        sizes[name] = {
            "code_kb": code / 1024,
            "with_layer_mb": (code + layer_all) / 2**20,
            "without_boto_mb": (code + layer_own) / 2**20,
        }
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


def xray_recorder_cost() -> float:
    """What Powertools' Tracer costs at import: the X-Ray SDK builds its recorder (and X-Ray clients)."""
    code = (
        "import botocore.session, time; t = time.perf_counter(); import aws_xray_sdk.core; "
        "print(time.perf_counter() - t)"
    )
    env = {"PATH": os.environ.get("PATH", ""), "AWS_DEFAULT_REGION": "eu-west-3"}
    runs = [
        float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout)
        for _ in range(9)
    ]
    return statistics.median(runs)


def request_figures() -> dict[str, dict[str, Any]]:
    from moto import mock_aws

    from espace_abonne.core.clock import use_clock
    from local_mode.backend import AWS_ENVIRONMENT, create_tables, load_demo_data, verify_sender
    from local_mode.server import load_handlers

    class Clock:
        current = 1_795_000_000

        def now(self) -> int:
            return self.current

    os.environ.update(AWS_ENVIRONMENT)
    os.environ.update({"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true"})
    template = load_template({"FrontendUrl": "https://monespace.eauxdupaysdaix.fr"})
    results = {}
    with mock_aws(), use_clock(Clock()) as clock:
        from espace_abonne.core import aws

        aws.reset_clients()
        create_tables(template)
        verify_sender(template.parameters["EmailSender"])
        load_demo_data(template)
        harness = Harness(template, load_handlers(template), clock)
        for name, prepare in scenarios(harness).items():
            runs = 20 if "contact" in name else 30
            results[name] = summarize(harness.measure(prepare, runs))
    return results


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Measured {report['date']} on {report['machine']} (`make bench`).",
        "",
        "| function | cold init (median of 15) | boto3 baseline | ratio | ratio without the X-Ray SDK | "
        "function artifact | with the layer, without the runtime's boto3 stack |",
        "|---|---|---|---|---|---|---|",
    ]
    xray = report["xray_ms"] / 1000
    for name, cold in report["cold_init"].items():
        size = report["package"][name]
        lines.append(
            f"| {name} | {cold['seconds'] * 1000:.0f} ms | {cold['baseline_seconds'] * 1000:.0f} ms | "
            f"{cold['ratio']:.2f} | {(cold['seconds'] - xray) / cold['baseline_seconds']:.2f} | "
            f"{size['code_kb']:.0f} KB | {size['without_boto_mb']:.1f} MB |"
        )
    lines += [
        "",
        f"Of which the X-Ray SDK recorder that Powertools' Tracer creates: {report['xray_ms']:.0f} ms.",
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
        "xray_ms": xray_recorder_cost() * 1000,
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
