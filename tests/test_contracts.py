"""« Lier un contrat », the selector and the dashboard (PRODUCT.md §2 flows 5–7, §3 Contracts)."""

import itertools
import threading
from typing import Any

import boto3
import pytest

from tests.accounts import activated_account, log_in, session_cookie_of
from tests.conftest import Api, FrozenClock, Mailbox

CAMILLE_01 = ("11301.11377.01", "7Q4M-2KX9", "12 rue des Cordeliers, 13100 Aix-en-Provence")
CAMILLE_02 = ("11301.11377.02", "P8W3-6ZTR", "4 chemin de la Torse, 13100 Aix-en-Provence")
YANIS_01 = ("11302.20456.01", "H5N2-R7VB", "27 avenue Victor Hugo, 13090 Aix-en-Provence")


class Subscriber:
    def __init__(self, api: Api, cookie: str, email: str, source_ip: str = "198.51.100.7") -> None:
        self.api = api
        self.cookie = cookie
        self.email = email
        self.source_ip = source_ip

    def get(self, path: str) -> Any:
        return self.api.request("GET", path, headers={"Cookie": self.cookie}, source_ip=self.source_ip)

    def link(self, number: str, key: str) -> Any:
        return self.api.request(
            "POST",
            "/contracts/links",
            {"contract_number": number, "key": key},
            headers={"Cookie": self.cookie},
            source_ip=self.source_ip,
        )


def new_subscriber(api: Api, mailbox: Mailbox, email: str) -> Subscriber:
    activated_account(api, mailbox, email)
    return Subscriber(api, session_cookie_of(log_in(api, email, remember_me=True)), email)


@pytest.fixture
def camille(api: Api, mailbox: Mailbox, demo_billing: None) -> Subscriber:
    return new_subscriber(api, mailbox, "camille@example.fr")


@pytest.fixture
def someone_else(api: Api, mailbox: Mailbox, demo_billing: None) -> Subscriber:
    return new_subscriber(api, mailbox, "autre@example.fr")


def summary(contract: tuple[str, str, str]) -> dict[str, str]:
    return {"number": contract[0], "service_address": contract[2]}


def test_linking_one_contract_links_every_contract_of_the_payer(camille: Subscriber, mailbox: Mailbox) -> None:
    response = camille.link("11301.11377.01", "7Q4M-2KX9")

    assert response.status == 200
    assert response.json() == {
        "message": "Liaison enregistrée.",
        "contracts": [summary(CAMILLE_01), summary(CAMILLE_02)],
    }
    assert camille.get("/contracts").json() == {"contracts": [summary(CAMILLE_01), summary(CAMILLE_02)]}
    assert camille.get("/me").json()["contracts"] == [summary(CAMILLE_01), summary(CAMILLE_02)]
    email = mailbox.to("camille@example.fr")[-1]
    assert email.subject == "Contrat lié à votre espace abonné"
    assert "11301.11377.02" in email.text
    assert "7Q4M" not in email.text


@pytest.mark.parametrize("key", ["7q4m-2kx9", "7Q4M2KX9", " 7Q4M 2KX9 "])
def test_the_cle_is_read_as_printed_whatever_its_case_or_separators(camille: Subscriber, key: str) -> None:
    assert camille.link("11301.11377.01", key).status == 200


def test_unknown_number_and_wrong_cle_give_the_same_400(camille: Subscriber) -> None:
    wrong_key = camille.link("11301.11377.01", "7Q4M-2KX8")
    unknown = camille.link("99999.99999.99", "7Q4M-2KX9")

    assert wrong_key.status == unknown.status == 400
    assert wrong_key.body == unknown.body
    assert wrong_key.json()["code"] == "invalid_contract_or_key"
    assert camille.get("/contracts").json() == {"contracts": []}


@pytest.mark.parametrize("number", ["11301.11377", "1130111377.01", "11301.11377.1", "abcde.fghij.kl", ""])
def test_a_malformed_contract_number_is_a_422(camille: Subscriber, number: str) -> None:
    response = camille.link(number, "7Q4M-2KX9")

    assert response.status == 422
    assert response.json()["errors"][0]["field"] == "contract_number"


def test_linking_again_is_harmless(camille: Subscriber) -> None:
    camille.link("11301.11377.01", "7Q4M-2KX9")
    again = camille.link("11301.11377.02", "P8W3-6ZTR")

    assert again.status == 200
    assert camille.get("/contracts").json() == {"contracts": [summary(CAMILLE_01), summary(CAMILLE_02)]}
    assert len(boto3.client("dynamodb").scan(TableName="LinksTable")["Items"]) == 2


def test_another_payers_contract_is_404_until_its_own_cle_is_used(camille: Subscriber) -> None:
    camille.link("11301.11377.01", "7Q4M-2KX9")

    before = camille.get("/contracts/11302.20456.01/dashboard")
    unknown = camille.get("/contracts/99999.99999.99/dashboard")
    assert before.status == unknown.status == 404
    assert before.body == unknown.body
    assert before.json()["code"] == "contract_not_found"

    camille.link("11302.20456.01", "H5N2-R7VB")
    assert camille.get("/contracts/11302.20456.01/dashboard").status == 200


