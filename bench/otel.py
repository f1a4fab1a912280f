"""`make bench-otel`: what switching on OpenTelemetry (the ADOT layer's auto-instrumentation) adds to
a cold start. Not part of `make bench`: it installs OpenTelemetry in a throwaway venv (PyPI).

It times, in fresh interpreters and interleaved with the baseline `import boto3; boto3.client(...)`,
what the layer's `otel-instrument` wrapper runs before the handler: the distro's `initialize()`
(tracer, meter and logger providers with OTLP exporters, the botocore and Lambda instrumentors).
The real ADOT layer instruments more libraries: this is a lower bound.
"""

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.cold_init import BASELINE
from local_mode.backend import AWS_ENVIRONMENT
from local_mode.template import ROOT

PACKAGES = [
    "boto3==1.43.11",
    "opentelemetry-distro==0.66b1",
    "opentelemetry-exporter-otlp-proto-http==1.45.1",
    "opentelemetry-instrumentation-botocore==0.66b1",
    "opentelemetry-instrumentation-aws-lambda==0.66b1",
    "opentelemetry-propagator-aws-xray==1.0.2",
]
RUNS = 11
INITIALIZE = (
    "from opentelemetry.instrumentation.auto_instrumentation import initialize; initialize(swallow_exceptions=False)"
)
TIMED = "import time\nt = time.perf_counter()\n{code}\nprint(time.perf_counter() - t)"
# What the ADOT wrapper sets before the runtime starts (opentelemetry-lambda's otel-instrument).
LAMBDA = {
    "AWS_LAMBDA_FUNCTION_NAME": "EspaceAbonne",
    "_HANDLER": "handler.lambda_handler",
    "ORIG_HANDLER": "handler.lambda_handler",
    "OTEL_SERVICE_NAME": "espace-abonne",
    "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
    "OTEL_PROPAGATORS": "tracecontext,baggage,xray",
}


def main() -> int:
    uv = ROOT / ".tools" / "bin" / "uv"
    with tempfile.TemporaryDirectory(prefix="otel-bench-") as work:
        venv = Path(work) / "venv"
        subprocess.run([uv, "venv", "--quiet", "--python", "3.13", venv], check=True)
        subprocess.run([uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python", *PACKAGES], check=True)
        (Path(work) / "handler.py").write_text("def lambda_handler(event, context):\n    return {}\n")
        env = {"PATH": os.environ.get("PATH", ""), **AWS_ENVIRONMENT, "LAMBDA_TASK_ROOT": work, **LAMBDA}
        timings: dict[str, list[float]] = {"baseline": [], "otel": [], "otel + client": []}
        codes = {"baseline": BASELINE, "otel": INITIALIZE, "otel + client": f"{INITIALIZE}\n{BASELINE}"}
        for _ in range(RUNS):
            for name, code in codes.items():
                result = subprocess.run(
                    [venv / "bin" / "python", "-c", TIMED.format(code=code)],
                    cwd=work,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                timings[name].append(float(result.stdout.strip().splitlines()[-1]))
    baseline = statistics.median(timings["baseline"])
    for name, runs in timings.items():
        median = statistics.median(runs)
        print(f"{name:>15}: {median * 1000:6.0f} ms ({median / baseline:.2f}× the baseline, median of {RUNS})")
    added = statistics.median(timings["otel + client"]) - baseline
    print(f"OpenTelemetry adds about {added * 1000:.0f} ms to a cold start that creates a client.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
