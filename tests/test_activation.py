"""POST /accounts/activation (PRODUCT.md §2 flow 2, §3 Activation and reset links)."""

import threading

import boto3

from tests.conftest import STRONG_PASSWORD, Api, FrozenClock, Mailbox

ACTIVATED = {"message": "Votre compte est activé. Vous pouvez maintenant vous connecter."}


def signed_up(api: Api, mailbox: Mailbox, email: str = "camille@example.fr") -> str:
    api.post("/accounts", {"email": email, "password": STRONG_PASSWORD, "password_confirmation": STRONG_PASSWORD})
    return mailbox.last_link(email, "/activation")


def account_status(email: str = "camille@example.fr") -> str:
    item = boto3.client("dynamodb").get_item(TableName="AccountsTable", Key={"email": {"S": email}})["Item"]
    return item["status"]["S"]


def test_the_emailed_token_activates_the_account(api: Api, mailbox: Mailbox) -> None:
    token = signed_up(api, mailbox)
    assert account_status() == "pending"

    response = api.post("/accounts/activation", {"token": token})

    assert response.status == 200
    assert response.json() == ACTIVATED
    assert "votre compte est activé" in response.json()["message"].lower()
    assert account_status() == "active"


def test_a_token_works_once(api: Api, mailbox: Mailbox) -> None:
    token = signed_up(api, mailbox)
    api.post("/accounts/activation", {"token": token})

    again = api.post("/accounts/activation", {"token": token})

    assert again.status == 400
    assert again.json()["code"] == "invalid_or_expired_token"
    assert again.json()["message"]


def test_two_concurrent_uses_of_one_token_one_wins(api: Api, mailbox: Mailbox, atomic_moto: None) -> None:
    token = signed_up(api, mailbox)
    statuses: list[int] = []
    start = threading.Barrier(2)

    def use() -> None:
        start.wait()
        statuses.append(api.post("/accounts/activation", {"token": token}).status)

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 400]


def test_the_link_expires_after_24_hours(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    token = signed_up(api, mailbox)
    clock.advance(24 * 3600)

    response = api.post("/accounts/activation", {"token": token})

    assert response.status == 400
    assert response.json()["code"] == "invalid_or_expired_token"
    assert account_status() == "pending"


def test_the_link_still_works_just_before_24_hours(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    token = signed_up(api, mailbox)
    clock.advance(24 * 3600 - 1)

    assert api.post("/accounts/activation", {"token": token}).status == 200


def test_the_token_expiry_is_also_set_for_dynamodb_ttl(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    signed_up(api, mailbox)

    [item] = boto3.client("dynamodb").scan(TableName="TokensTable")["Items"]
    assert int(item["expires_at"]["N"]) == clock.now() + 24 * 3600


def test_an_unknown_token_is_refused(api: Api) -> None:
    response = api.post("/accounts/activation", {"token": "x" * 43})

    assert response.status == 400
    assert response.json()["code"] == "invalid_or_expired_token"


def test_a_token_that_is_not_a_string_is_a_validation_error(api: Api) -> None:
    response = api.post("/accounts/activation", {"token": 12})

    assert response.status == 422
    assert response.json()["errors"][0]["field"] == "token"


def test_opening_the_link_with_get_consumes_nothing(api: Api, mailbox: Mailbox) -> None:
    token = signed_up(api, mailbox)
    function, _, _ = api.function_for("POST", "/accounts/activation")
    from local_mode.events import proxy_event

    prefetch = api.invoke(function, proxy_event("GET", "/accounts/activation", query=f"token={token}"))

    assert prefetch.status == 404
    assert account_status() == "pending"
    assert api.post("/accounts/activation", {"token": token}).status == 200


def test_an_activated_account_cannot_be_activated_again_with_a_resent_link(api: Api, mailbox: Mailbox) -> None:
    token = signed_up(api, mailbox)
    api.post("/accounts/activation", {"token": token})
    api.post("/accounts/activation/resend", {"email": "camille@example.fr"})

    assert mailbox.all()[-1].subject == "Vous avez déjà un espace abonné"
    assert account_status() == "active"