def test_one_account_never_sees_another_accounts_contracts(camille: Subscriber, someone_else: Subscriber) -> None:
    camille.link("11301.11377.01", "7Q4M-2KX9")

    assert someone_else.get("/contracts").json() == {"contracts": []}
    assert someone_else.get("/me").json()["contracts"] == []
    for number in ("11301.11377.01", "11301.11377.02"):
        assert someone_else.get(f"/contracts/{number}/dashboard").status == 404


@pytest.mark.parametrize("path", ["/contracts", "/contracts/11301.11377.01/dashboard"])
def test_contract_routes_need_a_session(api: Api, demo_billing: None, path: str) -> None:
    assert api.request("GET", path).status == 401


def test_linking_needs_a_session(api: Api, demo_billing: None) -> None:
    response = api.post("/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"})

    assert response.status == 401
    assert boto3.client("dynamodb").scan(TableName="LinksTable")["Items"] == []


def test_a_malformed_number_in_the_dashboard_path_is_the_same_404(camille: Subscriber) -> None:
    for number in ("11301", "..%2F..", "11301.11377.01x"):
        assert camille.get(f"/contracts/{number}/dashboard").status == 404


def test_the_dashboard_shows_everything_of_the_contract(camille: Subscriber) -> None:
    camille.link("11301.11377.01", "7Q4M-2KX9")

    response = camille.get("/contracts/11301.11377.02/dashboard")

    assert response.status == 200
    assert response.header("Cache-Control") == "no-store"
    board = response.json()
    assert board["contract"] == {
        "number": "11301.11377.02",
        "status": "actif",
        "start_date": "2020-09-14",
        "service_address": "4 chemin de la Torse, 13100 Aix-en-Provence",
        "holder": "Camille Martin",
        "payer": "Camille Martin",
        "meter_number": "M09AX118734",
        "remote_reading": False,
        "meter_reading": "relève par agent",
        "monthly_payment": False,
        "payment_method": "paiement à réception de facture",
        "paperless_billing": False,
        "invoice_delivery": "facture papier",
    }
    assert board["service_regulations"]["version"] == "2024-01"
    assert board["service_regulations"]["pdf_url"].endswith(".pdf")
    assert board["data_as_of"] == "2026-11-15"
    readings = board["consumption"]
    assert readings[0]["date"] <= "2023-11-15"  # at least three years
    assert readings[-1]["date"] >= "2026-10-15"
    assert {r["source"] for r in readings} == {"agent", "autorelève", "estimation"}
    assert all(r["estimated"] == (r["source"] == "estimation") for r in readings)
    assert readings[0]["volume_m3"] is None
    for previous, current in itertools.pairwise(readings):
        assert current["volume_m3"] == current["index_m3"] - previous["index_m3"]
    latest = board["invoices"][0]
    assert latest["status"] == "à payer"
    assert latest["pdf_available"] is True


def test_the_balance_is_invoices_minus_payments_in_exact_money(camille: Subscriber) -> None:
    from decimal import Decimal

    camille.link("11301.11377.01", "7Q4M-2KX9")
    for number in ("11301.11377.01", "11301.11377.02"):
        board = camille.get(f"/contracts/{number}/dashboard").json()
        invoiced = sum(Decimal(i["amount_ttc"]) for i in board["invoices"])
        paid = sum(Decimal(p["amount"]) for p in board["payments"])
        assert Decimal(board["balance"]) == invoiced - paid
        assert all(isinstance(i["amount_ttc"], str) for i in board["invoices"])
        for invoice in board["invoices"]:
            settled = sum(Decimal(p["amount"]) for p in board["payments"] if p["invoice_number"] == invoice["number"])
            expected = "payée" if settled == Decimal(invoice["amount_ttc"]) else (
                "à payer" if settled == 0 else "partiellement payée")  # fmt: skip
            assert invoice["status"] == expected


def test_the_cle_is_stored_only_as_a_keyed_hash(demo_billing: None) -> None:
    table = str(boto3.client("dynamodb").scan(TableName="BillingTable")["Items"])
    for key in ("7Q4M-2KX9", "7Q4M2KX9", "P8W3-6ZTR", "P8W36ZTR", "H5N2-R7VB", "H5N2R7VB"):
        assert key not in table


# -- throttling ------------------------------------------------------------------------------


def test_five_failures_an_hour_per_account(camille: Subscriber, clock: FrozenClock) -> None:
    clock.current = 1_795_000_000 - 1_795_000_000 % 3600
    for attempt in range(5):
        assert camille.link(f"1130{attempt}.11377.01", "AAAA-BBBB").status == 400

    blocked = camille.link("11301.11377.01", "7Q4M-2KX9")
    assert blocked.status == 429
    assert blocked.json()["code"] == "too_many_attempts"
    assert blocked.header("Retry-After") == "3600"

    clock.advance(3600)
    assert camille.link("11301.11377.01", "7Q4M-2KX9").status == 200


