"""POST /accounts and POST /accounts/activation/resend (PRODUCT.md §2 flow 1, §3)."""

import threading
from typing import Any

import boto3
import pytest

from tests.accounts import activate
from tests.conftest import FRONTEND_URL, OTHER_PASSWORD, STRONG_PASSWORD, Api, FrozenClock, Mailbox

SIGNUP_MESSAGE = "Enregistrement effectué. Un email de confirmation vous a été envoyé."


def sign_up(
    api: Api,
    email: str,
    password: str = STRONG_PASSWORD,
    confirmation: str | None = None,
    source_ip: str = "198.51.100.7",
) -> Any:
    return api.post(
        "/accounts",
        {"email": email, "password": password, "password_confirmation": confirmation or password},
        source_ip=source_ip,
    )


def table_items(name: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=name)["Items"]


def test_sign_up_answers_the_tutorial_message_and_emails_an_activation_link(api: Api, mailbox: Mailbox) -> None:
    response = sign_up(api, "camille.martin@example.fr")

    assert response.status == 202
    assert response.json() == {"message": SIGNUP_MESSAGE}
    [email] = mailbox.all()
    assert email.to == "camille.martin@example.fr"
    assert email.subject == "Activez votre espace abonné"
    # In the fragment: browsers never send it, so no access log on the way keeps it.
    assert f"{FRONTEND_URL}/activation#token=" in email.text
    assert f"{FRONTEND_URL}/activation#token=" in email.html
    assert "Régie des Eaux du Pays d'Aix" in email.text
    assert "04 13 57 39 00" in email.text


def test_email_is_trimmed_and_lowercased_as_a_whole(api: Api, mailbox: Mailbox) -> None:
    sign_up(api, "  Camille.MARTIN@Example.FR ")
    sign_up(api, "camille.martin@example.fr", OTHER_PASSWORD)

    [account] = table_items("AccountsTable")
    assert account["email"]["S"] == "camille.martin@example.fr"
    assert [e.to for e in mailbox.all()] == ["camille.martin@example.fr"]


@pytest.mark.parametrize(
    ("email", "code"),
    [
        ("", "email_required"),
        ("pas-une-adresse", "email_invalid"),
        ("camille@", "email_invalid"),
        ("a" * 245 + "@example.fr", "email_too_long"),
        ("élodie@example.fr", "email_unsupported"),
    ],
)
def test_invalid_email_is_refused_with_its_code(api: Api, mailbox: Mailbox, email: str, code: str) -> None:
    response = sign_up(api, email)

    assert response.status == 422
    assert response.json()["code"] == "validation_error"
    assert {"field": "email", "code": code}.items() <= response.json()["errors"][0].items()
    assert mailbox.all() == []
    assert table_items("AccountsTable") == []


def test_every_failing_password_rule_is_reported_at_once(api: Api) -> None:
    response = sign_up(api, "camille@example.fr", "abc+", "abd")

    assert response.status == 422
    codes = [(e["field"], e["code"]) for e in response.json()["errors"]]
    assert codes == [
        ("password", "password_too_short"),
        ("password", "password_missing_digit"),
        ("password", "password_missing_uppercase"),
        ("password", "password_missing_special"),
        ("password", "password_forbidden_character"),
        ("password_confirmation", "password_confirmation_mismatch"),
    ]
    assert all(e["message"] for e in response.json()["errors"])
    assert table_items("AccountsTable") == []


def test_a_common_password_is_refused_even_when_it_passes_the_rule(api: Api) -> None:
    response = sign_up(api, "camille@example.fr", "Azerty123!")

    assert response.status == 422
    [error] = response.json()["errors"]
    assert error["code"] == "password_too_common"
    assert "courant" in error["message"]


