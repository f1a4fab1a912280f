"""POST /accounts/activation (PRODUCT.md §2 flow 2, §3 "Activation proves both the mailbox and the password")."""

import threading
from typing import Any

import boto3
import pytest

from tests.accounts import activate, log_in
from tests.conftest import OTHER_PASSWORD, STRONG_PASSWORD, Api, FrozenClock, Mailbox

ACTIVATED = {"message": "Votre compte est activé. Bienvenue sur votre espace abonné."}


def signed_up(api: Api, mailbox: Mailbox, email: str = "camille@example.fr", password: str = STRONG_PASSWORD) -> str:
    api.post("/accounts", {"email": email, "password": password, "password_confirmation": password})
    return mailbox.last_link(email, "/activation")


def account(email: str = "camille@example.fr") -> dict[str, Any]:
    return dict(boto3.client("dynamodb").get_item(TableName="AccountsTable", Key={"email": {"S": email}})["Item"])


def account_status(email: str = "camille@example.fr") -> str:
    return str(account(email)["status"]["S"])


def test_the_link_and_the_sign_up_password_activate_the_account_and_log_in(api: Api, mailbox: Mailbox) -> None:
    token = signed_up(api, mailbox)
    assert account_status() == "pending"

    response = activate(api, token, STRONG_PASSWORD)

    assert response.status == 200
    assert response.json() == ACTIVATED
    assert account_status() == "active"
    [cookie] = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= {part.strip() for part in cookie.split(";")}
    assert "Max-Age" not in cookie  # a browser session, as without « Se souvenir de moi »
    me = api.request("GET", "/me", headers={"Cookie": cookie.split(";", 1)[0]})
    assert me.status == 200
    assert me.json()["email"] == "camille@example.fr"


def test_another_password_without_confirmation_activates_nothing(api: Api, mailbox: Mailbox) -> None:
    token = signed_up(api, mailbox)

    response = activate(api, token, OTHER_PASSWORD)

    assert response.status == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("password", "activation_password_mismatch")
    assert "Set-Cookie" not in response.headers
    assert account_status() == "pending"
    assert activate(api, token, STRONG_PASSWORD).status == 200  # the link still works


def test_whoever_holds_the_link_may_choose_a_new_password_instead(api: Api, mailbox: Mailbox) -> None:
    token = signed_up(api, mailbox)

    response = activate(api, token, OTHER_PASSWORD, OTHER_PASSWORD)

    assert response.status == 200
    assert "Set-Cookie" in response.headers
    assert log_in(api, "camille@example.fr", OTHER_PASSWORD).status == 200
    assert log_in(api, "camille@example.fr", STRONG_PASSWORD).status == 401


def test_a_chosen_password_follows_the_rules_and_its_confirmation(api: Api, mailbox: Mailbox) -> None:
    token = signed_up(api, mailbox)

    weak = activate(api, token, "azerty", "azerty")
    mismatch = activate(api, token, OTHER_PASSWORD, OTHER_PASSWORD + "x")

    assert weak.status == mismatch.status == 422
    assert "password_too_short" in {e["code"] for e in weak.json()["errors"]}
    assert [e["code"] for e in mismatch.json()["errors"]] == ["password_confirmation_mismatch"]
    assert account_status() == "pending"


def test_a_token_works_once(api: Api, mailbox: Mailbox) -> None:
    token = signed_up(api, mailbox)
    activate(api, token)

    again = activate(api, token)

    assert again.status == 400
    assert again.json()["code"] == "invalid_or_expired_token"
    assert again.json()["message"]


def test_two_concurrent_uses_of_one_token_one_wins(api: Api, mailbox: Mailbox, atomic_moto: None) -> None:
    token = signed_up(api, mailbox)
    statuses: list[int] = []
    start = threading.Barrier(2)

    def use(password: str, confirmation: str | None) -> None:
        start.wait()
        statuses.append(activate(api, token, password, confirmation).status)

    threads = [
        threading.Thread(target=use, args=(STRONG_PASSWORD, None)),
        threading.Thread(target=use, args=(OTHER_PASSWORD, OTHER_PASSWORD)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 400]
    sessions = boto3.client("dynamodb").scan(TableName="SessionsTable")["Items"]
    assert len(sessions) == 1  # only the winner is logged in


def test_the_link_expires_after_24_hours(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    token = signed_up(api, mailbox)
    clock.advance(24 * 3600)

    response = activate(api, token)

    assert response.status == 400
    assert response.json()["code"] == "invalid_or_expired_token"
    assert account_status() == "pending"


def test_the_link_still_works_just_before_24_hours(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    token = signed_up(api, mailbox)
    clock.advance(24 * 3600 - 1)

    assert activate(api, token).status == 200


def test_the_token_expiry_is_also_set_for_dynamodb_ttl(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    signed_up(api, mailbox)

    [item] = boto3.client("dynamodb").scan(TableName="TokensTable")["Items"]
    assert int(item["expires_at"]["N"]) == clock.now() + 24 * 3600


def test_a_pending_account_disappears_after_seven_days(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    signed_up(api, mailbox)
    assert int(account()["expires_at"]["N"]) == clock.now() + 7 * 24 * 3600  # DynamoDB TTL deletes it

    # The code does not wait for TTL: past 7 days, a fresh link cannot bring the account back…
    clock.advance(7 * 24 * 3600 - 600)
    api.post("/accounts/activation/resend", {"email": "camille@example.fr"})
    late_link = mailbox.last_link("camille@example.fr", "/activation")
    clock.advance(601)
    assert activate(api, late_link).status == 400
    assert log_in(api, "camille@example.fr").status == 401  # an expired pending account is unknown
    # …and the address is free again: a new sign-up starts a new account.
    api.post("/accounts", {"email": "camille@example.fr", "password": OTHER_PASSWORD,
                           "password_confirmation": OTHER_PASSWORD})  # fmt: skip
    assert activate(api, mailbox.last_link("camille@example.fr", "/activation"), OTHER_PASSWORD).status == 200
    assert "expires_at" not in account()  # an active account never expires


def test_an_unknown_token_is_refused(api: Api) -> None:
    response = activate(api, "x" * 43)

    assert response.status == 400
    assert response.json()["code"] == "invalid_or_expired_token"


@pytest.mark.parametrize("body", [{"token": 12, "password": STRONG_PASSWORD}, {"token": "x" * 43}])
def test_a_malformed_body_is_a_validation_error(api: Api, body: dict[str, Any]) -> None:
    response = api.post("/accounts/activation", body)

    assert response.status == 422
    assert response.json()["errors"][0]["field"] in {"token", "password"}


def test_opening_the_link_with_get_consumes_nothing(api: Api, mailbox: Mailbox) -> None:
    token = signed_up(api, mailbox)
    function, _, _ = api.function_for("POST", "/accounts/activation")
    from local_mode.events import proxy_event

    prefetch = api.invoke(function, proxy_event("GET", "/accounts/activation", query=f"token={token}"))

    assert prefetch.status == 404
    assert account_status() == "pending"
    assert activate(api, token).status == 200


def test_an_activated_account_cannot_be_activated_again_with_a_resent_link(api: Api, mailbox: Mailbox) -> None:
    token = signed_up(api, mailbox)
    activate(api, token)
    api.post("/accounts/activation/resend", {"email": "camille@example.fr"})

    assert mailbox.all()[-1].subject == "Vous avez déjà un espace abonné"
    assert account_status() == "active"
