"""Cold init: a fresh interpreter imports a handler module with its function's environment."""

import os
import statistics
import subprocess
import sys

from local_mode.backend import AWS_ENVIRONMENT
from local_mode.template import ROOT, Template

RUNS = 15
_TIMED_IMPORT = "import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
BASELINE = 'import boto3; boto3.client("dynamodb")'


def _once(code: str, env: dict[str, str]) -> float:
    result = subprocess.run(
        [sys.executable, "-c", _TIMED_IMPORT.format(code=code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def _median(code: str, env: dict[str, str]) -> float:
    return statistics.median(_once(code, env) for _ in range(RUNS))


def measure(template: Template) -> dict[str, dict[str, float]]:
    base_env = {
        "PATH": os.environ.get("PATH", ""),
        **AWS_ENVIRONMENT,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    baseline = _median(BASELINE, base_env)
    results = {}
    for name, function in template.functions().items():
        env = {**base_env, **function.environment}
        module = function.handler.rpartition(".")[0]
        seconds = _median(f"import {module}", env)
        results[name] = {"seconds": seconds, "baseline_seconds": baseline, "ratio": seconds / baseline}
    return results
