"""`make release STACK=espace-abonne-prod`: publishes the web client of this checkout to the stack.

Reads the stack's outputs (WebBucketName, DistributionId), uploads every file of `web/` whose
content changed — `config.js` rewritten so that the client calls the API under `/api` on its own
domain —, deletes what `web/` no longer has, and invalidates exactly the paths that changed
(`/index.html` stands for every page: CloudFront rewrites pages to it). The client has no build
step and no fingerprinted names, so every file is `Cache-Control: no-cache`: browsers revalidate
with the ETag and get a 304 when nothing changed.
"""

import argparse
import hashlib
import mimetypes
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
DEPLOYED_CONFIG = (
    b'// The API is served by the same CloudFront distribution, under /api.\nexport const API_BASE_URL = "/api";\n'
)
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".json": "application/json"}  # fmt: skip


@dataclass(frozen=True)
class Release:
    uploaded: list[str]
    deleted: list[str]
    invalidated: list[str]


def client_files(root: Path = WEB_ROOT) -> dict[str, bytes]:
    """The client as it is deployed: its files by key, config.js pointing at /api."""
    files = {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}
    files["config.js"] = DEPLOYED_CONFIG
    return files


def publish(s3: Any, cloudfront: Any, bucket: str, distribution_id: str, files: dict[str, bytes]) -> Release:
    existing: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        existing |= {entry["Key"]: entry["ETag"].strip('"') for entry in page.get("Contents", [])}
    uploaded = []
    for key, body in files.items():
        if existing.get(key) == hashlib.md5(body, usedforsecurity=False).hexdigest():
            continue
        content_type = CONTENT_TYPES.get(Path(key).suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, CacheControl="no-cache")
        uploaded.append(key)
    deleted = sorted(set(existing) - set(files))
    for key in deleted:
        s3.delete_object(Bucket=bucket, Key=key)
    invalidated = sorted({f"/{key}" for key in [*uploaded, *deleted]})
    if invalidated:
        cloudfront.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(invalidated), "Items": invalidated},
                "CallerReference": f"release-{time.time_ns()}",
            },
        )
    return Release(uploaded, deleted, invalidated)


def stack_outputs(stack: str) -> dict[str, str]:
    import boto3

    [described] = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make release", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True, help="the stack's name, e.g. espace-abonne-prod")
    args = parser.parse_args(argv)
    import boto3

    outputs = stack_outputs(args.stack)
    release = publish(
        boto3.client("s3"), boto3.client("cloudfront"), outputs["WebBucketName"], outputs["DistributionId"],
        client_files(),
    )  # fmt: skip
    print(
        f"{len(release.uploaded)} files uploaded, {len(release.deleted)} deleted, "
        f"{len(release.invalidated)} paths invalidated on {outputs.get('PortalUrl', outputs['DistributionId'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
