"""Log in, « Se souvenir de moi », /me and log out (PRODUCT.md §2 flow 3, §3 Sessions, Throttling)."""

import threading
from typing import Any

import boto3
import pytest

from tests.accounts import activated_account, log_in, session_cookie_of
from tests.conftest import STRONG_PASSWORD, Api, FrozenClock, Mailbox

EMAIL = "camille@example.fr"


@pytest.fixture
def account(api: Api, mailbox: Mailbox) -> str:
    activated_account(api, mailbox, EMAIL)
    return EMAIL


def me(api: Api, cookie: str | None) -> int:
    return api.request("GET", "/me", headers={"Cookie": cookie} if cookie else None).status


def sessions_in_table() -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName="SessionsTable")["Items"]


@pytest.mark.usefixtures("account")
def test_log_in_sets_a_host_only_secure_session_cookie(api: Api) -> None:
    response = log_in(api, "  Camille@Example.FR ")

    assert response.status == 200
    assert response.json() == {"email": EMAIL}
    [cookie] = response.headers["Set-Cookie"]
    name_value, *attributes = [part.strip() for part in cookie.split(";")]
    assert name_value.startswith("__Host-session=")
    assert {a.lower() for a in attributes} == {"secure", "httponly", "samesite=lax", "path=/"}
    assert response.header("Cache-Control") == "no-store"


@pytest.mark.usefixtures("account")
def test_remember_me_gives_a_30_day_cookie_and_session(api: Api, clock: FrozenClock) -> None:
    response = log_in(api, EMAIL, remember_me=True)

    [cookie] = response.headers["Set-Cookie"]
    assert "Max-Age=2592000" in cookie
    cookie_value = session_cookie_of(response)
    clock.advance(29 * 24 * 3600)  # no idle timeout either
    assert me(api, cookie_value) == 200
    clock.advance(24 * 3600)
    assert me(api, cookie_value) == 401


@pytest.mark.usefixtures("account")
def test_the_session_token_is_stored_only_hashed(api: Api) -> None:
    cookie = session_cookie_of(log_in(api, EMAIL))

    _account_id, secret = cookie.removeprefix("__Host-session=").split(".")
    assert len(secret) >= 43  # 256 bits
    assert secret not in str(sessions_in_table())


@pytest.mark.usefixtures("account")
def test_me_answers_with_the_account(api: Api) -> None:
    cookie = session_cookie_of(log_in(api, EMAIL))

    response = api.request("GET", "/me", headers={"Cookie": f"theme=dark; {cookie}"})

    assert response.status == 200
    assert response.json() == {"email": EMAIL, "contracts": []}
    assert response.header("Cache-Control") == "no-store"


@pytest.mark.parametrize(
    "cookie", [None, "__Host-session=", "__Host-session=forged-token", "__Host-session=a.b", "session=abc"]
)
def test_me_without_a_valid_session_is_401(api: Api, cookie: str | None) -> None:
    response = api.request("GET", "/me", headers={"Cookie": cookie} if cookie else None)

    assert response.status == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.usefixtures("account")
def test_without_remember_me_the_session_ends_after_30_idle_minutes(api: Api, clock: FrozenClock) -> None:
    response = log_in(api, EMAIL)
    cookie = session_cookie_of(response)
    assert "Max-Age" not in response.headers["Set-Cookie"][0]  # a browser-session cookie

    clock.advance(29 * 60)
    assert me(api, cookie) == 200  # and this request counts as activity
    clock.advance(29 * 60)
    assert me(api, cookie) == 200
    clock.advance(31 * 60)
    assert me(api, cookie) == 401


@pytest.mark.usefixtures("account")
def test_without_remember_me_the_session_ends_after_12_hours_even_when_active(api: Api, clock: FrozenClock) -> None:
    cookie = session_cookie_of(log_in(api, EMAIL))

    for _ in range(23):  # a request every 29 minutes: 11 h 07
        clock.advance(29 * 60)
        assert me(api, cookie) == 200
    clock.advance(53 * 60)  # 12 h
    assert me(api, cookie) == 401


