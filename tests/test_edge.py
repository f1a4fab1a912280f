"""The API behind CloudFront (PRODUCT.md §9): requests that go around it are refused, and the
per-IP limits count the viewer's address — trusted only on requests that proved their way."""

import json
from collections.abc import Iterator

import boto3
import pytest

from espace_abonne.core.edge import viewer_address
from local_mode.template import LOCAL_SECRETS, Template
from tests.conftest import FRONTEND_URL, STRONG_PASSWORD, Api

SECRET = LOCAL_SECRETS["OriginVerifySecret"]
EDGE = "130.176.0.12"  # one of CloudFront's own addresses: API Gateway's source IP behind it


@pytest.fixture
def behind_cloudfront(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The functions configured as deployed: they check the secret origin header."""
    from espace_abonne.core import aws
    from espace_abonne.core.settings import get_settings

    monkeypatch.setenv("ORIGIN_VERIFY_SECRET_ID", "OriginVerifySecret")
    monkeypatch.setenv("EMAIL_REQUESTS_PER_IP_PER_HOUR", "2")
    get_settings.cache_clear()
    aws._secrets.clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def sign_up(api: Api, email: str, headers: dict[str, str], source_ip: str = EDGE) -> int:
    body = {"email": email, "password": STRONG_PASSWORD, "password_confirmation": STRONG_PASSWORD}
    return api.post("/accounts", body, headers=headers, source_ip=source_ip).status


@pytest.mark.usefixtures("behind_cloudfront")
@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("X-Origin-Verify", "guessed")],
        [("X-Origin-Verify", SECRET + "x")],
        [("X-Origin-Verify", "guessed"), ("X-Origin-Verify", SECRET)],
    ],
    ids=["none", "wrong", "longer", "two headers"],
)
def test_a_request_that_went_around_cloudfront_is_refused(api: Api, headers: list[tuple[str, str]]) -> None:
    from local_mode.events import proxy_event

    function, resource, _ = api.function_for("POST", "/accounts/activation/resend")
    event = proxy_event(
        "POST", "/accounts/activation/resend", resource=resource, body={"email": "a@example.fr"}, headers=headers
    )

    response = api.invoke(function, event)

    assert response.status == 403
    assert response.json() == {
        "code": "direct_access_refused",
        "message": "L'API de l'espace abonné ne répond qu'au portail.",
    }
    assert response.header("Strict-Transport-Security")  # the security headers all the same


@pytest.mark.usefixtures("behind_cloudfront")
def test_the_secret_can_be_rotated_without_refusing_cloudfront_meanwhile(api: Api) -> None:
    from espace_abonne.core import aws

    def resend(secret: str, viewer: str) -> int:
        headers = {"X-Origin-Verify": secret, "CloudFront-Viewer-Address": f"{viewer}:443"}
        return api.post("/accounts/activation/resend", {"email": "a@example.fr"}, headers=headers).status

    assert resend(SECRET, "203.0.113.1") == 202
    boto3.client("secretsmanager").put_secret_value(
        SecretId="OriginVerifySecret", SecretString="le-nouveau-secret-0042"
    )
    aws._secrets.clear()  # a new execution environment, or 5 minutes later

    # Until the deployment gives CloudFront the new value, it still sends the old one: both pass.
    assert (resend(SECRET, "203.0.113.2"), resend("le-nouveau-secret-0042", "203.0.113.3")) == (202, 202)
    assert resend("un-autre-secret", "203.0.113.4") == 403


@pytest.mark.usefixtures("behind_cloudfront")
def test_make_rotate_origin_secret_carries_each_new_value_to_cloudfront(api: Api, template: Template) -> None:
    """Rotated twice in a row, as docs/operations.md says: every value CloudFront is given is one the
    functions accept, before and after; the value of two rotations ago is refused."""
    from espace_abonne.core import aws
    from scripts.rotate_origin_secret import FUNCTIONS_CACHE_SECONDS, VERSION_PARAMETER, rotate

    secrets, cloudformation = boto3.client("secretsmanager"), boto3.client("cloudformation")
    secret_arn = secrets.describe_secret(SecretId="OriginVerifySecret")["ARN"]
    # The deployed stack as CloudFormation keeps it: parameters declared as in template.yaml, the
    # secret's output (moto's CloudFormation plays no SAM nor CloudFront: the rest is left out).
    declared = template.document["Parameters"]
    stack = {
        "Parameters": {name: declared[name] for name in ("FrontendUrl", VERSION_PARAMETER)},
        "Resources": {
            "Portal": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Name": "portal", "Type": "String", "Value": FRONTEND_URL},
            }
        },
        "Outputs": {"OriginVerifySecretArn": {"Value": secret_arn}},
    }
    cloudformation.create_stack(
        StackName="espace-abonne-prod", TemplateBody=json.dumps(stack),
        Parameters=[{"ParameterKey": "FrontendUrl", "ParameterValue": FRONTEND_URL}],
    )  # fmt: skip

    def deployed(parameter: str) -> str:
        [described] = cloudformation.describe_stacks(StackName="espace-abonne-prod")["Stacks"]
        return next(str(p.get("ParameterValue", "")) for p in described["Parameters"] if p["ParameterKey"] == parameter)

    def cloudfront_sends() -> str:
        """The header's reference as the template makes it from the deployed parameters, resolved."""
        version = deployed(VERSION_PARAMETER)
        if not version:
            return SECRET  # versionless: the value resolved when the stack was created
        return str(secrets.get_secret_value(SecretId=secret_arn, VersionId=version)["SecretString"])

    viewers = iter(range(10, 100))

    def accepted(value: str) -> bool:
        headers = {"X-Origin-Verify": value, "CloudFront-Viewer-Address": f"203.0.113.{next(viewers)}:443"}
        return api.post("/accounts/activation/resend", {"email": "a@example.fr"}, headers=headers).status == 202

    waits = []

    def five_minutes_later(seconds: float) -> None:
        assert seconds >= 300  # core/aws.py's SECRET_MAX_AGE: every function has read the new value
        aws._secrets.clear()
        waits.append(cloudfront_sends())  # CloudFront is not told yet…
        assert accepted(waits[-1])  # …and what it sends still passes

    values = [SECRET]
    for _ in range(2):
        rotation = rotate(cloudformation, secrets, "espace-abonne-prod", sleep=five_minutes_later, say=lambda _: None)
        values.append(cloudfront_sends())
        assert deployed(VERSION_PARAMETER) == rotation.version_id
        assert accepted(values[-1])

    assert waits == values[:2]
    assert len(set(values)) == 3
    assert deployed("FrontendUrl") == FRONTEND_URL  # the other parameters kept
    assert (accepted(values[1]), accepted(values[0])) == (True, False)  # the previous value, not older
    assert FUNCTIONS_CACHE_SECONDS >= aws.SECRET_MAX_AGE


@pytest.mark.usefixtures("behind_cloudfront")
def test_per_ip_limits_count_the_viewer_that_cloudfront_names(api: Api) -> None:
    def through(viewer: str) -> dict[str, str]:
        return {"X-Origin-Verify": SECRET, "CloudFront-Viewer-Address": viewer}

    # Two viewers behind the same CloudFront edge are two people…
    assert [sign_up(api, f"a{n}@example.fr", through("203.0.113.7:40001")) for n in range(3)] == [202, 202, 429]
    assert sign_up(api, "b@example.fr", through("203.0.113.8:40001")) == 202
    # …and one viewer reaching several edges is one.
    assert sign_up(api, "c@example.fr", through("203.0.113.7:51000"), source_ip="130.176.0.99") == 429
    assert sign_up(api, "d@example.fr", through("[2001:db8::7]:443")) == 202


@pytest.mark.usefixtures("aws")
def test_without_cloudfront_in_front_a_viewer_header_is_not_believed(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from espace_abonne.core.settings import get_settings

    monkeypatch.setenv("EMAIL_REQUESTS_PER_IP_PER_HOUR", "1")
    get_settings.cache_clear()
    try:
        forged = [
            sign_up(api, f"x{n}@example.fr", {"CloudFront-Viewer-Address": f"198.51.100.{n}:1"}, "192.0.2.1")
            for n in range(2)
        ]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    assert forged == [202, 429]  # counted on the source IP, whatever the header says


@pytest.mark.parametrize(
    ("header", "address"),
    [
        ("198.51.100.7:46532", "198.51.100.7"),
        ("2001:db8:0:0:0:0:0:1:443", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("198.51.100.7", None),
        ("not-an-address:443", None),
        ("", None),
    ],
)
def test_cloudfronts_viewer_address_is_read_as_an_address_and_a_port(header: str, address: str | None) -> None:
    assert viewer_address(header) == address


@pytest.mark.usefixtures("behind_cloudfront")
@pytest.mark.parametrize("path", ["/payments/payfip/notifications", "/payments/payfip/return"])
def test_payfips_routes_too_answer_only_what_came_through_cloudfront(api: Api, path: str) -> None:
    """Their own guard drops the Origin and JSON rules, not this one: PayFiP reaches the API
    through the portal's /api like a browser does."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    around = api.post(path, "idop=3f2b8c1e-0000-4000-8000-000000000000", headers=form)
    through = api.post(path, "idop=3f2b8c1e-0000-4000-8000-000000000000", headers={**form, "X-Origin-Verify": SECRET})

    assert (around.status, around.json()["code"]) == (403, "direct_access_refused")
    assert through.status in (200, 303)
