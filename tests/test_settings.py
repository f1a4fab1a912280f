"""Configuration is read from the environment names template.yaml sets, and validated."""

import pytest
from pydantic import ValidationError

from espace_abonne.settings import Settings
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


def test_a_missing_variable_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="TOKENS_TABLE"):
        Settings.model_validate({k: v for k, v in BASE.items() if k != "TOKENS_TABLE"})


def test_every_setting_is_provided_by_the_template_to_every_function(template: Template) -> None:
    required = {field.alias for field in Settings.model_fields.values() if field.is_required()}
    for function in template.functions().values():
        assert required <= function.environment.keys(), function.name


def test_the_cle_secret_must_be_long_and_is_never_printed() -> None:
    with pytest.raises(ValidationError):
        Settings.model_validate({**BASE, "CONTRACT_KEY_SECRET": "too-short"})
    settings = Settings.model_validate({**BASE, "CONTRACT_KEY_SECRET": "s" * 40})
    assert "s" * 40 not in repr(settings)
    assert settings.contract_key_secret is not None
    assert settings.contract_key_secret.get_secret_value() == "s" * 40
