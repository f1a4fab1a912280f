"""Cold init as Lambda runs it: a fresh interpreter imports a handler module from the built artifacts.

Each run is `python -I -B`: no venv, no PYTHON* variables, no bytecode written. Its path is Lambda's:
the function's artifact (.aws-sam/build/<Function>), the layer, the standard library, then boto3
and botocore as the runtime provides them (installed compiled in .aws-sam/bench/runtime, at the
versions of uv.lock). The layer `sam build` makes is for arm64: on another machine its extensions
(pydantic-core, argon2's bindings) do not load, so the bench builds a twin of it for this machine
with the same recipe (shared/Makefile, PLATFORM=<machine>-manylinux_2_34): the same files but three
compiled extensions. Each function is also timed with the layer's bytecode removed, to show what it
buys. The baseline, the functions with bytecode and without are interleaved, run by run.
"""

import importlib.metadata
import os
import platform
import shutil
import statistics
import subprocess
from pathlib import Path

from local_mode.backend import AWS_ENVIRONMENT
from local_mode.template import ROOT, Template

RUNS = 15
BASELINE = 'import boto3; boto3.client("dynamodb")'
BUILD = ROOT / ".aws-sam" / "build"
BENCH = ROOT / ".aws-sam" / "bench"
RUNTIME = BENCH / "runtime"
_TIMED = (
    "import sys; sys.path[:0] = {front!r}; sys.path.append({runtime!r}); import time; "
    "t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
)


def python() -> Path:
    """The interpreter sam build's recipe compiles with (.tools, made with python3.13)."""
    return ROOT / ".tools" / "bin" / "python"


def layer_for_this_machine() -> Path:
    """The built layer on arm64; elsewhere its twin for this machine, built by the same recipe."""
    machine = platform.machine()
    if machine in ("aarch64", "arm64"):
        return BUILD / "SharedLayer" / "python"
    twin = BENCH / f"SharedLayer-{machine}"
    subprocess.run(
        [
            "make",
            "--silent",
            "-f",
            "shared/Makefile",
            "build-SharedLayer",
            f"ARTIFACTS_DIR={twin}",
            f"PLATFORM={machine}-manylinux_2_34",
        ],
        cwd=ROOT,
        check=True,
    )
    return twin / "python"


def runtime_boto3() -> Path:
    versions = [f"{name}=={importlib.metadata.version(name)}" for name in ("boto3", "botocore")]
    shutil.rmtree(RUNTIME, ignore_errors=True)
    subprocess.run(
        [
            ROOT / ".tools" / "bin" / "uv",
            "pip",
            "install",
            "--quiet",
            "--python",
            python(),
            "--target",
            RUNTIME,
            "--compile-bytecode",
            *versions,
        ],
        check=True,
    )
    return RUNTIME


def _without_bytecode(layer: Path) -> Path:
    copy = BENCH / "SharedLayer-no-bytecode" / "python"
    shutil.rmtree(copy.parent, ignore_errors=True)
    shutil.copytree(layer, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _once(code: str, front: list[Path], env: dict[str, str]) -> float:
    script = _TIMED.format(front=[str(p) for p in front], runtime=str(RUNTIME), code=code)
    result = subprocess.run(
        [python(), "-I", "-B", "-c", script], cwd=BENCH, env=env, capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip().splitlines()[-1])


def measure(template: Template) -> dict[str, dict[str, float]]:
    layer = layer_for_this_machine()
    runtime_boto3()
    sources_only = _without_bytecode(layer)
    base_env = {"PATH": os.environ.get("PATH", ""), **AWS_ENVIRONMENT}
    functions = template.functions()
    runs: dict[str, list[float]] = {"baseline": []}
    for _ in range(RUNS):
        runs["baseline"].append(_once(BASELINE, [], base_env))
        for name, function in functions.items():
            env = {**base_env, **function.environment}
            module = function.handler.rpartition(".")[0]
            code = BUILD / name
            runs.setdefault(name, []).append(_once(f"import {module}", [code, layer], env))
            runs.setdefault(f"{name} without bytecode", []).append(_once(f"import {module}", [code, sources_only], env))
    baseline = statistics.median(runs["baseline"])
    results = {}
    for name in functions:
        seconds = statistics.median(runs[name])
        uncompiled = statistics.median(runs[f"{name} without bytecode"])
        results[name] = {
            "seconds": seconds,
            "baseline_seconds": baseline,
            "ratio": seconds / baseline,
            "without_bytecode_seconds": uncompiled,
            "without_bytecode_ratio": uncompiled / baseline,
        }
    return results
