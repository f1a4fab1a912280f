"""The sample events in events/ (one per route, usable with `sam local invoke -e`) run against moto."""

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from espace_abonne.accounts.passwords import hash_password
from espace_abonne.accounts.store import Account, AccountStore, StoredToken
from espace_abonne.core.tokens import token_digest
from espace_abonne.sessions.store import Session, SessionStore
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
    account = Account(
        "camille.martin@example.fr", "acc-1", "pending", password_hash, clock.now(), 1, expires_at=clock.now() + 3600
    )
    store.create_pending(
        account,
        StoredToken(token_digest(token), "activation", account.email, "acc-1", clock.now() + 3600, password_hash),
        clock.now(),
    )

    response = api.invoke(api.function_for("POST", event["path"])[0], event)

    assert response.status == 200
    assert store.get("camille.martin@example.fr") is not None
    assert store.get("camille.martin@example.fr").status == "active"  # type: ignore[union-attr]


def invoke(api: Api, method: str, path: str) -> Any:
    event = load(event_file(method, path))
    return api.invoke(api.function_for(method, event["path"])[0], event)


def active_account(clock: FrozenClock, password: str = "Ecluse9!Torse", account_id: str = "acc-1") -> Account:
    store = AccountStore("AccountsTable", "TokensTable")
    password_hash = hash_password(password)
    account = Account(
        "camille.martin@example.fr", account_id, "pending", password_hash, clock.now(), 1, expires_at=clock.now() + 3600
    )
    token = StoredToken("digest-1", "activation", account.email, account_id, clock.now() + 3600, password_hash)
    store.create_pending(account, token, clock.now())
    store.activate(token, password_hash, clock.now(), with_items=[])
    active = store.get(account.email)
    assert active is not None
    return active


def session_of_sample_cookie(clock: FrozenClock) -> None:
    event = load(event_file("GET", "/me"))
    account_id, secret = event["headers"]["Cookie"].removeprefix("__Host-session=").split(".")
    account = active_account(clock, account_id=account_id)
    session = Session(account_id, token_digest(secret), account.email, clock.now(), clock.now(),
                      clock.now() + 3600, 1800, False)  # fmt: skip
    assert SessionStore("SessionsTable", "AccountsTable").create(session, account.email, account.session_version)


@pytest.mark.usefixtures("mailbox")
def test_log_in_event(api: Api, clock: FrozenClock) -> None:
    active_account(clock)

    response = invoke(api, "POST", "/sessions")

    assert response.status == 200
    assert response.headers["Set-Cookie"][0].startswith("__Host-session=")


@pytest.mark.usefixtures("mailbox")
def test_me_event(api: Api, clock: FrozenClock) -> None:
    session_of_sample_cookie(clock)

    response = invoke(api, "GET", "/me")

    assert response.status == 200
    assert response.json()["email"] == "camille.martin@example.fr"


@pytest.mark.usefixtures("mailbox")
def test_log_out_event(api: Api, clock: FrozenClock) -> None:
    session_of_sample_cookie(clock)

    assert invoke(api, "DELETE", "/sessions/current").status == 204
    assert invoke(api, "GET", "/me").status == 401


def test_password_reset_event(api: Api, clock: FrozenClock, mailbox: Mailbox) -> None:
    active_account(clock)

    assert invoke(api, "POST", "/password-resets").status == 202
    assert mailbox.all()[-1].subject == "Réinitialisation de votre mot de passe"


def test_password_reset_confirmation_event(api: Api, clock: FrozenClock, mailbox: Mailbox) -> None:
    account = active_account(clock)
    event = load(event_file("POST", "/password-resets/confirm"))
    token = json.loads(event["body"])["token"]
    store = AccountStore("AccountsTable", "TokensTable")
    reset = StoredToken(token_digest(token), "reset", account.email, account.account_id, clock.now() + 3600)
    assert store.issue_reset(account, reset, "task-1")

    assert invoke(api, "POST", "/password-resets/confirm").status == 200
    assert mailbox.all()[-1].subject == "Votre mot de passe a été modifié"


@pytest.mark.usefixtures("demo_billing")
def test_contract_events_link_list_and_show_the_dashboard(api: Api, clock: FrozenClock, mailbox: Mailbox) -> None:
    session_of_sample_cookie(clock)

    linked = invoke(api, "POST", "/contracts/links")
    listed = invoke(api, "GET", "/contracts")
    board = invoke(api, "GET", "/contracts/{number}/dashboard")

    assert linked.status == 200
    assert linked.json()["message"] == "Liaison enregistrée."
    assert [c["number"] for c in listed.json()["contracts"]] == ["11301.11377.01", "11301.11377.02"]
    assert board.status == 200
    assert board.json()["contract"]["number"] == "11301.11377.02"


@pytest.mark.usefixtures("demo_billing")
def test_invoice_events_download_a_pdf_and_choose_paperless_billing(api: Api, clock: FrozenClock) -> None:
    session_of_sample_cookie(clock)
    invoke(api, "POST", "/contracts/links")

    pdf = invoke(api, "GET", "/contracts/{number}/invoices/{invoice_number}/pdf")
    paperless = invoke(api, "PUT", "/contracts/{number}/paperless-billing")

    assert pdf.status == 200
    assert pdf.header("Content-Disposition") == 'attachment; filename="facture-F202510-1137702.pdf"'
    assert base64.b64decode(pdf.body).startswith(b"%PDF-")
    assert (paperless.status, paperless.json()["paperless_billing"]) == (200, True)


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/me/password", 200),
        ("POST", "/me/email", 202),
        ("POST", "/me/email/confirm", 400),  # its token was never issued: refused, not a 5xx
        ("DELETE", "/me/contracts/{number}", 404),  # nothing linked yet
        ("GET", "/me/sessions", 200),
        ("DELETE", "/me/sessions/{session_id}", 404),
        ("GET", "/me/export", 200),
        ("GET", "/me/preferences", 200),
        ("PUT", "/me/preferences", 200),
        ("DELETE", "/me", 204),
        ("POST", "/subscription-requests", 202),
        ("POST", "/contact-messages", 202),
    ],
)
@pytest.mark.usefixtures("demo_billing", "mailbox")
def test_mon_compte_and_requests_events(api: Api, clock: FrozenClock, method: str, path: str, expected: int) -> None:
    clock.current = 1_795_000_000  # 2026-11-18: the sample move-in date is within a year
    session_of_sample_cookie(clock)

    assert invoke(api, method, path).status == expected
