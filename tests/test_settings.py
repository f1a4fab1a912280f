"""Configuration is read from the environment names template.yaml sets, and validated."""

import pytest
from pydantic import ValidationError

from espace_abonne.core.settings import MissingSetting, Settings
from local_mode.template import Template

BASE = {
    "ACCOUNTS_TABLE": "accounts",
    "TOKENS_TABLE": "tokens",
    "SESSIONS_TABLE": "sessions",
    "THROTTLES_TABLE": "throttles",
    "LINKS_TABLE": "links",
    "BILLING_TABLE": "billing",
    "REQUESTS_TABLE": "requests",
    "REGIE_CONTACT_EMAIL": "contact@eauxdupaysdaix.fr",
    "FRONTEND_URL": "https://monespace.eauxdupaysdaix.fr/",
    "EMAIL_SENDER": "no-reply@eauxdupaysdaix.fr",
}


def test_settings_are_read_from_the_environment() -> None:
    settings = Settings.model_validate(BASE)

    assert settings.frontend_url == "https://monespace.eauxdupaysdaix.fr"
    assert settings.allowed_origins == frozenset({"https://monespace.eauxdupaysdaix.fr"})


@pytest.mark.parametrize("url", ["monespace.fr", "ftp://x.fr", "javascript:alert(1)", ""])
def test_a_frontend_url_that_is_not_http_is_refused_at_start(url: str) -> None:
    with pytest.raises(ValidationError):
        Settings.model_validate({**BASE, "FRONTEND_URL": url})


def test_a_missing_frontend_url_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="FRONTEND_URL"):
        Settings.model_validate({k: v for k, v in BASE.items() if k != "FRONTEND_URL"})


def test_a_resource_a_function_was_not_given_is_named_when_it_is_needed() -> None:
    settings = Settings.model_validate({k: v for k, v in BASE.items() if k != "TOKENS_TABLE"})

    assert settings.require("accounts_table") == "accounts"
    with pytest.raises(MissingSetting, match="TOKENS_TABLE"):
        settings.require("tokens_table")


def test_every_setting_is_provided_by_the_template_to_every_function(template: Template) -> None:
    required = {field.alias for field in Settings.model_fields.values() if field.is_required()}
    for function in template.functions().values():
        assert required <= function.environment.keys(), function.name


def test_each_function_receives_only_the_tables_it_is_allowed_to_use(template: Template) -> None:
    """Settings per function: a table's name goes only where a policy statement names that table."""
    for name, function in template.functions().items():
        statements = [s for p in template.resources[name]["Properties"]["Policies"] for s in p["Statement"]]
        granted = str(statements)
        for variable, value in function.environment.items():
            if variable.endswith("_TABLE") and value in template.resources:
                assert value in granted, f"{name}: {variable}"


@pytest.mark.usefixtures("aws")
def test_the_cle_secret_is_read_from_secrets_manager_once_then_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    from espace_abonne.core import aws

    boto3.client("secretsmanager").create_secret(Name="test/cle", SecretString="s" * 48)
    reads: list[str] = []
    client = aws.secretsmanager()
    client.meta.events.register("before-call.secrets-manager.GetSecretValue", lambda **_: reads.append("read"))

    assert aws.secret_value("test/cle") == "s" * 48
    assert aws.secret_value("test/cle") == "s" * 48
    assert reads == ["read"]  # one call per execution environment, not one per request