@pytest.mark.usefixtures("account")
def test_log_out_ends_the_session_on_the_server_for_good(api: Api) -> None:
    cookie = session_cookie_of(log_in(api, EMAIL))

    response = api.request("DELETE", "/sessions/current", headers={"Cookie": cookie})

    assert response.status == 204
    [cleared] = response.headers["Set-Cookie"]
    assert cleared.startswith("__Host-session=;")
    assert "Max-Age=0" in cleared
    assert me(api, cookie) == 401  # replaying the old cookie does not work
    assert sessions_in_table() == []
    again = api.request("DELETE", "/sessions/current", headers={"Cookie": cookie})
    assert again.status == 401
    assert again.json()["code"] == "not_authenticated"


def test_log_out_without_a_session_is_401(api: Api) -> None:
    assert api.request("DELETE", "/sessions/current").status == 401


@pytest.mark.usefixtures("account")
def test_a_state_change_from_a_foreign_origin_with_the_cookie_is_403(api: Api) -> None:
    cookie = session_cookie_of(log_in(api, EMAIL))

    refused = api.request("DELETE", "/sessions/current", headers={"Cookie": cookie, "Origin": "https://evil.example"})
    assert refused.status == 403
    assert refused.json()["code"] == "forbidden_origin"
    assert me(api, cookie) == 200  # the session was not ended

    allowed = api.request(
        "DELETE", "/sessions/current", headers={"Cookie": cookie, "Origin": "https://monespace.eauxdupaysdaix.fr"}
    )
    assert allowed.status == 204


@pytest.mark.usefixtures("account")
def test_wrong_password_and_unknown_email_give_the_same_401(api: Api) -> None:
    wrong = log_in(api, EMAIL, "Mauvais#Passe1")
    unknown = log_in(api, "personne@example.fr", STRONG_PASSWORD)

    assert wrong.status == unknown.status == 401
    assert wrong.body == unknown.body
    assert wrong.json()["code"] == "invalid_credentials"
    assert "Set-Cookie" not in wrong.headers


