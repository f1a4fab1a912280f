"""The findings of the outside security review (issue 12), each tried again the way the reviewers
did: every test reproduces an attack and checks that it now fails to break in."""

import json
from typing import Any

import boto3
import pytest

from local_mode.backend import DEMO_EXPORT, import_export
from local_mode.events import proxy_event
from tests.accounts import activate, activated_account, log_in, session_cookie_of
from tests.aws_calls import AwsCallRecorder
from tests.conftest import OTHER_PASSWORD, STRONG_PASSWORD, Api, ApiResponse, FrozenClock, Mailbox

VICTIM = "victime@example.fr"
ATTACKER = "attaquant@example.fr"
ATTACKER_PASSWORD = "Attaquant#42"
VICTIM_PASSWORD = "Victime#2026ok"


class Browser:
    """One person's cookie jar."""

    def __init__(self, api: Api, cookie: str) -> None:
        self.api = api
        self.cookie = cookie

    def call(self, method: str, path: str, body: Any = None) -> ApiResponse:
        return self.api.request(method, path, body, headers={"Cookie": self.cookie})


def signed_in(api: Api, email: str, password: str = STRONG_PASSWORD) -> Browser:
    return Browser(api, session_cookie_of(log_in(api, email, password)))


def sign_up(api: Api, email: str, password: str) -> ApiResponse:
    return api.post("/accounts", {"email": email, "password": password, "password_confirmation": password})


def reset_password(api: Api, mailbox: Mailbox, email: str, new_password: str) -> None:
    api.post("/password-resets", {"email": email})
    token = mailbox.last_link(email, "/mot-de-passe/reinitialisation")
    confirmed = api.post(
        "/password-resets/confirm", {"token": token, "password": new_password, "password_confirmation": new_password}
    )
    assert confirmed.status == 200


def account_emails() -> set[str]:
    return {item["email"]["S"] for item in boto3.client("dynamodb").scan(TableName="AccountsTable")["Items"]}


# -- High 1: a pending email-change link survived a reset and a password change ------------------


@pytest.fixture
def hijacked_session(api: Api, mailbox: Mailbox) -> tuple[Browser, str]:
    """The attacker holds the victim's session and password, and asks to move the account to
    their own address: the link is in the attacker's mailbox."""
    activated_account(api, mailbox, VICTIM)
    attacker = signed_in(api, VICTIM)
    asked = attacker.call("POST", "/me/email", {"new_email": ATTACKER, "current_password": STRONG_PASSWORD})
    assert asked.status == 202
    return attacker, mailbox.last_link(ATTACKER, "/email/confirmation")


def test_h1_a_password_reset_kills_the_pending_email_change_link(
    api: Api, mailbox: Mailbox, hijacked_session: tuple[Browser, str]
) -> None:
    _, link = hijacked_session
    reset_password(api, mailbox, VICTIM, VICTIM_PASSWORD)

    used = api.post("/me/email/confirm", {"token": link})

    assert used.status == 400
    assert account_emails() == {VICTIM}
    assert log_in(api, VICTIM, VICTIM_PASSWORD).status == 200


def test_h1_a_password_change_kills_the_pending_email_change_link(
    api: Api, mailbox: Mailbox, hijacked_session: tuple[Browser, str]
) -> None:
    _, link = hijacked_session
    victim = signed_in(api, VICTIM)
    changed = victim.call(
        "POST",
        "/me/password",
        {"current_password": STRONG_PASSWORD, "new_password": VICTIM_PASSWORD,
         "new_password_confirmation": VICTIM_PASSWORD},
    )  # fmt: skip
    assert changed.status == 200

    assert api.post("/me/email/confirm", {"token": link}).status == 400
    assert account_emails() == {VICTIM}