def new_subscriber_at(api: Api, mailbox: Mailbox, email: str, source_ip: str) -> Subscriber:
    activated_account(api, mailbox, email)
    cookie = session_cookie_of(log_in(api, email, remember_me=True, source_ip=source_ip))
    return Subscriber(api, cookie, email, source_ip)


def test_two_strangers_cannot_lock_the_real_subscriber_out(
    api: Api, mailbox: Mailbox, demo_billing: None, clock: FrozenClock
) -> None:
    clock.current = 1_795_000_000 - 1_795_000_000 % 3600
    strangers = [new_subscriber_at(api, mailbox, f"g{n}@example.fr", f"203.0.113.{n}") for n in range(2)]
    for stranger in strangers:
        for attempt in range(6):
            stranger.link("11302.20456.01", f"XXXX-{attempt:04d}")
        assert stranger.link("11302.20456.01", "XXXX-9999").status == 429  # each stopped at 5

    owner = new_subscriber_at(api, mailbox, "yanis@example.fr", "198.51.100.20")
    assert owner.link("11302.20456.01", "H5N2-R7VB").status == 200


def test_twenty_failures_an_hour_per_source_ip_whatever_the_account(
    api: Api, mailbox: Mailbox, demo_billing: None, clock: FrozenClock
) -> None:
    clock.current = 1_795_000_000 - 1_795_000_000 % 3600
    guessers = [new_subscriber_at(api, mailbox, f"g{n}@example.fr", "203.0.113.66") for n in range(5)]
    for attempt in range(20):
        assert guessers[attempt // 5].link("11302.20456.01", f"XXXX-{attempt:04d}").status == 400

    blocked = guessers[4].link("11302.20456.01", "XXXX-7777")
    assert blocked.status == 429
    assert blocked.header("Retry-After") == "3600"
    elsewhere = new_subscriber_at(api, mailbox, "yanis@example.fr", "198.51.100.20")
    assert elsewhere.link("11302.20456.01", "H5N2-R7VB").status == 200


def test_a_distributed_guess_is_stopped_at_the_per_contract_limit(
    api: Api, mailbox: Mailbox, demo_billing: None, clock: FrozenClock
) -> None:
    from espace_abonne.contracts.linking import FAILURES_PER_CONTRACT, link_counters

    clock.current = 1_795_000_000 - 1_795_000_000 % 3600
    limit, _ = FAILURES_PER_CONTRACT
    # Stands in for `limit - 1` failures from many accounts and addresses earlier this hour.
    [_, _, per_contract] = link_counters("any", "any", "11302.20456.01")
    boto3.client("dynamodb").put_item(
        TableName="ThrottlesTable", Item={**per_contract.key(clock.now()), "attempts": {"N": str(limit - 1)}}
    )
    guesser = new_subscriber_at(api, mailbox, "g@example.fr", "203.0.113.1")
    assert guesser.link("11302.20456.01", "XXXX-0001").status == 400
    assert guesser.link("11302.20456.01", "XXXX-0002").status == 429
    owner = new_subscriber_at(api, mailbox, "yanis@example.fr", "198.51.100.20")
    assert owner.link("11302.20456.01", "H5N2-R7VB").status == 429  # the price of the limit, for an hour
    assert owner.link("11301.11377.01", "7Q4M-2KX9").status == 200  # other contracts are not blocked


def test_the_per_contract_limit_keeps_a_guess_below_one_chance_in_a_million_a_year() -> None:
    """docs/security.md, "Guessing a clé": 8 characters of [0-9A-Z] make 36**8 clés."""
    from espace_abonne.contracts.linking import FAILURES_PER_CONTRACT

    limit, window = FAILURES_PER_CONTRACT
    guesses_a_year = limit * (365.25 * 24 * 3600 / window)
    assert guesses_a_year / 36**8 < 1e-6


def test_successful_links_do_not_count(camille: Subscriber) -> None:
    for _ in range(7):
        assert camille.link("11301.11377.01", "7Q4M-2KX9").status == 200


def test_parallel_links_of_one_contract_make_one_link_set(camille: Subscriber, atomic_moto: None) -> None:
    statuses: list[int] = []
    start = threading.Barrier(5)

    def link() -> None:
        start.wait()
        statuses.append(camille.link("11301.11377.01", "7Q4M-2KX9").status)

    threads = [threading.Thread(target=link) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 5
    items = boto3.client("dynamodb").scan(TableName="LinksTable")["Items"]
    assert sorted(i["contract_number"]["S"] for i in items) == ["11301.11377.01", "11301.11377.02"]


def test_parallel_wrong_cles_never_pass_the_account_limit(
    camille: Subscriber, atomic_moto: None, clock: FrozenClock
) -> None:
    clock.current = 1_795_000_000 - 1_795_000_000 % 3600
    statuses: list[int] = []
    start = threading.Barrier(8)

    def guess(n: int) -> None:
        start.wait()
        statuses.append(camille.link("11301.11377.01", f"BAD0-{n:04d}").status)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Each guess takes its place in the counters before its clé is compared: exactly five compared.
    assert sorted(statuses) == [400] * 5 + [429] * 3
    assert camille.link("11301.11377.01", "7Q4M-2KX9").status == 429
