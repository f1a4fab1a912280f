"""« Mon compte » and the RGPD rights (issue 5)."""

from typing import Any

import boto3
import pytest

from tests.accounts import activated_account, log_in, session_cookie_of
from tests.conftest import STRONG_PASSWORD, Api, ApiResponse, FrozenClock, Mailbox

EMAIL = "camille@example.fr"
NEW_PASSWORD = "Nouveau#Mot2026"


class Me:
    def __init__(self, api: Api, cookie: str) -> None:
        self.api = api
        self.cookie = cookie

    def call(self, method: str, path: str, body: Any = None) -> ApiResponse:
        return self.api.request(method, path, body, headers={"Cookie": self.cookie})


@pytest.fixture
def me(api: Api, mailbox: Mailbox, demo_billing: None) -> Me:
    activated_account(api, mailbox, EMAIL)
    return Me(api, session_cookie_of(log_in(api, EMAIL, remember_me=True)))


def scan(table: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=table)["Items"]


# -- password --------------------------------------------------------------------------------


def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(
    api: Api, me: Me, mailbox: Mailbox
) -> None:
    other = Me(api, session_cookie_of(log_in(api, EMAIL)))
    body = {
        "current_password": "Mauvais#Passe1",
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    }

    wrong = me.call("POST", "/me/password", body)
    assert wrong.status == 422
    assert wrong.json()["errors"][0] == {
        "field": "current_password",
        "code": "invalid_current_password",
        "message": "Le mot de passe actuel est incorrect.",
    }

    right = me.call("POST", "/me/password", {**body, "current_password": STRONG_PASSWORD})
    assert right.status == 200
    assert me.call("GET", "/me").status == 200  # this session goes on
    assert other.call("GET", "/me").status == 401  # the others are ended
    assert mailbox.to(EMAIL)[-1].subject == "Votre mot de passe a été modifié"
    assert log_in(api, EMAIL, NEW_PASSWORD).status == 200
    assert log_in(api, EMAIL, STRONG_PASSWORD).status == 401


def test_the_new_password_follows_the_policy(me: Me) -> None:
    response = me.call(
        "POST",
        "/me/password",
        {"current_password": STRONG_PASSWORD, "new_password": "Azerty123!", "new_password_confirmation": "x"},
    )

    assert response.status == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("new_password", "password_too_common"),
        ("new_password_confirmation", "password_confirmation_mismatch"),
    ]


def test_guessing_the_current_password_with_a_stolen_session_is_throttled(me: Me) -> None:
    body = {"current_password": "x", "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
    for _ in range(5):
        assert me.call("POST", "/me/password", body).status == 422
    assert me.call("POST", "/me/password", body).status == 429


# -- email -----------------------------------------------------------------------------------


def test_changing_the_email_takes_effect_only_through_the_link_sent_to_the_new_address(
    api: Api, me: Me, mailbox: Mailbox
) -> None:
    response = me.call(
        "POST", "/me/email", {"new_email": "Camille.New@Example.fr", "current_password": STRONG_PASSWORD}
    )

    assert response.status == 202
    assert mailbox.to("camille.new@example.fr")[-1].subject == "Confirmez votre nouvelle adresse email"
    notice = mailbox.to(EMAIL)[-1]
    assert notice.subject == "Changement d'adresse email demandé"
    assert "camille.new@example.fr" in notice.text
    assert log_in(api, EMAIL).status == 200  # nothing changed yet

    token = mailbox.last_link("camille.new@example.fr", "/email/confirmation")
    confirmed = api.post("/me/email/confirm", {"token": token})

    assert confirmed.status == 200
    assert "camille.new@example.fr" in confirmed.json()["message"]
    assert log_in(api, "camille.new@example.fr").status == 200
    assert log_in(api, EMAIL).status == 401
    assert me.call("GET", "/me").json()["email"] == "camille.new@example.fr"
    assert api.post("/me/email/confirm", {"token": token}).status == 400  # single use


def test_an_address_already_taken_gets_the_same_answer_and_only_a_notice(api: Api, me: Me, mailbox: Mailbox) -> None:
    activated_account(api, mailbox, "taken@example.fr")

    response = me.call("POST", "/me/email", {"new_email": "taken@example.fr", "current_password": STRONG_PASSWORD})

    assert response.status == 202
    assert mailbox.to("taken@example.fr")[-1].subject == "Cette adresse est déjà utilisée"
    assert "token=" not in mailbox.to("taken@example.fr")[-1].text


def test_an_email_change_link_expires_after_24_hours(api: Api, me: Me, mailbox: Mailbox, clock: FrozenClock) -> None:
    me.call("POST", "/me/email", {"new_email": "new@example.fr", "current_password": STRONG_PASSWORD})
    clock.advance(24 * 3600)

    assert (
        api.post("/me/email/confirm", {"token": mailbox.last_link("new@example.fr", "/email/confirmation")}).status
        == 400
    )
    assert log_in(api, EMAIL).status == 200


def test_the_email_change_needs_the_current_password(me: Me, mailbox: Mailbox) -> None:
    response = me.call("POST", "/me/email", {"new_email": "new@example.fr", "current_password": "Mauvais#1"})

    assert response.status == 422
    assert mailbox.to("new@example.fr") == []


# -- contracts and sessions ------------------------------------------------------------------


def test_unlinking_a_contract(me: Me) -> None:
    me.call("POST", "/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"})

    assert me.call("DELETE", "/me/contracts/11301.11377.02").status == 204
    assert [c["number"] for c in me.call("GET", "/contracts").json()["contracts"]] == ["11301.11377.01"]
    assert me.call("GET", "/contracts/11301.11377.02/dashboard").status == 404
    assert me.call("DELETE", "/me/contracts/11301.11377.02").status == 404


