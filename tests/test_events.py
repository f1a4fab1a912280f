"""The sample events in events/ (one per route, usable with `sam local invoke -e`) run against moto."""

import json
from pathlib import Path
from typing import Any

import pytest

from espace_abonne.account_store import Account, AccountStore, StoredToken
from espace_abonne.passwords import hash_password
from espace_abonne.tokens import token_digest
from local_mode.template import ROOT, Template
from tests.conftest import Api, FrozenClock, Mailbox

EVENTS = ROOT / "events"


def event_file(method: str, path: str) -> Path:
    return EVENTS / f"{method.lower()}-{path.strip('/').replace('/', '-').replace('{', '').replace('}', '')}.json"


def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def test_every_route_has_a_sample_event(template: Template) -> None:
    missing = [f"{r.method} {r.path}" for r in template.routes() if not event_file(r.method, r.path).exists()]
    assert missing == []


def test_every_sample_event_is_a_route_of_the_template(template: Template) -> None:
    routes = {(r.method, r.path) for r in template.routes()}
    for path in EVENTS.glob("*.json"):
        event = load(path)
        assert (event["httpMethod"], event["resource"]) in routes, path.name


def test_sign_up_event(api: Api, mailbox: Mailbox) -> None:
    event = load(event_file("POST", "/accounts"))
    response = api.invoke(api.function_for("POST", event["path"])[0], event)

    assert response.status == 202
    assert [e.to for e in mailbox.all()] == ["camille.martin@example.fr"]
    assert response.header("Access-Control-Allow-Origin") == "https://monespace.eauxdupaysdaix.fr"


def test_resend_event(api: Api, mailbox: Mailbox) -> None:
    event = load(event_file("POST", "/accounts/activation/resend"))
    response = api.invoke(api.function_for("POST", event["path"])[0], event)

    assert response.status == 202
    assert mailbox.all() == []  # no such account yet: nothing is sent


@pytest.mark.usefixtures("mailbox")
def test_activation_event_activates_the_account_its_token_belongs_to(api: Api, clock: FrozenClock) -> None:
    event = load(event_file("POST", "/accounts/activation"))
    token = json.loads(event["body"])["token"]
    store = AccountStore("AccountsTable", "TokensTable")
    password_hash = hash_password("Ecluse9!Torse")
    account = Account("camille.martin@example.fr", "acc-1", "pending", password_hash, clock.now(), 1)
    store.create_pending(
        account,
        StoredToken(token_digest(token), "activation", account.email, "acc-1", clock.now() + 3600, password_hash),
    )

    response = api.invoke(api.function_for("POST", event["path"])[0], event)

    assert response.status == 200
    assert store.get("camille.martin@example.fr") is not None
    assert store.get("camille.martin@example.fr").status == "active"  # type: ignore[union-attr]
