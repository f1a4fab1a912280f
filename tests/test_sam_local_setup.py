"""The `sam local` recipe without Docker: a handler configured by local_mode/sam-local-env.json
talks to `make moto-server` over the network, as the functions in containers would."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from local_mode.template import ROOT
from tests.conftest import free_port

INVOKE = """
import json, sys
import signup_handler
event = json.load(open("events/post-accounts.json"))
class Context:
    function_name = "SignupFunction"; memory_limit_in_mb = 1024; aws_request_id = "sam-local"
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:SignupFunction"
print(json.dumps(signup_handler.lambda_handler(event, Context())))
"""


@pytest.fixture(scope="module")
def moto_server() -> Iterator[tuple[int, subprocess.Popen[str]]]:
    port = free_port()
    env = {**os.environ, "MOTO_HOST": "127.0.0.1", "MOTO_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "local_mode.moto_server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # the moto server's access log
        text=True,
    )
    assert process.stdout is not None
    banner = process.stdout.readline()  # printed once the tables exist
    assert "AccountsTable" in banner, banner
    yield port, process
    process.terminate()
    process.wait(timeout=10)


def test_a_function_configured_by_the_env_file_signs_up_against_the_moto_server(
    moto_server: tuple[int, subprocess.Popen[str]],
) -> None:
    port, process = moto_server
    variables = json.loads((ROOT / "local_mode" / "sam-local-env.json").read_text())["Parameters"]
    variables["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"  # from a container: host.docker.internal
    # Only what a container would have: the env file and the template's parameter defaults.
    env = {
        "PATH": os.environ["PATH"],
        **variables,
        "FRONTEND_URL": "http://127.0.0.1:3000",
        "EMAIL_SENDER": "no-reply@eauxdupaysdaix.fr",
        "REGIE_CONTACT_EMAIL": "contact@eauxdupaysdaix.fr",
        "POWERTOOLS_SERVICE_NAME": "signup",
        "POWERTOOLS_METRICS_NAMESPACE": "EspaceAbonne",
    }

    result = subprocess.run(
        [sys.executable, "-c", INVOKE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )

    response = json.loads(result.stdout.strip().splitlines()[-1])
    assert response["statusCode"] == 202
    assert process.stdout is not None
    printed = "".join(process.stdout.readline() for _ in range(4))
    assert "camille.martin@example.fr" in printed