def test_listing_and_ending_sessions(api: Api, me: Me) -> None:
    other = Me(api, session_cookie_of(log_in(api, EMAIL)))

    sessions = me.call("GET", "/me/sessions").json()["sessions"]

    assert len(sessions) == 2
    assert [s["current"] for s in sessions].count(True) == 1
    assert all(set(s) == {"id", "created_at", "last_seen_at", "remember_me", "user_agent", "current"} for s in sessions)
    secret = other.cookie.split(".", 1)[1]
    assert secret not in str(sessions)
    other_id = next(s["id"] for s in sessions if not s["current"])

    assert me.call("DELETE", f"/me/sessions/{other_id}").status == 204
    assert other.call("GET", "/me").status == 401
    assert me.call("DELETE", f"/me/sessions/{other_id}").status == 404


def test_one_account_cannot_end_another_accounts_session(api: Api, me: Me, mailbox: Mailbox) -> None:
    activated_account(api, mailbox, "autre@example.fr")
    other = Me(api, session_cookie_of(log_in(api, "autre@example.fr")))
    other_id = other.call("GET", "/me/sessions").json()["sessions"][0]["id"]

    assert me.call("DELETE", f"/me/sessions/{other_id}").status == 404
    assert other.call("GET", "/me").status == 200


# -- RGPD ------------------------------------------------------------------------------------


def test_the_export_holds_everything_about_the_account_and_no_secret(api: Api, me: Me) -> None:
    me.call("POST", "/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"})
    me.call("PUT", "/contracts/11301.11377.01/consumption-alerts", {"daily_litres": 450})
    me.call(
        "POST",
        "/contact-messages",
        {"name": "Camille", "email": EMAIL, "subject": "autre", "message": "Bonjour"},
    )

    response = me.call("GET", "/me/export")

    assert response.status == 200
    assert response.header("Cache-Control") == "no-store"
    export = response.json()
    assert export["account"]["email"] == EMAIL
    assert export["account"]["status"] == "active"
    assert [c["number"] for c in export["contracts"]] == ["11301.11377.01", "11301.11377.02"]
    thresholds = [c["consumption_alerts"] for c in export["contracts"]]
    assert thresholds[0] | {"daily_litres": 450, "monthly_m3": None} == thresholds[0]
    assert thresholds[1] is None
    assert len(export["sessions"]) == 1
    assert [r["kind"] for r in export["requests"]] == ["contact_message"]
    text = str(export)
    assert "argon2" not in text
    assert me.cookie.split(".", 1)[1] not in text
    assert "digest" not in text


def test_deleting_the_account_erases_it_and_keeps_requests_detached(api: Api, me: Me, mailbox: Mailbox) -> None:
    me.call("POST", "/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"})
    me.call("PUT", "/contracts/11301.11377.01/consumption-alerts", {"daily_litres": 450})
    me.call("POST", "/contact-messages", {"name": "C", "email": EMAIL, "subject": "autre", "message": "Bonjour"})

    refused = me.call("DELETE", "/me", {"current_password": "Mauvais#1"})
    assert refused.status == 422
    response = me.call("DELETE", "/me", {"current_password": STRONG_PASSWORD})

    assert response.status == 204
    assert "Max-Age=0" in response.headers["Set-Cookie"][0]
    assert scan("AccountsTable") == []
    assert scan("LinksTable") == []
    assert scan("SessionsTable") == []
    assert scan("TokensTable") == []
    assert [i for i in scan("BillingTable") if i["sk"]["S"].startswith("ALERTS#")] == []  # its thresholds
    [kept] = scan("RequestsTable")
    assert "account_id" not in kept
    assert mailbox.to(EMAIL)[-1].subject == "Votre espace abonné a été supprimé"
    assert me.call("GET", "/me").status == 401
    assert log_in(api, EMAIL).status == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/me/sessions"), ("GET", "/me/export"), ("DELETE", "/me/contracts/11301.11377.01")],
)
def test_mon_compte_needs_a_session(api: Api, method: str, path: str) -> None:
    assert api.request(method, path).status == 401