@pytest.mark.parametrize("new_address", ["free", "taken", "over its hourly emails"])
def test_h1_a_new_change_request_kills_the_earlier_link(
    api: Api, mailbox: Mailbox, hijacked_session: tuple[Browser, str], new_address: str
) -> None:
    """Whatever the new request's address: one that has an account, or a mailbox that has had its
    five emails this hour, gets no new link — the earlier one must die all the same."""
    attacker, link = hijacked_session
    other = "autre@example.fr"
    if new_address == "taken":
        activated_account(api, mailbox, other)
    elif new_address == "over its hourly emails":
        sign_up(api, other, STRONG_PASSWORD)
        for _ in range(4):
            api.post("/accounts/activation/resend", {"email": other})
        assert len(mailbox.to(other)) == 5
    asked = attacker.call("POST", "/me/email", {"new_email": other, "current_password": STRONG_PASSWORD})
    assert asked.status == 202

    assert api.post("/me/email/confirm", {"token": link}).status == 400
    assert VICTIM in account_emails()
    assert ATTACKER not in account_emails()


def test_h1_an_older_request_still_queued_issues_no_link_after_a_newer_one(
    api: Api, mailbox: Mailbox, hijacked_session: tuple[Browser, str]
) -> None:
    """Two requests answered before the worker ran: the older one's task must not issue a link
    that the newer one (to a taken address: no link of its own) would leave alive."""
    attacker, _ = hijacked_session
    taken = "autre@example.fr"
    activated_account(api, mailbox, taken)
    function, resource, _ = api.function_for("POST", "/me/email")
    for new_email in ("seconde@example.fr", taken):
        event = proxy_event(
            "POST",
            "/me/email",
            resource=resource,
            body={"new_email": new_email, "current_password": STRONG_PASSWORD},
            headers={**api.default_headers, "Cookie": attacker.cookie},
        )
        assert api.call(function, event)["statusCode"] == 202

    api.run_queued_work()

    assert mailbox.to("seconde@example.fr") == []


def test_an_address_whose_sign_up_expired_is_free_for_an_email_change(
    api: Api, mailbox: Mailbox, clock: FrozenClock
) -> None:
    """A sign-up never activated is gone after 7 days, though DynamoDB's TTL deletes it later."""
    sign_up(api, "abandon@example.fr", STRONG_PASSWORD)
    clock.advance(7 * 24 * 3600 + 1)
    activated_account(api, mailbox, VICTIM)
    victim = signed_in(api, VICTIM)

    asked = victim.call("POST", "/me/email", {"new_email": "abandon@example.fr", "current_password": STRONG_PASSWORD})
    confirmed = api.post("/me/email/confirm", {"token": mailbox.last_link("abandon@example.fr", "/email/confirmation")})

    assert (asked.status, confirmed.status) == (202, 200)
    assert account_emails() == {"abandon@example.fr"}


def test_h1_deleting_the_account_kills_the_link(
    api: Api, mailbox: Mailbox, hijacked_session: tuple[Browser, str]
) -> None:
    _, link = hijacked_session
    victim = signed_in(api, VICTIM)
    assert victim.call("DELETE", "/me", {"current_password": STRONG_PASSWORD}).status == 204

    assert api.post("/me/email/confirm", {"token": link}).status == 400
    assert account_emails() == set()
    assert boto3.client("dynamodb").scan(TableName="TokensTable")["Items"] == []


def test_h1_a_completed_change_tells_the_old_address(
    api: Api, mailbox: Mailbox, hijacked_session: tuple[Browser, str]
) -> None:
    _, link = hijacked_session

    assert api.post("/me/email/confirm", {"token": link}).status == 200

    notice = mailbox.to(VICTIM)[-1]
    assert notice.subject == "L'adresse email de votre espace abonné a été modifiée"
    assert ATTACKER in notice.text
    assert "04 13 57 39 00" in notice.text  # whom to call to report a change they did not make


# -- High 2: a contract stayed readable after it changed payer ---------------------------------


