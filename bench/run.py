"""`make bench`: prints the Markdown table and writes bench/results.json (never part of `make test`)."""

import datetime as dt
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from bench import cold_init
from bench.requests import Harness, scenarios, summarize
from local_mode.template import ROOT, load_template

BUILD = ROOT / ".aws-sam" / "build"
# The Lambda runtime provides these (boto3 and its dependencies): the layer must not ship them.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "urllib3", "dateutil", "python_dateutil", "six")
COLD_START_BUDGET = 1.25  # × the boto3 baseline, every function
LAYER_BUDGET_MB = 10  # unzipped, without the runtime's boto3 (issue 13); over it, the README argues why
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
ARGON2 = ("argon2", "_argon2_cffi_bindings", "_cffi_backend")
HASHING = ("sign-up", "login", "wrong password", "activation")


def _size(path: Path) -> int:
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())


def _zipped(path: Path) -> int:
    """What is uploaded and what Lambda downloads: the folder zipped (deflate, as sam deploy does)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in sorted(path.rglob("*")):
            if entry.is_file():
                archive.write(entry, entry.relative_to(path.parent))
    return buffer.tell()


def _part(relative: Path) -> str:
    """The package a file of the layer belongs to (its metadata counted apart)."""
    top = relative.parts[0]
    if top == "__pycache__":
        top = relative.parts[1]
    if top.endswith(".dist-info"):
        return "metadata (*.dist-info)"
    name = top.split(".")[0]
    return "argon2 (+ its bindings, _cffi_backend)" if name in ARGON2 else name


def _elf_machines(layer: Path) -> set[str]:
    names = {183: "aarch64", 62: "x86_64"}
    return {names.get(int.from_bytes(so.read_bytes()[18:20], "little"), "other") for so in layer.rglob("*.so")}


def package_sizes(template: Any) -> dict[str, Any]:
    if not BUILD.exists():
        subprocess.run(["make", "sam-build"], cwd=ROOT, check=True)
    layer = BUILD / "SharedLayer" / "python"
    shipped = {entry.name.split("-")[0] for entry in layer.iterdir()}
    if shipped & set(RUNTIME_PROVIDED):
        raise RuntimeError(f"the layer ships what the runtime provides: {shipped & set(RUNTIME_PROVIDED)}")
    if _elf_machines(layer) != {"aarch64"}:
        raise RuntimeError(f"the layer's extensions are not all for arm64: {_elf_machines(layer)}")
    parts: dict[str, dict[str, int]] = {}
    for entry in layer.rglob("*"):
        if entry.is_file():
            part = parts.setdefault(_part(entry.relative_to(layer)), {"bytes": 0, "bytecode": 0})
            part["bytes"] += entry.stat().st_size
            part["bytecode"] += entry.stat().st_size if entry.suffix == ".pyc" else 0
    layer_size = _size(layer)
    functions = {}
    for name in template.functions():
        code = _size(BUILD / name)
        functions[name] = {"code_kb": code / 1024, "with_layer_mb": (code + layer_size) / 2**20}
    return {
        "functions": functions,
        "layer": {
            "mb": layer_size / 2**20,
            "zipped_mb": _zipped(layer) / 2**20,
            "bytecode_mb": sum(p["bytecode"] for p in parts.values()) / 2**20,
            "modules": sum(1 for _ in layer.rglob("*.py")),
            "compiled_modules": sum(1 for _ in layer.rglob("__pycache__/*.cpython-313.pyc")),
            "extensions": sorted(_elf_machines(layer)),
            "parts_mb": {
                name: {"total": p["bytes"] / 2**20, "bytecode": p["bytecode"] / 2**20}
                for name, p in sorted(parts.items(), key=lambda item: -item[1]["bytes"])
            },
        },
    }


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
    baseline = next(iter(report["cold_init"].values()))["baseline_seconds"]
    layer = report["package"]["layer"]
    lines = [
        f"Measured {report['date']} on {report['machine']} (`make bench`); load average "
        f"{report['load_before']} before, {report['load_after']} after.",
        "",
        f"Cold init from the built artifacts, median of {cold_init.RUNS}; the boto3 baseline "
        f"(`{cold_init.BASELINE}`) took {baseline * 1000:.0f} ms, interleaved with the functions.",
        "",
        f"| function | cold init | ratio (budget ≤ {COLD_START_BUDGET}) | without the layer's bytecode | ratio | "
        "function artifact | with the layer |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, cold in report["cold_init"].items():
        size = report["package"]["functions"][name]
        verdict = "" if cold["ratio"] <= COLD_START_BUDGET else " (over)"
        lines.append(
            f"| {name} | {cold['seconds'] * 1000:.0f} ms | {cold['ratio']:.2f}{verdict} | "
            f"{cold['without_bytecode_seconds'] * 1000:.0f} ms | {cold['without_bytecode_ratio']:.2f} | "
            f"{size['code_kb']:.0f} KB | {size['with_layer_mb']:.1f} MB |"
        )
    worst = max(cold["ratio"] for cold in report["cold_init"].values())
    worst_without = max(cold["without_bytecode_ratio"] for cold in report["cold_init"].values())
    verdict = "within" if layer["mb"] <= LAYER_BUDGET_MB else "over"
    lines += [
        "",
        f"Worst function: {worst:.2f}× the baseline (budget {COLD_START_BUDGET}×); "
        f"{worst_without:.2f}× without the layer's bytecode.",
        f"The layer: {layer['mb']:.1f} MB ({verdict} the {LAYER_BUDGET_MB} MB budget), of which bytecode "
        f"{layer['bytecode_mb']:.1f} MB ({layer['compiled_modules']} of {layer['modules']} modules compiled); "
        f"{layer['zipped_mb']:.1f} MB zipped; extensions for {', '.join(layer['extensions'])}.",
        "",
        "| in the layer | MB | of which bytecode |",
        "|---|---|---|",
        *(f"| {name} | {p['total']:.2f} | {p['bytecode']:.2f} |" for name, p in layer["parts_mb"].items()),
        "",
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
        "load_before": " ".join(f"{load:.2f}" for load in os.getloadavg()),
        "cold_init": cold_init.measure(template),
        "load_after": " ".join(f"{load:.2f}" for load in os.getloadavg()),
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
