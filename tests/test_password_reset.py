"""« Mot de passe oublié » (PRODUCT.md §2 flow 4, §3 Activation and reset links, Sessions)."""

import threading

import boto3
import pytest

from tests.accounts import activated_account, log_in, session_cookie_of
from tests.conftest import FRONTEND_URL, STRONG_PASSWORD, Api, ApiResponse, FrozenClock, Mailbox

EMAIL = "camille@example.fr"
NEW_PASSWORD = "Nouveau#Mot2026"
RESET_PATH = "/mot-de-passe/reinitialisation"


@pytest.fixture
def account(api: Api, mailbox: Mailbox) -> str:
    activated_account(api, mailbox, EMAIL)
    return EMAIL


def request_reset(api: Api, email: str = EMAIL) -> int:
    return api.post("/password-resets", {"email": email}).status


def confirm(api: Api, token: str, password: str = NEW_PASSWORD, confirmation: str | None = None) -> ApiResponse:
    return api.post(
        "/password-resets/confirm",
        {"token": token, "password": password, "password_confirmation": confirmation or password},
    )


@pytest.mark.usefixtures("account")
def test_the_whole_reset_new_password_works_old_one_does_not(api: Api, mailbox: Mailbox) -> None:
    assert request_reset(api, " Camille@example.fr") == 202
    email = mailbox.to(EMAIL)[-1]
    assert email.subject == "Réinitialisation de votre mot de passe"
    assert f"{FRONTEND_URL}{RESET_PATH}#token=" in email.text

    response = api.post(
        "/password-resets/confirm",
        {
            "token": mailbox.last_link(EMAIL, RESET_PATH),
            "password": NEW_PASSWORD,
            "password_confirmation": NEW_PASSWORD,
        },
    )

    assert response.status == 200
    assert "modifié" in response.json()["message"]
    assert "Set-Cookie" not in response.headers  # no automatic login
    assert mailbox.to(EMAIL)[-1].subject == "Votre mot de passe a été modifié"
    assert log_in(api, EMAIL, NEW_PASSWORD).status == 200
    assert log_in(api, EMAIL, STRONG_PASSWORD).status == 401


@pytest.mark.usefixtures("account")
def test_a_reset_ends_every_session_of_the_account(api: Api, mailbox: Mailbox) -> None:
    first = session_cookie_of(log_in(api, EMAIL))
    second = session_cookie_of(log_in(api, EMAIL, remember_me=True))
    request_reset(api)

    confirm(api, mailbox.last_link(EMAIL, RESET_PATH))

    for cookie in (first, second):
        assert api.request("GET", "/me", headers={"Cookie": cookie}).status == 401
    assert boto3.client("dynamodb").scan(TableName="SessionsTable")["Items"] == []


def test_enumeration_safe_same_answer_whatever_the_address(api: Api, mailbox: Mailbox) -> None:
    activated_account(api, mailbox, "active@example.fr")
    api.post(
        "/accounts",
        {"email": "pending@example.fr", "password": STRONG_PASSWORD, "password_confirmation": STRONG_PASSWORD},
    )
    sent = len(mailbox.all())

    answers = [
        api.post("/password-resets", {"email": address})
        for address in ("unknown@example.fr", "pending@example.fr", "active@example.fr")
    ]

    assert {(a.status, a.body) for a in answers} == {(202, answers[0].body)}
    assert mailbox.to("unknown@example.fr") == []
    assert [(e.to, e.subject) for e in mailbox.all()[sent:]] == [
        ("pending@example.fr", "Activez votre espace abonné"),
        ("active@example.fr", "Réinitialisation de votre mot de passe"),
    ]


