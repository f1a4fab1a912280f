"""The whole portal in one stack (PRODUCT.md §9, issue 17): the web client from a private bucket
behind CloudFront, the API under /api on the same domain, headers on every answer, logs kept for
a bounded time, email that reaches inboxes."""

import json
import shutil
import subprocess
from typing import Any

import pytest

from espace_abonne.core.http import SECURITY_HEADERS
from local_mode.template import Template
from local_mode.web import PAGE_HEADERS


def distribution(template: Template) -> dict[str, Any]:
    return dict(template.resources["Distribution"]["Properties"]["DistributionConfig"])


def test_the_web_client_is_a_private_bucket_that_only_the_distribution_reads(template: Template) -> None:
    bucket = template.resources["WebBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    statements = template.resources["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    [read] = [s for s in statements if s["Effect"] == "Allow"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert read["Action"] == "s3:GetObject"
    assert "distribution/${Distribution}" in read["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    [web] = [o for o in distribution(template)["Origins"] if o["Id"] == "web"]
    assert web["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}


def test_the_api_is_under_api_on_the_same_domain_uncached_and_proves_its_way(template: Template) -> None:
    config = distribution(template)
    [api] = [o for o in config["Origins"] if o["Id"] == "api"]
    assert api["OriginPath"] == {"Fn::Sub": "/${Stage}"}
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    [secret] = resolved(template, api["OriginCustomHeaders"])
    assert secret["HeaderName"] == "X-Origin-Verify"
    assert secret["HeaderValue"] == {"Fn::Sub": "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString}}"}
    [behaviour] = config["CacheBehaviors"]
    assert behaviour["PathPattern"] == "/api/*"
    assert behaviour["TargetOriginId"] == "api"
    assert behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    assert {"POST", "DELETE"} <= set(behaviour["AllowedMethods"])
    forwarded = template.resources["ApiOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    headers = forwarded["HeadersConfig"]["Headers"]
    assert "CloudFront-Viewer-Address" in headers
    assert "Host" not in headers  # API Gateway answers only its own host name
    assert forwarded["CookiesConfig"]["CookieBehavior"] == "all"


def test_every_api_function_checks_the_origin_secret_when_deployed(template: Template) -> None:
    api_functions = {route.function for route in template.routes()}
    for name in api_functions:
        variables = template.resources[name]["Properties"]["Environment"]["Variables"]
        assert variables["ORIGIN_VERIFY_SECRET_ID"] == {
            "Fn::If": ["ThroughCloudFront", {"Ref": "OriginVerifySecret"}, {"Ref": "AWS::NoValue"}]
        }, name
    assert template.document["Parameters"]["CloudFrontOnly"]["Default"] == "true"


def test_pages_get_the_same_security_headers_as_local_mode_sends(template: Template) -> None:
    config = distribution(template)["DefaultCacheBehavior"]
    assert config["ResponseHeadersPolicyId"] == {"Ref": "PageHeadersPolicy"}
    assert config["ViewerProtocolPolicy"] == "redirect-to-https"
    policy = template.resources["PageHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = policy["SecurityHeadersConfig"]
    local = dict(PAGE_HEADERS)
    assert security["ContentSecurityPolicy"]["ContentSecurityPolicy"] == local["Content-Security-Policy"]
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == local["Referrer-Policy"]
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000


def test_api_gateways_own_errors_carry_the_functions_security_headers(template: Template) -> None:
    responses = template.resources["Api"]["Properties"]["GatewayResponses"]
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        headers = responses[kind]["ResponseParameters"]["Headers"]
        assert set(headers) == set(SECURITY_HEADERS), kind
        for name, value in headers.items():
            assert value[0] == value[-1] == "'", f"{kind} {name}: a static value"
            if name != "Content-Security-Policy":
                assert value.strip("'") == SECURITY_HEADERS[name], f"{kind} {name}"


def test_every_log_group_is_kept_for_a_bounded_time(template: Template) -> None:
    groups = {name: r for name, r in template.resources.items() if r["Type"] == "AWS::Logs::LogGroup"}
    for name, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
    named = {str(g["Properties"].get("LogGroupName", {}).get("Fn::Sub", "")) for g in groups.values()}
    for function in template.functions():
        # Lambda would create the group itself, with no retention, if the stack did not.
        assert f"/aws/lambda/${{{function}}}" in named, function
    assert template.resources["LogsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == {
        "Ref": "LogRetentionDays"
    }


def test_email_reaches_inboxes_dkim_mail_from_and_suppression(template: Template) -> None:
    identity = template.resources["SenderIdentity"]["Properties"]
    assert identity["DkimAttributes"] == {"SigningEnabled": True}
    assert "MailFromDomain" in identity["MailFromAttributes"]
    configuration = template.resources["EmailConfigurationSet"]["Properties"]
    assert set(configuration["SuppressionOptions"]["SuppressedReasons"]) == {"BOUNCE", "COMPLAINT"}
    events = template.resources["EmailEvents"]["Properties"]["EventDestination"]
    assert {"bounce", "complaint"} <= set(events["MatchingEventTypes"])
    outbox = template.functions()["OutboxFunction"].environment
    assert outbox["SES_CONFIGURATION_SET"] == "EmailConfigurationSet"  # every email goes through it


def run_cloudfront_function(template: Template, name: str, uri: str) -> str:
    """The CloudFront Function's own code, run by Node.js on a viewer request."""
    code = template.resources[name]["Properties"]["FunctionCode"]
    script = f"{code}\nconsole.log(JSON.stringify(handler({{request: {{uri: {json.dumps(uri)}}}}})));"
    node = shutil.which("node") or "/usr/bin/node"  # Node.js is on every machine of this project's kind
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True, timeout=30)
    return str(json.loads(result.stdout)["uri"])


@pytest.mark.parametrize(
    ("uri", "served"),
    [
        ("/", "/index.html"),
        ("/tableau-de-bord", "/index.html"),
        ("/mot-de-passe/reinitialisation", "/index.html"),
        ("/js/main.js", "/js/main.js"),
        ("/css/portail.css", "/css/portail.css"),
        ("/config.js", "/config.js"),
    ],
)
def test_a_page_of_the_client_is_served_its_index_and_a_file_itself(template: Template, uri: str, served: str) -> None:
    assert run_cloudfront_function(template, "PageRewriteFunction", uri) == served


@pytest.mark.parametrize(("uri", "forwarded"), [("/api/accounts", "/accounts"), ("/api/me/sessions", "/me/sessions")])
def test_the_api_prefix_is_taken_off_before_api_gateway(template: Template, uri: str, forwarded: str) -> None:
    assert run_cloudfront_function(template, "ApiPrefixFunction", uri) == forwarded


def resolved(template: Template, value: Any) -> Any:
    """A part of the template with its conditions decided by the template's parameters (Fn::If)."""
    if isinstance(value, dict) and "Fn::If" in value:
        name, when_true, when_false = value["Fn::If"]
        return resolved(template, when_true if template.condition(name) else when_false)
    if isinstance(value, dict) and "Fn::Select" in value:  # as CloudFormation computes it
        index, within = value["Fn::Select"]
        return resolved(template, within)[index]
    if isinstance(value, dict) and "Fn::Split" in value:
        separator, text = value["Fn::Split"]
        return template.resolve(text).split(separator)
    if isinstance(value, dict):
        return {k: resolved(template, v) for k, v in value.items() if resolved(template, v) != {"Ref": "AWS::NoValue"}}
    if isinstance(value, list):
        return [resolved(template, v) for v in value]
    return value


def test_a_custom_domain_gets_its_alias_and_certificate_tls_12_and_sni() -> None:
    from local_mode.template import load_template

    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
    template = load_template({"FrontendUrl": "https://monespace.eauxdupaysdaix.fr", "AcmCertificateArn": certificate})
    config = resolved(template, distribution(template))

    assert config["Aliases"] == ["monespace.eauxdupaysdaix.fr"]  # FrontendUrl's host name
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": {"Ref": "AcmCertificateArn"},
        "SslSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }
    assert template.resolve(config["ViewerCertificate"]["AcmCertificateArn"]) == certificate


def test_without_a_certificate_the_distribution_uses_cloudfronts_own(template: Template) -> None:
    assert template.parameters["AcmCertificateArn"] == ""  # the default: a first dev deploy
    config = resolved(template, distribution(template))

    assert "Aliases" not in config
    assert config["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}


def test_a_rotation_names_the_new_version_so_that_cloudformation_resolves_it_again() -> None:
    """CloudFormation resolves a secret again only when its reference changes (docs/operations.md,
    Secrets): the version a rotation names is in the header's reference."""
    from local_mode.template import load_template

    version = "a1b2c3d4-5678-90ab-cdef-111122223333"
    for rotated in (version, "b2c3d4e5-6789-0abc-def1-222233334444"):
        template = load_template(
            {"FrontendUrl": "https://monespace.eauxdupaysdaix.fr", "OriginVerifySecretVersion": rotated}
        )
        [api] = [o for o in resolved(template, distribution(template))["Origins"] if o["Id"] == "api"]
        [secret] = api["OriginCustomHeaders"]
        assert template.resolve(secret["HeaderValue"]) == (
            f"{{{{resolve:secretsmanager:OriginVerifySecret:SecretString:::{rotated}}}}}"
        )  # secret-id:SecretString:json-key:version-stage:version-id, the key and stage left empty
    outputs = load_template().document["Outputs"]
    assert outputs["OriginVerifySecretArn"]["Value"] == {"Ref": "OriginVerifySecret"}  # what the rotation reads