def test_password_is_stored_as_argon2id_and_never_in_clear(api: Api) -> None:
    sign_up(api, "camille@example.fr")

    [account] = table_items("AccountsTable")
    assert account["password_hash"]["S"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    for table in ("AccountsTable", "TokensTable"):
        assert STRONG_PASSWORD not in str(table_items(table))


def test_only_a_hash_of_the_activation_token_is_stored(api: Api, mailbox: Mailbox) -> None:
    sign_up(api, "camille@example.fr")
    token = mailbox.last_link("camille@example.fr", "/activation")

    assert len(token) >= 43  # 256 bits, URL-safe base64
    stored = str(table_items("TokensTable")) + str(table_items("AccountsTable"))
    assert token not in stored


def test_enumeration_safe_same_answer_for_new_pending_and_active_addresses(
    api: Api, mailbox: Mailbox, clock: FrozenClock
) -> None:
    sign_up(api, "active@example.fr")
    activate(api, mailbox.last_link("active@example.fr", "/activation"))
    sign_up(api, "pending@example.fr")
    clock.advance(120)

    answers = [sign_up(api, address) for address in ("new@example.fr", "pending@example.fr", "active@example.fr")]

    assert {(a.status, a.body) for a in answers} == {(202, answers[0].body)}
    subjects = {e.to: e.subject for e in mailbox.all()[-3:]}
    assert subjects == {
        "new@example.fr": "Activez votre espace abonné",
        "pending@example.fr": "Activez votre espace abonné",
        "active@example.fr": "Vous avez déjà un espace abonné",
    }
    notice = mailbox.to("active@example.fr")[-1]
    assert f"{FRONTEND_URL}/connexion" in notice.text
    assert f"{FRONTEND_URL}/mot-de-passe/oublie" in notice.text
    assert "token=" not in notice.text


def test_one_password_hash_on_every_sign_up_path(
    api: Api, mailbox: Mailbox, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_up(api, "active@example.fr")
    activate(api, mailbox.last_link("active@example.fr", "/activation"))
    sign_up(api, "pending@example.fr")
    clock.advance(120)
    from espace_abonne.accounts.passwords import hash_password

    hashes: list[str] = []

    def counting_hash(password: str) -> str:
        hashes.append(password)
        return hash_password(password)

    monkeypatch.setattr("espace_abonne.accounts.signup.hash_password", counting_hash)

    for address in ("new@example.fr", "pending@example.fr", "active@example.fr"):
        before = len(hashes)
        sign_up(api, address)
        assert len(hashes) - before == 1, address


def test_resend_answers_the_same_for_unknown_pending_and_active(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    sign_up(api, "active@example.fr")
    activate(api, mailbox.last_link("active@example.fr", "/activation"))
    sign_up(api, "pending@example.fr")
    sent_before = len(mailbox.all())

    answers = [
        api.post("/accounts/activation/resend", {"email": address})
        for address in ("unknown@example.fr", "pending@example.fr", "active@example.fr")
    ]

    assert {(a.status, a.body) for a in answers} == {(202, answers[0].body)}
    assert [e.to for e in mailbox.all()[sent_before:]] == ["pending@example.fr", "active@example.fr"]
    assert mailbox.to("unknown@example.fr") == []


def test_resend_gives_a_fresh_link_and_the_earlier_one_stops_working(api: Api, mailbox: Mailbox) -> None:
    sign_up(api, "camille@example.fr")
    first = mailbox.last_link("camille@example.fr", "/activation")

    api.post("/accounts/activation/resend", {"email": "Camille@example.fr"})
    second = mailbox.last_link("camille@example.fr", "/activation")

    assert second != first
    assert activate(api, first).status == 400
    assert activate(api, second).status == 200


def test_at_most_five_emails_an_hour_per_address_then_202_and_silence(
    api: Api, mailbox: Mailbox, clock: FrozenClock
) -> None:
    sign_up(api, "camille@example.fr")
    for _ in range(6):
        clock.advance(60)
        response = api.post("/accounts/activation/resend", {"email": "camille@example.fr"})
        assert response.status == 202
    assert len(mailbox.to("camille@example.fr")) == 5
    last_sent = mailbox.last_link("camille@example.fr", "/activation")

    # The refused requests did not invalidate the last link the user received.
    clock.advance(60)
    sign_up(api, "camille@example.fr")
    assert len(mailbox.to("camille@example.fr")) == 5
    assert activate(api, last_sent).status == 200


def test_the_hourly_email_limit_slides_with_time(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    sign_up(api, "camille@example.fr")  # t=0
    for _ in range(4):
        clock.advance(600)
        api.post("/accounts/activation/resend", {"email": "camille@example.fr"})  # t=600..2400
    clock.advance(600)  # t=3000: five emails in the last hour
    api.post("/accounts/activation/resend", {"email": "camille@example.fr"})
    assert len(mailbox.to("camille@example.fr")) == 5

    clock.advance(601)  # t=3601: the first one is more than an hour old
    api.post("/accounts/activation/resend", {"email": "camille@example.fr"})
    assert len(mailbox.to("camille@example.fr")) == 6
    api.post("/accounts/activation/resend", {"email": "camille@example.fr"})
    assert len(mailbox.to("camille@example.fr")) == 6


def test_the_email_limit_covers_already_registered_notices(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    sign_up(api, "camille@example.fr")
    activate(api, mailbox.last_link("camille@example.fr", "/activation"))
    for _ in range(6):
        clock.advance(10)
        assert sign_up(api, "camille@example.fr").status == 202
    assert len(mailbox.to("camille@example.fr")) == 5


def test_a_repeated_sign_up_within_a_minute_sends_no_second_email(
    api: Api, mailbox: Mailbox, clock: FrozenClock
) -> None:
    sign_up(api, "camille@example.fr")
    link = mailbox.last_link("camille@example.fr", "/activation")
    clock.advance(5)
    sign_up(api, "camille@example.fr")

    assert len(mailbox.to("camille@example.fr")) == 1
    assert activate(api, link).status == 200


def test_concurrent_sign_ups_of_one_address_create_one_account_and_one_email(
    api: Api, mailbox: Mailbox, atomic_moto: None
) -> None:
    answers: list[int] = []
    start = threading.Barrier(20)

    def attempt() -> None:
        start.wait()
        answers.append(sign_up(api, "camille@example.fr").status)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [202] * 20
    assert len(table_items("AccountsTable")) == 1
    assert len(table_items("TokensTable")) == 1
    assert len(mailbox.to("camille@example.fr")) == 1


def test_an_internationalised_domain_is_sent_to_in_its_ascii_form(api: Api, mailbox: Mailbox) -> None:
    assert sign_up(api, "camille@exämple.fr").status == 202

    [email] = mailbox.all()
    assert email.to == "camille@xn--exmple-cua.fr"
    [account] = table_items("AccountsTable")
    assert account["email"]["S"] == "camille@exämple.fr"


def test_tagged_addresses_share_their_mailbox_s_five_emails_an_hour(api: Api, mailbox: Mailbox) -> None:
    for n in range(8):
        assert sign_up(api, f"bombed+{n}@example.fr").status == 202

    delivered = [e for e in mailbox.all() if e.to.startswith("bombed")]
    assert len(delivered) == 5


def test_one_source_ip_may_ask_for_thirty_emails_an_hour(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    clock.current = 1_795_003_200  # the start of an hour: the counter's window
    for n in range(30):
        assert sign_up(api, f"personne{n}@example.fr", source_ip="203.0.113.9").status == 202

    refused = [
        sign_up(api, "encore@example.fr", source_ip="203.0.113.9"),
        api.post("/accounts/activation/resend", {"email": "personne1@example.fr"}, source_ip="203.0.113.9"),
        api.post("/password-resets", {"email": "personne1@example.fr"}, source_ip="203.0.113.9"),
    ]

    for response in refused:
        assert response.status == 429
        assert response.json()["code"] == "too_many_requests"
        assert response.header("Retry-After") == "3600"
    assert mailbox.to("encore@example.fr") == []
    assert sign_up(api, "voisin@example.fr", source_ip="203.0.113.10").status == 202  # another address
    clock.advance(3600)
    assert sign_up(api, "encore@example.fr", source_ip="203.0.113.9").status == 202


def test_the_addresses_of_one_ipv6_line_share_the_per_ip_limit(api: Api, clock: FrozenClock) -> None:
    """An ISP gives a line a whole /64: a new address for each request must not mean a new limit."""
    clock.current = 1_795_003_200
    for n in range(30):
        assert sign_up(api, f"personne{n}@example.fr", source_ip=f"2001:db8:12:34::{n + 1:x}").status == 202

    another_address_of_the_line = sign_up(api, "encore@example.fr", source_ip="2001:db8:12:34:ffff:1:2:3")
    another_line = sign_up(api, "voisin@example.fr", source_ip="2001:db8:12:35::1")

    assert another_address_of_the_line.status == 429
    assert another_line.status == 202


def test_the_per_ip_limit_is_a_setting(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from espace_abonne.core.settings import get_settings

    monkeypatch.setenv("EMAIL_REQUESTS_PER_IP_PER_HOUR", "2")
    get_settings.cache_clear()
    try:
        statuses = [sign_up(api, f"p{n}@example.fr", source_ip="203.0.113.9").status for n in range(3)]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    assert statuses == [202, 202, 429]