@pytest.mark.usefixtures("account")
def test_the_reset_link_expires_after_one_hour(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    request_reset(api)
    token = mailbox.last_link(EMAIL, RESET_PATH)
    clock.advance(3600)

    response = confirm(api, token)

    assert response.status == 400
    assert response.json()["code"] == "invalid_or_expired_token"
    assert log_in(api, EMAIL).status == 200


@pytest.mark.usefixtures("account")
def test_the_reset_link_works_just_before_one_hour(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    request_reset(api)
    clock.advance(3599)

    assert confirm(api, mailbox.last_link(EMAIL, RESET_PATH)).status == 200


@pytest.mark.usefixtures("account")
def test_a_reset_link_works_once(api: Api, mailbox: Mailbox) -> None:
    request_reset(api)
    token = mailbox.last_link(EMAIL, RESET_PATH)
    confirm(api, token)

    assert confirm(api, token, "Encore#Autre2026").status == 400
    assert log_in(api, EMAIL, NEW_PASSWORD).status == 200


@pytest.mark.usefixtures("account")
def test_only_the_newest_reset_link_works(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    request_reset(api)
    older = mailbox.last_link(EMAIL, RESET_PATH)
    clock.advance(60)
    request_reset(api)
    newer = mailbox.last_link(EMAIL, RESET_PATH)

    assert confirm(api, older).status == 400
    assert confirm(api, newer).status == 200


@pytest.mark.usefixtures("account")
def test_an_activation_token_cannot_reset_a_password(api: Api, mailbox: Mailbox) -> None:
    activation_token = mailbox.last_link(EMAIL, "/activation")

    assert confirm(api, activation_token).status == 400


@pytest.mark.usefixtures("account")
def test_two_concurrent_uses_of_one_reset_token_one_wins(api: Api, mailbox: Mailbox, atomic_moto: None) -> None:
    request_reset(api)
    token = mailbox.last_link(EMAIL, RESET_PATH)
    statuses: list[int] = []
    start = threading.Barrier(2)

    def use(password: str) -> None:
        start.wait()
        statuses.append(confirm(api, token, password).status)

    threads = [threading.Thread(target=use, args=(p,)) for p in (NEW_PASSWORD, "Autre#Secret2026")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 400]


@pytest.mark.usefixtures("account")
def test_the_new_password_passes_the_same_policy_and_the_link_stays_usable(api: Api, mailbox: Mailbox) -> None:
    request_reset(api)
    token = mailbox.last_link(EMAIL, RESET_PATH)

    weak = confirm(api, token, "Azerty123!")
    mismatch = confirm(api, token, NEW_PASSWORD, "Autre#Chose2026")

    assert weak.status == 422
    assert [e["code"] for e in weak.json()["errors"]] == ["password_too_common"]
    assert mismatch.json()["errors"][0]["code"] == "password_confirmation_mismatch"
    assert confirm(api, token).status == 200


@pytest.mark.usefixtures("account")
def test_reset_requests_share_the_five_emails_an_hour(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    clock.advance(3600)  # the sign-up email is out of the window
    for _ in range(7):
        clock.advance(30)
        assert request_reset(api) == 202
    resets = [e for e in mailbox.to(EMAIL) if e.subject == "Réinitialisation de votre mot de passe"]
    assert len(resets) == 5


@pytest.mark.usefixtures("account")
def test_a_completed_reset_clears_the_login_throttle_of_the_email(api: Api, mailbox: Mailbox) -> None:
    for _ in range(5):
        log_in(api, EMAIL, "Mauvais#Passe1")
    assert log_in(api, EMAIL).status == 429

    request_reset(api)
    confirm(api, mailbox.last_link(EMAIL, RESET_PATH))

    assert log_in(api, EMAIL, NEW_PASSWORD).status == 200


@pytest.mark.usefixtures("account")
def test_opening_the_reset_link_with_get_consumes_nothing(api: Api, mailbox: Mailbox) -> None:
    from local_mode.events import proxy_event

    request_reset(api)
    token = mailbox.last_link(EMAIL, RESET_PATH)
    function, _, _ = api.function_for("POST", "/password-resets/confirm")

    prefetch = api.invoke(function, proxy_event("GET", "/password-resets/confirm", query=f"token={token}"))

    assert prefetch.status == 404
    assert confirm(api, token).status == 200