def export_with_new_payer(number: str) -> list[str]:
    records = [json.loads(line) for line in DEMO_EXPORT.read_text(encoding="utf-8").splitlines()]
    records.insert(1, {"type": "payer", "payer_id": "R-999999", "name": "Nouvel occupant"})
    for record in records:
        if record.get("number") == number:
            record["payer_id"] = "R-999999"
            record["holder"] = "Nouvel occupant"
    return [json.dumps(record, ensure_ascii=False) for record in records]


@pytest.mark.usefixtures("demo_billing")
def test_h2_the_former_payer_loses_a_contract_that_changed_payer_and_is_told(
    api: Api, mailbox: Mailbox, template: Any
) -> None:
    activated_account(api, mailbox, "camille@example.fr")
    camille = signed_in(api, "camille@example.fr")
    camille.call("POST", "/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"})
    assert camille.call("GET", "/contracts/11301.11377.02/dashboard").status == 200

    report = import_export(template, export_with_new_payer("11301.11377.02"))
    api.run_queued_work()

    assert (report.contracts, report.links_ended) == (3, 1)
    gone = camille.call("GET", "/contracts/11301.11377.02/dashboard")
    assert (gone.status, gone.json()["code"]) == (404, "contract_not_found")
    assert "Nouvel occupant" not in gone.body
    assert [c["number"] for c in camille.call("GET", "/contracts").json()["contracts"]] == ["11301.11377.01"]
    assert camille.call("GET", "/contracts/11301.11377.01/dashboard").status == 200
    notice = mailbox.to("camille@example.fr")[-1]
    assert notice.subject == "Un contrat n'est plus accessible depuis votre espace abonné"
    assert "11301.11377.02" in notice.text


@pytest.mark.usefixtures("demo_billing")
def test_h2_a_link_left_behind_still_reads_nothing_of_the_new_payer(api: Api, mailbox: Mailbox, template: Any) -> None:
    activated_account(api, mailbox, "camille@example.fr")
    camille = signed_in(api, "camille@example.fr")
    camille.call("POST", "/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"})
    links = boto3.client("dynamodb").scan(TableName="LinksTable")["Items"]
    import_export(template, export_with_new_payer("11301.11377.02"))
    # Stands in for an import that failed to end the link: it is written back as it was.
    for item in links:
        boto3.client("dynamodb").put_item(TableName="LinksTable", Item=item)

    response = camille.call("GET", "/contracts/11301.11377.02/dashboard")

    assert response.status == 404  # the read compares the link's payer with the contract's
    assert "Nouvel occupant" not in response.body


# -- Medium 3: pre-account hijacking through resend, forgot-password and the email cap ---------


def victim_takes_the_account_back(api: Api, mailbox: Mailbox) -> None:
    """The victim opens the newest link in their mailbox. They do not know the password it was
    sent with, so they choose their own — and only then is the account active."""
    link = mailbox.last_link(VICTIM, "/activation")
    refused = activate(api, link, VICTIM_PASSWORD)
    assert [e["code"] for e in refused.json()["errors"]] == ["activation_password_mismatch"]
    assert activate(api, link, VICTIM_PASSWORD, VICTIM_PASSWORD).status == 200
    assert log_in(api, VICTIM, VICTIM_PASSWORD).status == 200
    assert log_in(api, VICTIM, ATTACKER_PASSWORD).status == 401


def test_m3_a_sign_up_and_resends_before_the_victim_never_activate_the_attackers_password(
    api: Api, mailbox: Mailbox, clock: FrozenClock
) -> None:
    sign_up(api, VICTIM, ATTACKER_PASSWORD)
    for _ in range(2):
        clock.advance(120)
        api.post("/accounts/activation/resend", {"email": VICTIM})  # fresh links, the attacker's password

    victim_takes_the_account_back(api, mailbox)


