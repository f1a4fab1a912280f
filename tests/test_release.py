"""`make release`: the web client published to the stack's bucket, only what changed, and
CloudFront told exactly which paths to forget — tried against moto S3 and CloudFront."""

from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts.release import DEPLOYED_CONFIG, client_files, publish

BUCKET = "webbucket"


@pytest.fixture
def stack(aws: None) -> tuple[Any, Any, str]:
    """The stack's bucket and distribution, as moto plays them."""
    s3, cloudfront = boto3.client("s3"), boto3.client("cloudfront")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "test",
            "Comment": "portal",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "web", "DomainName": f"{BUCKET}.s3.amazonaws.com",
                                                  "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "web", "ViewerProtocolPolicy": "redirect-to-https",
                                     "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        }
    )["Distribution"]["Id"]  # fmt: skip
    return s3, cloudfront, distribution


def invalidated_paths(cloudfront: Any, distribution: str) -> list[list[str]]:
    summaries = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Items", [])
    return [
        cloudfront.get_invalidation(DistributionId=distribution, Id=s["Id"])["Invalidation"]["InvalidationBatch"][
            "Paths"
        ]["Items"]
        for s in summaries
    ]


def test_a_first_release_uploads_the_client_calling_the_api_under_api(stack: tuple[Any, Any, str]) -> None:
    s3, cloudfront, distribution = stack

    release = publish(s3, cloudfront, BUCKET, distribution, client_files())

    assert "index.html" in release.uploaded
    assert "js/main.js" in release.uploaded
    config = s3.get_object(Bucket=BUCKET, Key="config.js")
    assert config["Body"].read() == DEPLOYED_CONFIG
    assert config["ContentType"] == "text/javascript; charset=utf-8"
    page = s3.get_object(Bucket=BUCKET, Key="index.html")
    assert page["CacheControl"] == "no-cache"
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert "/index.html" in invalidated_paths(cloudfront, distribution)[0]


def test_a_new_release_sends_and_invalidates_only_what_changed(stack: tuple[Any, Any, str], tmp_path: Path) -> None:
    s3, cloudfront, distribution = stack
    files = client_files()
    publish(s3, cloudfront, BUCKET, distribution, files)

    files["css/portail.css"] += b"\n/* a change */\n"
    files["js/old.js"] = b"// published once"
    publish(s3, cloudfront, BUCKET, distribution, files)
    del files["js/old.js"]
    third = publish(s3, cloudfront, BUCKET, distribution, files)
    unchanged = publish(s3, cloudfront, BUCKET, distribution, files)

    assert third.uploaded == []
    assert third.deleted == ["js/old.js"]
    assert third.invalidated == ["/js/old.js"]
    assert unchanged.invalidated == []
    assert invalidated_paths(cloudfront, distribution)[1:] == [["/css/portail.css", "/js/old.js"], ["/js/old.js"]]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert "js/old.js" not in keys