def test_one_hash_computation_on_every_login_path(api: Api, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    activated_account(api, mailbox, EMAIL)
    api.post(
        "/accounts",
        {"email": "pending@example.fr", "password": STRONG_PASSWORD, "password_confirmation": STRONG_PASSWORD},
    )
    computations: list[str] = []
    for method in ("hash", "verify"):
        real = getattr(PasswordHasher, method)

        def counting(self: PasswordHasher, *args: object, _real: object = real, _name: str = method) -> object:
            computations.append(_name)
            return _real(self, *args)  # type: ignore[operator]

        monkeypatch.setattr(PasswordHasher, method, counting)

    for email, password in [
        ("personne@example.fr", STRONG_PASSWORD),  # unknown
        (EMAIL, "Mauvais#Passe1"),  # wrong password
        (EMAIL, STRONG_PASSWORD),  # right password
        ("pending@example.fr", STRONG_PASSWORD),  # not activated
    ]:
        computations.clear()
        log_in(api, email, password)
        assert computations == ["verify"], email


def test_not_activated_is_403_only_with_the_right_password(api: Api) -> None:
    api.post("/accounts", {"email": EMAIL, "password": STRONG_PASSWORD, "password_confirmation": STRONG_PASSWORD})

    right = log_in(api, EMAIL)
    wrong = log_in(api, EMAIL, "Mauvais#Passe1")

    assert right.status == 403
    assert right.json()["code"] == "account_not_activated"
    assert "Set-Cookie" not in right.headers
    assert wrong.status == 401


def test_a_hash_made_with_older_parameters_is_upgraded_at_login(api: Api, mailbox: Mailbox) -> None:
    from argon2 import PasswordHasher

    activated_account(api, mailbox, EMAIL)
    old_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(STRONG_PASSWORD)
    boto3.client("dynamodb").update_item(
        TableName="AccountsTable",
        Key={"email": {"S": EMAIL}},
        UpdateExpression="SET password_hash = :h",
        ExpressionAttributeValues={":h": {"S": old_hash}},
    )

    assert log_in(api, EMAIL).status == 200

    item = boto3.client("dynamodb").get_item(TableName="AccountsTable", Key={"email": {"S": EMAIL}})["Item"]
    assert item["password_hash"]["S"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert log_in(api, EMAIL).status == 200


@pytest.mark.parametrize("body", [{"email": EMAIL}, {"password": "x"}, {"email": EMAIL, "password": "x", "admin": 1}])
def test_a_login_body_with_missing_or_unknown_fields_is_422(api: Api, body: dict[str, object]) -> None:
    assert api.post("/sessions", body).status == 422


# -- throttling ------------------------------------------------------------------------------


@pytest.mark.usefixtures("account")
def test_five_failures_for_one_email_and_ip_then_429_even_with_the_right_password(api: Api, clock: FrozenClock) -> None:
    clock.current = 1_795_000_200  # 200 s into a 15-minute window
    for _ in range(5):
        assert log_in(api, EMAIL, "Mauvais#Passe1").status == 401

    blocked = log_in(api, EMAIL)
    assert blocked.status == 429
    assert blocked.json()["code"] == "too_many_attempts"
    assert blocked.header("Retry-After") == str(15 * 60 - (1_795_000_200 % 900))
    assert "Set-Cookie" not in blocked.headers

    # Another address (IP) is not blocked for this email…
    assert log_in(api, EMAIL, source_ip="203.0.113.9").status == 200
    # …and the block lifts when the window ends.
    clock.advance(int(blocked.header("Retry-After") or 0))
    assert log_in(api, EMAIL).status == 200


def test_unknown_emails_are_counted_the_same(api: Api) -> None:
    for _ in range(5):
        assert log_in(api, "personne@example.fr").status == 401
    assert log_in(api, "personne@example.fr").status == 429


@pytest.mark.usefixtures("account")
def test_successful_logins_do_not_count_as_failures(api: Api) -> None:
    for _ in range(8):
        assert log_in(api, EMAIL).status == 200


@pytest.mark.usefixtures("account")
def test_one_email_from_many_addresses_is_capped_at_100_failures_an_hour(api: Api, clock: FrozenClock) -> None:
    clock.current = 1_795_000_000 - 1_795_000_000 % 3600  # the start of an hour
    for attempt in range(100):
        assert log_in(api, EMAIL, "Mauvais#Passe1", source_ip=f"10.0.{attempt // 250}.{attempt % 250}").status == 401

    blocked = log_in(api, EMAIL, source_ip="192.0.2.1")
    assert blocked.status == 429
    assert blocked.header("Retry-After") == "3600"


def test_one_address_is_capped_at_50_failures_in_15_minutes(api: Api, clock: FrozenClock) -> None:
    clock.current = 1_795_000_000 - 1_795_000_000 % 900
    for attempt in range(50):
        assert log_in(api, f"victime{attempt}@example.fr", source_ip="203.0.113.66").status == 401

    assert log_in(api, "autre@example.fr", source_ip="203.0.113.66").status == 429
    assert log_in(api, "autre@example.fr", source_ip="203.0.113.67").status == 401


@pytest.mark.usefixtures("account")
def test_parallel_wrong_logins_never_pass_the_limit(api: Api, atomic_moto: None) -> None:
    statuses: list[int] = []
    start = threading.Barrier(12)

    def attempt() -> None:
        start.wait()
        statuses.append(log_in(api, EMAIL, "Mauvais#Passe1").status)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses.count(401) == 5
    assert statuses.count(429) == 7


@pytest.mark.usefixtures("account")
def test_a_login_checked_against_a_password_changed_meanwhile_opens_no_session(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from espace_abonne.accounts.passwords import verify_password

    def verify_then_reset_elsewhere(password_hash: str, password: str) -> bool:
        valid = verify_password(password_hash, password)
        boto3.client("dynamodb").update_item(  # a password reset commits at this very moment
            TableName="AccountsTable",
            Key={"email": {"S": EMAIL}},
            UpdateExpression="SET session_version = session_version + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        return valid

    monkeypatch.setattr("espace_abonne.sessions.login.verify_password", verify_then_reset_elsewhere)

    response = log_in(api, EMAIL)

    assert response.status == 401
    assert "Set-Cookie" not in response.headers
    assert sessions_in_table() == []


@pytest.mark.parametrize("email", ["", "   ", "pas-une-adresse", "a" * 300 + "@example.fr"])
def test_an_impossible_email_at_login_is_the_same_401(api: Api, email: str) -> None:
    """Found by the fuzzer: an empty email once reached DynamoDB as a key (a 503)."""
    response = log_in(api, email)

    assert response.status == 401
    assert response.json()["code"] == "invalid_credentials"
