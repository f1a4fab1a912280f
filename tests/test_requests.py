"""« Effectuer une demande d'abonnement » and « Contacter la Régie » (issue 5)."""

from typing import Any

import boto3
import pytest

from tests.accounts import activated_account, log_in, session_cookie_of
from tests.conftest import Api, FrozenClock, Mailbox

REGIE = "contact@eauxdupaysdaix.fr"


def subscription(**changes: Any) -> dict[str, Any]:
    return {
        "holder_name": "Léa Durand",
        "service_address": "3 place des Prêcheurs, 13100 Aix-en-Provence",
        "move_in_date": "2026-12-01",
        "phone": "06 12 34 56 78",
        "email": "Lea.Durand@example.fr",
        "meter_index": 1234,
        "comment": "Compteur dans la cave.",
        **changes,
    }


def contact(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Léa Durand",
        "email": "lea.durand@example.fr",
        "subject": "facture",
        "contract_number": "11301.11377.01",
        "message": "Bonjour, je ne comprends pas ma dernière facture.",
        **changes,
    }


def stored() -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName="RequestsTable")["Items"]


def test_a_visitor_requests_a_subscription(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    response = api.post("/subscription-requests", subscription())

    assert response.status == 202
    reference = response.json()["reference"]
    assert reference.startswith("DA-")
    assert reference in response.json()["message"]
    [item] = stored()
    assert item["kind"]["S"] == "subscription_request"
    assert item["email"]["S"] == "lea.durand@example.fr"
    assert "account_id" not in item
    assert int(item["expires_at"]["N"]) == clock.now() + 5 * 365 * 24 * 3600
    to_regie, acknowledgement = mailbox.all()
    assert to_regie.to == REGIE
    assert reference in to_regie.subject
    assert "3 place des Prêcheurs" in to_regie.text
    assert "1234\u00a0m³" in to_regie.text
    assert acknowledgement.to == "lea.durand@example.fr"
    assert reference in acknowledgement.text


def test_a_logged_in_subscribers_request_is_attached_to_the_account(api: Api, mailbox: Mailbox) -> None:
    activated_account(api, mailbox, "lea@example.fr")
    cookie = session_cookie_of(log_in(api, "lea@example.fr"))

    api.request("POST", "/subscription-requests", subscription(), headers={"Cookie": cookie})

    [item] = stored()
    assert "account_id" in item


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"phone": "abcdefgh"}, "phone", "phone_invalid"),
        ({"email": "pas-une-adresse"}, "email", "email_invalid"),
        ({"move_in_date": "2031-01-01"}, "move_in_date", "move_in_date_out_of_range"),
        ({"move_in_date": "31/12/2026"}, "move_in_date", "invalid_date"),
        ({"meter_index": -1}, "meter_index", "too_small"),
        ({"holder_name": ""}, "holder_name", "too_short"),
    ],
)
@pytest.mark.usefixtures("mailbox")
def test_bad_subscription_requests_are_422_naming_the_field(
    api: Api, changes: dict[str, Any], field: str, code: str
) -> None:
    response = api.post("/subscription-requests", subscription(**changes))

    assert response.status == 422
    assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["code"]) == (field, code)
    assert stored() == []


def test_anyone_contacts_the_regie(api: Api, mailbox: Mailbox) -> None:
    response = api.post("/contact-messages", contact())

    assert response.status == 202
    reference = response.json()["reference"]
    assert reference.startswith("MC-")
    [item] = stored()
    assert item["subject"]["S"] == "facture"
    to_regie, acknowledgement = mailbox.all()
    assert (to_regie.to, acknowledgement.to) == (REGIE, "lea.durand@example.fr")
    assert "je ne comprends pas" in to_regie.text
    assert "11301.11377.01" in to_regie.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": "réclamation"}, "subject"),
        ({"contract_number": "123"}, "contract_number"),
        ({"message": "http://a http://b http://c https://d"}, "message"),
        ({"message": ""}, "message"),
    ],
)
@pytest.mark.usefixtures("mailbox")
def test_bad_contact_messages_are_422(api: Api, changes: dict[str, Any], field: str) -> None:
    response = api.post("/contact-messages", contact(**changes))

    assert response.status == 422
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("path", "body"), [("/contact-messages", contact()), ("/subscription-requests", subscription())]
)
def test_a_bot_filling_the_hidden_field_is_answered_but_nothing_is_kept(
    api: Api, mailbox: Mailbox, path: str, body: dict[str, Any]
) -> None:
    response = api.post(path, {**body, "website": "http://spam.example"})

    assert response.status == 202
    assert stored() == []
    assert mailbox.all() == []


@pytest.mark.usefixtures("mailbox")
def test_contact_is_throttled_per_address(api: Api, clock: FrozenClock) -> None:
    clock.current -= clock.current % 3600
    for n in range(5):
        assert api.post("/contact-messages", contact(), source_ip=f"203.0.113.{n}").status == 202
    refused = api.post("/contact-messages", contact(), source_ip="203.0.113.99")
    assert refused.status == 429
    assert refused.header("Retry-After") == "3600"


@pytest.mark.usefixtures("mailbox")
def test_contact_is_throttled_per_ip(api: Api, clock: FrozenClock) -> None:
    clock.current -= clock.current % 3600
    for n in range(20):
        assert api.post("/contact-messages", contact(email=f"p{n}@example.fr"), source_ip="203.0.113.5").status == 202
    assert api.post("/contact-messages", contact(email="x@example.fr"), source_ip="203.0.113.5").status == 429
    assert api.post("/subscription-requests", subscription(), source_ip="203.0.113.5").status == 429


def test_every_request_reaches_the_billing_systems_return_feed(api: Api, mailbox: Mailbox, clock: FrozenClock) -> None:
    """PRODUCT.md §7: subscription and contact requests are in the day's return feed, with their reference."""
    from espace_abonne.core.return_feed import ReturnFeed, paris_day

    clock.current = 1_795_000_000
    asked = api.post("/subscription-requests", subscription()).json()["reference"]
    written = api.post(
        "/contact-messages", {"name": "Léa", "email": "lea@example.fr", "subject": "compteur", "message": "Fuite ?"}
    ).json()["reference"]

    events = ReturnFeed("ReturnFeedTable").day(paris_day(clock.now()))

    assert [(e.kind, e.record["reference"]) for e in events] == [
        ("subscription_request", asked),
        ("contact_message", written),
    ]
    assert events[1].record["message"] == "Fuite ?"
    assert "account_id" not in events[0].record
