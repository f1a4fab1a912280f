"""`make rotate-origin-secret STACK=espace-abonne-prod`: a new value for the header CloudFront adds
to every request it sends to the API (X-Origin-Verify), carried to CloudFront.

CloudFormation resolves a `{{resolve:secretsmanager:…}}` reference again only when the reference
itself changes, so a new value alone never reaches CloudFront (`sam deploy` finds no change). Here:

1. put a new value in the stack's OriginVerifySecret: it becomes AWSCURRENT, the value CloudFront
   sends becomes AWSPREVIOUS, and the functions accept both (core/edge.py);
2. wait until no function still holds the values it read before (they cache them 5 minutes), or
   one would refuse the new value CloudFront is about to send;
3. update the stack, same template and parameters, with `OriginVerifySecretVersion` naming the new
   version: the distribution's header changes, and CloudFormation waits until CloudFront deployed it.

One rotation at a time, each finished before the next: the functions accept only two values.
"""

import argparse
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

VERSION_PARAMETER = "OriginVerifySecretVersion"
SECRET_OUTPUT = "OriginVerifySecretArn"  # noqa: S105 (the output naming the secret, not a value)
# How long a function keeps a secret it read (espace_abonne.core.aws.SECRET_MAX_AGE), and a margin.
FUNCTIONS_CACHE_SECONDS = 300 + 30


@dataclass(frozen=True)
class Rotation:
    secret_arn: str
    version_id: str


def new_value() -> str:
    """48 characters a header carries as they are (letters and digits, like the stack's first one)."""
    return secrets.token_hex(24)


def rotate(
    cloudformation: Any,
    secretsmanager: Any,
    stack: str,
    sleep: Callable[[float], None] = time.sleep,
    say: Callable[[str], None] = print,
) -> Rotation:
    [described] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    parameters = [p["ParameterKey"] for p in described.get("Parameters", [])]
    if SECRET_OUTPUT not in outputs or VERSION_PARAMETER not in parameters:
        raise SystemExit(f"{stack} predates rotations: deploy this version of template.yaml once (sam deploy)")
    secret_arn = outputs[SECRET_OUTPUT]

    version_id = str(secretsmanager.put_secret_value(SecretId=secret_arn, SecretString=new_value())["VersionId"])
    say(f"New value of {secret_arn} (version {version_id}); CloudFront still sends the previous one.")
    say(f"Waiting {FUNCTIONS_CACHE_SECONDS} s for the functions to read both values…")
    sleep(FUNCTIONS_CACHE_SECONDS)

    cloudformation.update_stack(
        StackName=stack,
        UsePreviousTemplate=True,
        Parameters=[
            {"ParameterKey": name, "UsePreviousValue": True} for name in parameters if name != VERSION_PARAMETER
        ]
        + [{"ParameterKey": VERSION_PARAMETER, "ParameterValue": version_id}],
        # The previous template is SAM's, transformed again, and creates roles.
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    say(f"Updating {stack} with {VERSION_PARAMETER}={version_id} (CloudFront deploys the new header)…")
    cloudformation.get_waiter("stack_update_complete").wait(StackName=stack)
    say("Done: CloudFront sends the new value.")
    return Rotation(secret_arn, version_id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make rotate-origin-secret", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True, help="the stack's name, e.g. espace-abonne-prod")
    args = parser.parse_args(argv)
    import boto3

    rotate(boto3.client("cloudformation"), boto3.client("secretsmanager"), args.stack)
    return 0


if __name__ == "__main__":
    sys.exit(main())