def test_m3_a_sign_up_after_the_victims_does_not_slip_the_attackers_password_in(
    api: Api, mailbox: Mailbox, clock: FrozenClock
) -> None:
    sign_up(api, VICTIM, VICTIM_PASSWORD)
    clock.advance(120)
    sign_up(api, VICTIM, ATTACKER_PASSWORD)  # the newest link now carries the attacker's password

    victim_takes_the_account_back(api, mailbox)


def test_m3_forgot_password_on_an_attacker_made_pending_account(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    sign_up(api, VICTIM, ATTACKER_PASSWORD)
    clock.advance(120)
    api.post("/password-resets", {"email": VICTIM})  # the victim, or the attacker, asks

    assert mailbox.to(VICTIM)[-1].subject == "Activez votre espace abonné"
    victim_takes_the_account_back(api, mailbox)


def test_m3_the_email_cap_leaves_the_victim_only_attacker_made_links_and_still_no_takeover(
    api: Api, mailbox: Mailbox, clock: FrozenClock
) -> None:
    sign_up(api, VICTIM, ATTACKER_PASSWORD)
    for _ in range(6):
        clock.advance(61)
        api.post("/accounts/activation/resend", {"email": VICTIM})
    sent = len(mailbox.to(VICTIM))
    clock.advance(61)
    sign_up(api, VICTIM, VICTIM_PASSWORD)  # over the cap: nothing is sent, nothing changes

    assert sent == len(mailbox.to(VICTIM)) == 5
    victim_takes_the_account_back(api, mailbox)


# -- Medium 4 and 5: the same AWS calls whatever the address -----------------------------------


@pytest.fixture
def recorded(api: Api, monkeypatch: pytest.MonkeyPatch) -> AwsCallRecorder:
    from espace_abonne.core import aws

    recorder = AwsCallRecorder()
    for client in (aws.dynamodb(), aws.ses(), aws.sqs()):
        recorder.attach(client)
    real_call = type(api).call

    def recording_call(self: Api, function: str, event: dict[str, Any]) -> dict[str, Any]:
        recorder.function = function
        try:
            return real_call(self, function, event)
        finally:
            recorder.function = None

    monkeypatch.setattr(type(api), "call", recording_call)
    return recorder


def calls_of(recorder: AwsCallRecorder, function: str, since: int) -> list[tuple[str, str]]:
    return [(service, operation) for f, service, operation in recorder.calls[since:] if f == function]


ADDRESSES = {"unknown": "inconnu@example.fr", "pending": "attente@example.fr", "active": "actif@example.fr"}


def prepare_addresses(api: Api, mailbox: Mailbox) -> None:
    activated_account(api, mailbox, ADDRESSES["active"])
    sign_up(api, ADDRESSES["pending"], STRONG_PASSWORD)


@pytest.mark.parametrize(
    ("route", "body_for"),
    [
        (
            "/accounts",
            lambda email: {"email": email, "password": OTHER_PASSWORD, "password_confirmation": OTHER_PASSWORD},
        ),
        ("/accounts/activation/resend", lambda email: {"email": email}),
        ("/password-resets", lambda email: {"email": email}),
    ],
)
def test_m4_the_routes_make_the_same_aws_calls_in_the_same_order_whatever_the_address(
    api: Api, mailbox: Mailbox, clock: FrozenClock, recorded: AwsCallRecorder, route: str, body_for: Any
) -> None:
    prepare_addresses(api, mailbox)
    clock.advance(120)
    function = api.function_for("POST", route)[0]
    answers, calls = {}, {}
    for state, email in ADDRESSES.items():
        since = len(recorded.calls)
        answers[state] = api.post(route, body_for(email))
        calls[state] = calls_of(recorded, function, since)

    assert {(a.status, a.body) for a in answers.values()} == {(202, answers["unknown"].body)}
    assert calls["unknown"] == calls["pending"] == calls["active"]
    assert calls["unknown"][-1] == ("sqs", "SendMessage")  # what differs is done after the answer


def test_m4_m5_an_email_change_makes_the_same_calls_and_sends_the_same_notice_whatever_the_new_address(
    api: Api, mailbox: Mailbox, clock: FrozenClock, recorded: AwsCallRecorder
) -> None:
    prepare_addresses(api, mailbox)
    activated_account(api, mailbox, "camille@example.fr")
    camille = signed_in(api, "camille@example.fr")
    function = api.function_for("POST", "/me/email")[0]
    answers, calls, notices = {}, {}, {}
    for state, email in ADDRESSES.items():
        clock.advance(61)
        since = len(recorded.calls)
        answers[state] = camille.call("POST", "/me/email", {"new_email": email, "current_password": STRONG_PASSWORD})
        calls[state] = calls_of(recorded, function, since)
        notices[state] = mailbox.to("camille@example.fr")[-1]

    assert {(a.status, a.body) for a in answers.values()} == {(202, answers["unknown"].body)}
    assert calls["unknown"] == calls["pending"] == calls["active"]
    assert {n.subject for n in notices.values()} == {"Changement d'adresse email demandé"}
    assert {n.text.replace(ADDRESSES[s], "<adresse>") for s, n in notices.items()} == {
        notices["unknown"].text.replace(ADDRESSES["unknown"], "<adresse>")
    }
    # Only the owners of the new addresses learn whether they were free.
    assert mailbox.to(ADDRESSES["unknown"])[-1].subject == "Confirmez votre nouvelle adresse email"
    assert mailbox.to(ADDRESSES["active"])[-1].subject == "Cette adresse est déjà utilisée"


# -- Low 7: client input that reached a 5xx ----------------------------------------------------


def test_l7_a_login_email_of_five_thousand_characters_is_an_ordinary_401(api: Api) -> None:
    response = log_in(api, "a" * 5000 + "@example.fr")

    assert response.status == 401
    assert response.json()["code"] == "invalid_credentials"


@pytest.mark.parametrize("route", ["/accounts", "/sessions", "/accounts/activation/resend"])
def test_l7_a_json_integer_of_thousands_of_digits_is_a_400(api: Api, route: str) -> None:
    function, resource, _ = api.function_for("POST", route)
    body = '{"email": "a@example.fr", "remember_me": ' + "9" * 5000 + "}"
    event = proxy_event("POST", route, resource=resource, body=body, headers={"Content-Type": "application/json"})

    response = api.invoke(function, event)

    assert response.status == 400
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize("route", ["/accounts", "/accounts/activation/resend", "/password-resets"])
def test_l7_an_address_ses_cannot_send_to_is_refused_before_anything_is_stored(
    api: Api, mailbox: Mailbox, route: str
) -> None:
    body = {"email": "hélène@example.fr"}
    if route == "/accounts":
        body |= {"password": STRONG_PASSWORD, "password_confirmation": STRONG_PASSWORD}

    response = api.post(route, body)

    assert response.status == 422
    assert response.json()["errors"][0]["code"] == "email_unsupported"
    assert account_emails() == set()
    assert mailbox.all() == []


_BODIES: dict[str, dict[str, str]] = {
    "/sessions": {"email": VICTIM, "password": STRONG_PASSWORD},
    "/me/password": {
        "current_password": STRONG_PASSWORD,
        "new_password": OTHER_PASSWORD,
        "new_password_confirmation": OTHER_PASSWORD,
    },
    "/me/email": {"new_email": "nouvelle@example.fr", "current_password": STRONG_PASSWORD},
    "/me": {"current_password": STRONG_PASSWORD},
}


@pytest.mark.parametrize(
    ("method", "route", "field"),
    [
        ("POST", "/sessions", "password"),
        ("POST", "/sessions", "email"),
        ("POST", "/me/password", "current_password"),
        ("POST", "/me/password", "new_password"),
        ("POST", "/me/email", "current_password"),
        ("DELETE", "/me", "current_password"),
    ],
)
def test_l7_a_lone_surrogate_is_malformed_json_not_a_server_error(
    api: Api, mailbox: Mailbox, method: str, route: str, field: str
) -> None:
    """`"\\ud800"` is valid JSON syntax but no character: hashing or storing it used to fail with a 500."""
    activated_account(api, mailbox, VICTIM)
    victim = signed_in(api, VICTIM)
    body = dict(_BODIES[route])
    body[field] = body[field][:3] + "\ud800" + body[field][3:]

    response = victim.call(method, route, body)

    assert response.status == 400
    assert response.json()["code"] == "malformed_json"
    assert account_emails() == {VICTIM}
    assert victim.call("GET", "/me").status == 200
    assert log_in(api, VICTIM).status == 200


# -- Low 8: a second Cookie header skipped the Origin check ------------------------------------


def test_l8_every_cookie_header_counts_for_the_origin_check(api: Api, mailbox: Mailbox) -> None:
    activated_account(api, mailbox, VICTIM)
    cookie = session_cookie_of(log_in(api, VICTIM))
    function, resource, _ = api.function_for("DELETE", "/sessions/current")
    event = proxy_event(
        "DELETE",
        "/sessions/current",
        resource=resource,
        headers=[("Cookie", cookie), ("Cookie", "theme=sombre"), ("Origin", "https://evil.example")],
    )

    response = api.invoke(function, event)

    assert (response.status, response.json()["code"]) == (403, "forbidden_origin")
    assert api.request("GET", "/me", headers={"Cookie": cookie}).status == 200  # still logged in


# -- Low 9: a login landing in the middle of DELETE /me ----------------------------------------


def test_l9_a_login_between_the_end_of_the_sessions_and_the_end_of_the_account_does_not_survive(
    api: Api, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from espace_abonne.sessions.login import LoginService

    activated_account(api, mailbox, VICTIM)
    owner = signed_in(api, VICTIM)
    real_forget = LoginService.forget
    logins: list[ApiResponse] = []

    def forget_then_someone_logs_in(self: LoginService, account_id: str) -> None:
        real_forget(self, account_id)
        if not logins:  # the finding's interleaving: sessions ended, account not deleted yet
            logins.append(log_in(api, VICTIM, remember_me=True))

    monkeypatch.setattr(LoginService, "forget", forget_then_someone_logs_in)
    assert owner.call("DELETE", "/me", {"current_password": STRONG_PASSWORD}).status == 204

    [late] = logins
    assert late.status == 200  # the password was right and the account still there…
    assert api.request("GET", "/me", headers={"Cookie": session_cookie_of(late)}).status == 401  # …but it is over
    assert boto3.client("dynamodb").scan(TableName="SessionsTable")["Items"] == []


def test_l9_a_login_checked_while_the_account_is_deleted_opens_no_session(
    api: Api, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from espace_abonne.accounts.passwords import verify_password

    activated_account(api, mailbox, VICTIM)
    owner = signed_in(api, VICTIM)
    deleted: list[int] = []

    def verify_then_delete_meanwhile(password_hash: str, password: str) -> bool:
        valid = verify_password(password_hash, password)
        if not deleted:  # the owner's DELETE /me runs between the check and the session's creation
            deleted.append(0)
            deleted[0] = owner.call("DELETE", "/me", {"current_password": STRONG_PASSWORD}).status
        return valid

    monkeypatch.setattr("espace_abonne.sessions.login.verify_password", verify_then_delete_meanwhile)
    late_login = log_in(api, VICTIM, remember_me=True)

    assert deleted == [204]
    assert late_login.status == 401
    assert "Set-Cookie" not in late_login.headers
    assert boto3.client("dynamodb").scan(TableName="SessionsTable")["Items"] == []
    assert account_emails() == set()


# -- Low 11: the Régie's address relaying a stranger's words -----------------------------------


def test_l11_an_acknowledgement_quotes_nothing_the_requester_typed(
    api: Api, mailbox: Mailbox, clock: FrozenClock
) -> None:
    phishing = "Votre compte est suspendu, payez sur http://arnaque.example"
    api.post(
        "/subscription-requests",
        {"holder_name": phishing, "service_address": phishing, "move_in_date": "2026-12-01",
         "phone": "0612345678", "email": "cible@example.fr", "comment": phishing},
    )  # fmt: skip
    api.post(
        "/contact-messages",
        {"name": phishing, "email": "cible@example.fr", "subject": "autre", "message": "Bonjour " + phishing},
    )

    to_stranger = mailbox.to("cible@example.fr")
    assert len(to_stranger) == 2
    for email in to_stranger:
        assert "arnaque" not in email.text + email.html + email.subject
    to_regie = "".join(e.text for e in mailbox.to("contact@eauxdupaysdaix.fr"))
    assert to_regie.count("arnaque") >= 3  # the Régie's own copies carry everything


@pytest.mark.parametrize(
    "message",
    [
        "WWW.un.fr WWW.deux.fr WWW.trois.fr WWW.quatre.fr",
        "HTTP://a.fr HTTPS://b.fr Http://c.fr hTTps://d.fr",
        "www.a.fr http://b.fr https://c.fr www.d.fr",
    ],
)
def test_l11_more_than_three_links_are_refused_whatever_their_case(api: Api, mailbox: Mailbox, message: str) -> None:
    response = api.post(
        "/contact-messages", {"name": "Léa", "email": "lea@example.fr", "subject": "autre", "message": message}
    )

    assert response.status == 422
    assert response.json()["errors"][0]["code"] == "too_many_links"
    assert mailbox.all() == []


@pytest.mark.parametrize(
    "message",
    [
        "Bonjour, voir https://www.eauxdupaysdaix.fr et https://www.service-public.fr, merci.",
        "Écrivez-moi à jean@orange.fr ou marie@free.fr, voir www.eauxdupaysdaix.fr/factures.",
        "Trois liens : http://a.fr, www.b.fr et c.fr/page?x=1.",
    ],
)
def test_l11_a_message_with_three_links_or_fewer_is_taken(api: Api, mailbox: Mailbox, message: str) -> None:
    """Each link counts once (its scheme, www. and domain are one link), and an email address is none."""
    response = api.post(
        "/contact-messages", {"name": "Léa", "email": "lea@example.fr", "subject": "autre", "message": message}
    )

    assert response.status == 202
    assert message in mailbox.to("contact@eauxdupaysdaix.fr")[-1].text


# -- Info --------------------------------------------------------------------------------------


@pytest.mark.parametrize("invisible", ["\x00", "\u200b", "\ufeff", "\u00ad"])
def test_info_an_invisible_character_is_refused_not_counted_as_special(api: Api, invisible: str) -> None:
    password = f"Ecluse9{invisible}Torse"

    response = sign_up(api, "camille@example.fr", password)

    assert response.status == 422
    codes = {e["code"] for e in response.json()["errors"]}
    assert codes == {"password_missing_special", "password_invisible_character"}


def test_info_the_password_is_nfkc_normalised_before_it_is_checked_and_hashed(api: Api, mailbox: Mailbox) -> None:
    typed_on_a_phone = "Ｅｃｌｕｓｅ９！Ｔｏｒｓｅ"  # fullwidth forms: NFKC gives "Ecluse9!Torse"

    activated_account(api, mailbox, "camille@example.fr", typed_on_a_phone)

    assert log_in(api, "camille@example.fr", STRONG_PASSWORD).status == 200


def test_info_media_types_are_case_insensitive(api: Api) -> None:
    function, resource, _ = api.function_for("POST", "/accounts/activation/resend")
    event = proxy_event(
        "POST",
        "/accounts/activation/resend",
        resource=resource,
        body='{"email": "camille@example.fr"}',
        headers={"Content-Type": "APPLICATION/JSON; Charset=UTF-8"},
    )

    assert api.invoke(function, event).status == 202
