"""« Payer en ligne » with PayFiP (PRODUCT.md §6), through the real handlers on moto, with local
mode's PayFiP simulator answering in-process: start, notification, return, settler, and the
dashboard that counts an accepted payment until the billing export brings it."""

import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from local_mode.payfip_simulator import PayfipSimulator
from tests.accounts import activated_account, log_in, session_cookie_of
from tests.conftest import FRONTEND_URL, Api, ApiResponse, CapturedLogs, FrozenClock, Mailbox

CONTRACT = "11301.11377.01"
PARTLY_PAID = "F202610-1137701"  # 304.54 €, 50.75 € paid by the mensualisation: 253.79 € left
PAID_INVOICE = "F202604-1137701"
PAYFIP_SERVER = "145.242.11.4"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Payer:
    def __init__(self, api: Api, email: str, cookie: str) -> None:
        self.api = api
        self.email = email
        self.cookie = cookie

    def start(self, invoice: str = PARTLY_PAID, contract: str = CONTRACT, body: Any = None) -> ApiResponse:
        return self.api.request(
            "POST", f"/contracts/{contract}/invoices/{invoice}/payments", body, headers={"Cookie": self.cookie}
        )

    def payment(self, payment_id: str) -> ApiResponse:
        return self.api.request("GET", f"/payments/{payment_id}", headers={"Cookie": self.cookie})

    def dashboard(self, contract: str = CONTRACT) -> dict[str, Any]:
        response = self.api.request("GET", f"/contracts/{contract}/dashboard", headers={"Cookie": self.cookie})
        assert response.status == 200
        return dict(response.json())

    def invoice(self, number: str = PARTLY_PAID) -> dict[str, Any]:
        return dict(next(i for i in self.dashboard()["invoices"] if i["number"] == number))


def new_payer(api: Api, mailbox: Mailbox, email: str, contract: tuple[str, str] = (CONTRACT, "7Q4M-2KX9")) -> Payer:
    activated_account(api, mailbox, email)
    payer = Payer(api, email, session_cookie_of(log_in(api, email, remember_me=True)))
    linked = api.request(
        "POST",
        "/contracts/links",
        {"contract_number": contract[0], "key": contract[1]},
        headers={"Cookie": payer.cookie},
    )
    assert linked.status == 200
    return payer


class CountingTransport:
    """The simulator's in-process transport, counting the SOAP calls the portal makes."""

    def __init__(self, simulator: PayfipSimulator) -> None:
        self.simulator = simulator
        self.calls: list[bytes] = []
        self.down = False
        self.answer: tuple[int, bytes] | None = None  # what PayFiP answers instead of the simulator

    def __call__(self, url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        self.calls.append(body)
        if self.down:
            raise TimeoutError("PayFiP does not answer")
        if self.answer:
            return self.answer
        return self.simulator.transport(url, body, timeout)

    def detail_calls(self) -> int:
        return sum(b"recupererDetailPaiementSecurise" in call for call in self.calls)


@pytest.fixture
def payfip(clock: FrozenClock) -> PayfipSimulator:
    # Notifications are posted by the tests themselves, as PayFiP's server would.
    return PayfipSimulator(clock=lambda: float(clock.now()), notifier=lambda url, id_op: None)


@pytest.fixture
def transport(payfip: PayfipSimulator, monkeypatch: pytest.MonkeyPatch) -> CountingTransport:
    from espace_abonne.payments import payfip as client

    counting = CountingTransport(payfip)
    monkeypatch.setattr(client, "urllib_transport", counting)
    return counting


@pytest.fixture
def camille(api: Api, mailbox: Mailbox, demo_billing: None, transport: CountingTransport) -> Payer:
    return new_payer(api, mailbox, "camille@example.fr")


def id_op_of(started: ApiResponse) -> str:
    return str(parse_qs(urlsplit(started.json()["redirect_url"]).query)["idop"][0])


def notify(api: Api, id_op: str, headers: dict[str, str] | None = None) -> ApiResponse:
    return api.request(
        "POST", "/payments/payfip/notifications", f"idop={id_op}", headers={**FORM, **(headers or {})},
        source_ip=PAYFIP_SERVER,
    )  # fmt: skip


def come_back(api: Api, id_op: str) -> ApiResponse:
    function, resource, _ = api.function_for("GET", "/payments/payfip/return")
    from local_mode.events import proxy_event

    return api.invoke(function, proxy_event("GET", resource, resource=resource, query=f"idop={id_op}"))


def receipts(mailbox: Mailbox, email: str) -> list[Any]:
    return [e for e in mailbox.to(email) if e.subject.startswith("Paiement reçu")]


def cents(amount: str) -> int:
    units, _, hundredths = amount.lstrip("-").partition(".")
    value = int(units) * 100 + int(hundredths or 0)
    return -value if amount.startswith("-") else value


# -- Paying ----------------------------------------------------------------------------------------


def test_paying_the_partly_paid_invoice_counts_it_once_and_sends_a_receipt(
    camille: Payer, payfip: PayfipSimulator, api: Api, mailbox: Mailbox
) -> None:
    before = camille.dashboard()
    assert camille.invoice() | {"left_to_pay": "253.79", "payable_online": True} == camille.invoice()

    started = camille.start()
    assert started.status == 201
    assert started.json()["amount"] == "253.79"
    assert started.json()["redirect_url"].startswith("http://127.0.0.1:3000/_payfip/tpa/paiementws.web?idop=")
    [operation] = payfip.operations()
    assert (operation.montant, operation.refdet, operation.numcli, operation.exer) == (
        25379,
        "F2026101137701",
        "123456",
        "2026",
    )
    assert operation.mel == "camille@example.fr"
    assert operation.urlnotif == "http://127.0.0.1:3000/payments/payfip/notifications"
    assert camille.payment(started.json()["payment_id"]).json()["status"] == "en_attente"

    payfip.settle(id_op_of(started), "P", notify=False)
    assert notify(api, id_op_of(started)).status == 200

    payment = camille.payment(started.json()["payment_id"]).json()
    assert payment["status"] == "payé"
    assert payment["amount"] == "253.79"
    assert payment["authorization_number"] == payfip.operations()[0].numauto
    [receipt] = receipts(mailbox, "camille@example.fr")
    assert "253,79\u00a0€" in receipt.text
    assert PARTLY_PAID in receipt.text
    assert f"Numéro d'autorisation\u00a0: {payment['authorization_number']}" in receipt.text
    after = camille.dashboard()
    assert cents(after["balance"]) == cents(before["balance"]) - 25379
    assert camille.invoice() | {"status": "payée", "left_to_pay": "0.00", "payable_online": False} == camille.invoice()
    assert after["payments"][0] == {
        "date": after["payments"][0]["date"],
        "amount": "253.79",
        "method": "paiement en ligne, en cours d'encaissement",
        "invoice_number": PARTLY_PAID,
    }


def test_an_accepted_payment_goes_to_the_return_feed_for_the_billing_system(
    camille: Payer, payfip: PayfipSimulator, api: Api, clock: FrozenClock
) -> None:
    from espace_abonne.core.return_feed import ReturnFeed, paris_day

    started = camille.start()
    payfip.settle(id_op_of(started), "V", notify=False)
    notify(api, id_op_of(started))
    notify(api, id_op_of(started))

    [event] = ReturnFeed("ReturnFeedTable").day(paris_day(clock.now()))
    assert event.kind == "online_payment"
    assert (
        event.record
        | {
            "payment_id": started.json()["payment_id"],
            "contract_number": CONTRACT,
            "invoice_number": PARTLY_PAID,
            "amount": "253.79",
            "method": "prélèvement",
            "payfip_operation": id_op_of(started),
            "refdet": "F2026101137701",
        }
        == event.record
    )


def test_the_amount_is_computed_by_the_server_never_taken_from_the_client(
    camille: Payer, payfip: PayfipSimulator
) -> None:
    started = camille.start(body={"amount": "1.00"})

    assert started.json()["amount"] == "253.79"
    assert [o.montant for o in payfip.operations()] == [25379]


def test_a_replayed_notification_changes_nothing_and_sends_no_second_email(
    camille: Payer, payfip: PayfipSimulator, api: Api, mailbox: Mailbox, transport: CountingTransport
) -> None:
    started = camille.start()
    payfip.settle(id_op_of(started), "P", notify=False)
    notify(api, id_op_of(started))
    balance = camille.dashboard()["balance"]

    for _ in range(3):
        assert notify(api, id_op_of(started)).status == 200
    assert come_back(api, id_op_of(started)).status == 303

    assert len(receipts(mailbox, "camille@example.fr")) == 1
    assert camille.dashboard()["balance"] == balance
    assert transport.detail_calls() == 1  # a settled payment is answered as it is: PayFiP is not asked again


def test_a_receipt_the_queue_refused_at_the_acceptance_is_sent_by_the_settler_once(
    camille: Payer, payfip: PayfipSimulator, api: Api, mailbox: Mailbox, clock: FrozenClock
) -> None:
    from espace_abonne.core import aws
    from tests.faults import Faults

    started = camille.start()
    payfip.settle(id_op_of(started), "P", notify=False)
    faults = Faults()
    faults.fail(aws.sqs(), "SendMessage", None)  # SQS times out on every attempt
    try:
        failed = notify(api, id_op_of(started))
    finally:
        faults.heal()
    assert failed.status >= 500  # PayFiP's server will notify again; the acceptance is kept
    assert camille.payment(started.json()["payment_id"]).json()["status"] == "payé"
    assert notify(api, id_op_of(started)).status == 200  # a replay: settled, nothing sent
    assert receipts(mailbox, "camille@example.fr") == []

    at_once = api.run_schedule("PaymentSettlerFunction")  # it may still be queueing: not yet
    faults.fail(aws.sqs(), "SendMessage", None)
    try:
        clock.advance(300)
        still_failing = api.run_schedule("PaymentSettlerFunction")
    finally:
        faults.heal()
    first = api.run_schedule("PaymentSettlerFunction")
    second = api.run_schedule("PaymentSettlerFunction")

    assert at_once["receipts_sent"] == 0
    assert (still_failing["receipts_sent"], still_failing["receipts_failed"]) == (0, 1)
    assert (first["receipts_sent"], second["receipts_sent"]) == (1, 0)
    [receipt] = receipts(mailbox, "camille@example.fr")
    assert "253,79" in receipt.text


def test_a_forged_notification_for_an_unknown_idop_does_nothing_and_asks_payfip_nothing(
    camille: Payer, api: Api, mailbox: Mailbox, transport: CountingTransport
) -> None:
    started = camille.start()
    calls = len(transport.calls)

    forged = notify(api, "3f2b8c1e-0000-4000-8000-000000000000")

    assert forged.status == 200
    assert forged.json() == notify(api, id_op_of(started)).json()  # the same answer for a real one
    assert len(transport.calls) == calls + 1  # the real one only
    assert receipts(mailbox, "camille@example.fr") == []
    assert camille.payment(started.json()["payment_id"]).json()["status"] == "en_attente"


@pytest.mark.parametrize(
    ("body", "headers", "query", "status", "code"),
    [
        ("", FORM, "", 400, "invalid_idop"),
        ("idop=", FORM, "", 400, "invalid_idop"),
        ("idop=a%20b", FORM, "", 400, "invalid_idop"),
        ("idop=" + "a" * 65, FORM, "", 400, "invalid_idop"),
        ("idop=one&idop=two", FORM, "", 400, "invalid_idop"),
        ('{"idop": "abc"}', {"Content-Type": "application/json"}, "", 415, "unsupported_media_type"),
        ("idop=abc", {"Content-Type": "text/plain"}, "", 415, "unsupported_media_type"),
        ("idop=abc&x=" + "y" * 1100, FORM, "", 413, "payload_too_large"),
        ("&".join(["a=1"] * 30) + "&idop=abc", FORM, "", 400, "invalid_idop"),
    ],
)
def test_a_notification_is_a_small_form_with_one_valid_idop(
    camille: Payer, api: Api, transport: CountingTransport, body: str, headers: dict[str, str], query: str,
    status: int, code: str,
) -> None:  # fmt: skip
    from local_mode.events import proxy_event

    path = "/payments/payfip/notifications"
    function, _, _ = api.function_for("POST", path)
    calls = len(transport.calls)

    response = api.invoke(function, proxy_event("POST", path, body=body or None, headers=headers, query=query))

    assert (response.status, response.json()["code"]) == (status, code)
    assert len(transport.calls) == calls
    assert response.header("Access-Control-Allow-Origin") is None
    assert response.header("Cache-Control") == "no-store"


def test_the_notification_takes_idop_from_the_query_string_too(
    camille: Payer, payfip: PayfipSimulator, api: Api
) -> None:
    from local_mode.events import proxy_event

    started = camille.start()
    payfip.settle(id_op_of(started), "P", notify=False)
    function, path, _ = api.function_for("POST", "/payments/payfip/notifications")

    response = api.invoke(function, proxy_event("POST", path, query=f"idop={id_op_of(started)}"))

    assert response.status == 200
    assert camille.payment(started.json()["payment_id"]).json()["status"] == "payé"


def test_the_notification_is_not_subject_to_the_browser_routes_origin_rule(
    camille: Payer, payfip: PayfipSimulator, api: Api
) -> None:
    """A cookie and a foreign Origin mean nothing to PayFiP's server route: it reads only an idOp."""
    started = camille.start()
    payfip.settle(id_op_of(started), "P", notify=False)

    response = notify(api, id_op_of(started), {"Origin": "https://www.payfip.gouv.fr", "Cookie": camille.cookie})

    assert response.status == 200
    assert camille.payment(started.json()["payment_id"]).json()["status"] == "payé"


def test_a_detail_whose_amount_does_not_match_is_not_accepted(
    camille: Payer, payfip: PayfipSimulator, api: Api, mailbox: Mailbox, logs: CapturedLogs
) -> None:
    balance = camille.dashboard()["balance"]
    started = camille.start()
    payfip.settle(id_op_of(started), "P", montant=100, notify=False)

    assert notify(api, id_op_of(started)).status == 200
    assert come_back(api, id_op_of(started)).status == 303

    assert camille.payment(started.json()["payment_id"]).json()["status"] == "en_attente"
    assert receipts(mailbox, "camille@example.fr") == []
    assert camille.dashboard()["balance"] == balance
    anomalies = [r for r in logs.records() if r["message"].startswith("payment anomaly")]
    assert anomalies
    assert anomalies[0]["problems"] == ["montant"]
    assert anomalies[0]["level"] == "ERROR"


def test_a_detail_of_another_payment_is_not_accepted(
    camille: Payer, payfip: PayfipSimulator, api: Api, mailbox: Mailbox
) -> None:
    """refdet and numcli too: PayFiP's detail must be the operation the portal registered."""
    from espace_abonne.payments.payfip import PaymentDetail
    from espace_abonne.payments.service import mismatches
    from espace_abonne.payments.wiring import payment_store

    started = camille.start()
    stored = payment_store().get(started.json()["payment_id"])
    assert stored is not None
    detail = PaymentDetail(
        id_op=id_op_of(started), numcli="123456", refdet="F2026101137701", montant=25379, resultrans="P"
    )

    assert mismatches(stored, detail) == ()
    assert mismatches(stored, detail.__class__(**{**detail.__dict__, "refdet": "F2026041137701"})) == ("refdet",)
    assert mismatches(stored, detail.__class__(**{**detail.__dict__, "numcli": "654321"})) == ("numcli",)
    assert mismatches(stored, detail.__class__(**{**detail.__dict__, "id_op": "other"})) == ("idOp",)


@pytest.mark.parametrize(("resultrans", "status"), [("R", "refusé"), ("Z", "refusé"), ("A", "abandonné")])
def test_a_refused_or_abandoned_payment_ends_without_money_and_frees_the_invoice(
    camille: Payer, payfip: PayfipSimulator, api: Api, mailbox: Mailbox, resultrans: str, status: str
) -> None:
    balance = camille.dashboard()["balance"]
    started = camille.start()
    payfip.settle(id_op_of(started), resultrans, notify=False)

    notify(api, id_op_of(started))

    assert camille.payment(started.json()["payment_id"]).json() | {"status": status, "paid_at": None} == (
        camille.payment(started.json()["payment_id"]).json()
    )
    assert receipts(mailbox, "camille@example.fr") == []
    assert camille.dashboard()["balance"] == balance
    assert camille.start().status == 201  # another try, at once


# -- Never two accepted payments for one amount due ---------------------------------------------------


def test_a_second_start_while_the_first_may_still_succeed_is_refused(
    camille: Payer, payfip: PayfipSimulator, clock: FrozenClock
) -> None:
    first = camille.start()

    second = camille.start()
    clock.advance(19 * 60)
    third = camille.start()
    clock.advance(60)  # the first operation's page (15 min) and margin have passed
    fourth = camille.start()

    assert first.status == 201
    assert (second.status, second.json()["code"]) == (409, "payment_in_progress")
    assert third.status == 409
    assert fourth.status == 201
    assert len(payfip.operations()) == 2


def test_two_concurrent_starts_for_one_invoice_make_one_payment(
    camille: Payer, payfip: PayfipSimulator, atomic_moto: None
) -> None:
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def start() -> None:
        barrier.wait()
        statuses.append(camille.start().status)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201, 409, 409, 409]
    assert len(payfip.operations()) == 1


def test_a_start_that_read_the_amount_before_an_acceptance_cannot_take_the_lock(
    camille: Payer, payfip: PayfipSimulator, api: Api, clock: FrozenClock
) -> None:
    """The lock has a version: the number of online payments accepted for the invoice. A start that
    computed the amount before an acceptance loses, even once the lock's time has passed."""
    from espace_abonne.payments.store import PENDING, Payment
    from espace_abonne.payments.wiring import payment_store

    started = camille.start()
    payfip.settle(id_op_of(started), "P", notify=False)
    clock.advance(21 * 60)
    notify(api, id_op_of(started))  # one online payment accepted: the lock's version is 1
    stale = Payment(
        payment_id="00000000-0000-4000-8000-000000000001", account_id="a", contract_number=CONTRACT,
        invoice_number=PARTLY_PAID, amount_cents=25379, refdet="F2026101137701", exer=2026, numcli="123456",
        mel="camille@example.fr", status=PENDING, created_at=clock.now(),
    )  # fmt: skip

    assert payment_store().create(stale, clock.now() + 1200, accepted_so_far=0) is False
    assert (camille.start().status, camille.start().json()["code"]) == (409, "nothing_to_pay")


def test_nothing_to_pay_on_an_invoice_paid_in_full(camille: Payer) -> None:
    assert camille.invoice(PAID_INVOICE)["payable_online"] is False

    response = camille.start(PAID_INVOICE)

    assert (response.status, response.json()["code"]) == (409, "nothing_to_pay")


def test_unknown_invoices_unlinked_contracts_and_visitors_are_refused(
    camille: Payer, api: Api, payfip: PayfipSimulator
) -> None:
    unknown = camille.start("F000000-0000000")
    not_linked = camille.start("F202610-2045601", contract="11302.20456.01")
    malformed = camille.start(PARTLY_PAID, contract="nope")
    visitor = api.request("POST", f"/contracts/{CONTRACT}/invoices/{PARTLY_PAID}/payments")

    assert (unknown.status, unknown.json()["code"]) == (404, "invoice_not_found")
    assert (not_linked.status, not_linked.json()["code"]) == (404, "contract_not_found")
    assert (malformed.status, malformed.json()["code"]) == (404, "contract_not_found")
    assert (visitor.status, visitor.json()["code"]) == (401, "not_authenticated")
    assert payfip.operations() == []


def test_a_start_from_another_site_is_refused_like_every_browser_route(camille: Payer, api: Api) -> None:
    response = api.request(
        "POST",
        f"/contracts/{CONTRACT}/invoices/{PARTLY_PAID}/payments",
        headers={"Cookie": camille.cookie, "Origin": "https://evil.example"},
    )

    assert (response.status, response.json()["code"]) == (403, "forbidden_origin")


def test_when_payfip_cannot_be_reached_the_start_is_a_503_and_frees_the_invoice(
    camille: Payer, transport: CountingTransport
) -> None:
    transport.down = True
    failed = camille.start()
    transport.down = False

    assert (failed.status, failed.json()["code"]) == (503, "payfip_unavailable")
    assert camille.start().status == 201


def test_an_internationalised_domain_reaches_payfip_in_its_ascii_form(
    api: Api, mailbox: Mailbox, demo_billing: None, transport: CountingTransport, payfip: PayfipSimulator
) -> None:
    payer = new_payer(api, mailbox, "lea@café.fr")

    assert payer.start().status == 201
    assert payfip.operations()[0].mel == "lea@xn--caf-dma.fr"


def test_when_payfip_refuses_the_operation_the_start_says_so_and_does_not_ask_to_retry(
    camille: Payer, transport: CountingTransport, logs: CapturedLogs
) -> None:
    """A functional fault at the start (here R3, as PayFiP records it) will not go away by asking
    again: the subscriber is told to pay otherwise, the operators get an error log with the code."""
    transport.answer = (500, (Path(__file__).parent / "payfip" / "fault-R3.xml").read_bytes())
    refused = camille.start()
    transport.answer = None

    assert (refused.status, refused.json()["code"]) == (502, "payfip_refused")
    assert "réessayer" not in refused.json()["message"]
    assert "autres moyens indiqués sur la facture" in refused.json()["message"]
    assert any(line.get("payfip_code") == "R3" and line["level"] == "ERROR" for line in logs.records())
    assert camille.start().status == 201  # the invoice is free again


def test_a_technical_fault_of_payfip_at_the_start_is_a_503_to_try_again(
    camille: Payer, transport: CountingTransport
) -> None:
    """Only a FonctionnelleErreur says the request itself is refused; a technical one passes."""
    recorded = (Path(__file__).parent / "payfip" / "fault-R3.xml").read_bytes()
    transport.answer = (500, recorded.replace(b"FonctionnelleErreur", b"TechIndisponibiliteErreur"))
    failed = camille.start()
    transport.answer = None

    assert (failed.status, failed.json()["code"]) == (503, "payfip_unavailable")
    assert camille.start().status == 201


# -- Reading a payment, coming back -----------------------------------------------------------------


def test_one_account_never_sees_another_accounts_payment(
    camille: Payer, api: Api, mailbox: Mailbox, payfip: PayfipSimulator
) -> None:
    started = camille.start()
    yanis = new_payer(api, mailbox, "yanis@example.fr", ("11302.20456.01", "H5N2-R7VB"))

    theirs = yanis.payment(started.json()["payment_id"])
    malformed = camille.payment("not-a-uuid")
    visitor = api.request("GET", f"/payments/{started.json()['payment_id']}")

    assert (theirs.status, theirs.json()["code"]) == (404, "payment_not_found")
    assert (malformed.status, malformed.json()["code"]) == (404, "payment_not_found")
    assert visitor.status == 401


def test_coming_back_from_payfip_checks_the_payment_then_goes_to_the_result_page(
    camille: Payer, payfip: PayfipSimulator, api: Api
) -> None:
    from local_mode.events import proxy_event

    started = camille.start()
    payfip.settle(id_op_of(started), "P", notify=False)  # PayFiP's notification was lost

    back = come_back(api, id_op_of(started))
    function, resource, _ = api.function_for("POST", "/payments/payfip/return")
    posted = api.invoke(function, proxy_event("POST", resource, body=f"idop={id_op_of(started)}", headers=FORM))
    unknown = come_back(api, "3f2b8c1e-0000-4000-8000-000000000000")

    result = f"{FRONTEND_URL}/paiement/resultat?paiement={started.json()['payment_id']}"
    assert (back.status, back.header("Location")) == (303, result)
    assert (posted.status, posted.header("Location")) == (303, result)
    assert (unknown.status, unknown.header("Location")) == (303, f"{FRONTEND_URL}/paiement/resultat")
    assert camille.payment(started.json()["payment_id"]).json()["status"] == "payé"


# -- The settler ------------------------------------------------------------------------------------


def test_the_settler_accepts_what_payfip_never_notified(
    camille: Payer, payfip: PayfipSimulator, api: Api, mailbox: Mailbox, clock: FrozenClock
) -> None:
    started = camille.start()
    payfip.settle(id_op_of(started), "P", notify=False)
    clock.advance(300)

    report = api.run_schedule("PaymentSettlerFunction")
    api.run_queued_work()

    assert report == {
        "checked": 1,
        "events": {"accepted": 1},
        "oldest_pending_age": 0,
        "receipts_sent": 0,
        "receipts_failed": 0,
    }
    assert camille.payment(started.json()["payment_id"]).json()["status"] == "payé"
    assert len(receipts(mailbox, "camille@example.fr")) == 1


def test_the_settler_waits_for_a_result_then_expires_an_operation_that_can_no_longer_succeed(
    camille: Payer, api: Api, clock: FrozenClock
) -> None:
    started = camille.start()
    payment_id = started.json()["payment_id"]

    clock.advance(10 * 60)
    waiting = api.run_schedule("PaymentSettlerFunction")
    clock.advance(10 * 60)
    expired = api.run_schedule("PaymentSettlerFunction")

    assert waiting == {
        "checked": 1,
        "events": {"unchanged": 1},
        "oldest_pending_age": 600,
        "receipts_sent": 0,
        "receipts_failed": 0,
    }
    assert expired["events"] == {"expired": 1}
    assert camille.payment(payment_id).json()["status"] == "expiré"
    assert camille.start().status == 201
    assert api.run_schedule("PaymentSettlerFunction")["checked"] == 1  # only the new one is pending


def test_the_settler_keeps_waiting_while_payfip_cannot_be_asked(
    camille: Payer, api: Api, clock: FrozenClock, transport: CountingTransport
) -> None:
    started = camille.start()
    transport.down = True
    clock.advance(2 * 3600)

    report = api.run_schedule("PaymentSettlerFunction")

    assert report == {
        "checked": 1,
        "events": {"unavailable": 1},
        "oldest_pending_age": 7200,
        "receipts_sent": 0,
        "receipts_failed": 0,
    }
    assert camille.payment(started.json()["payment_id"]).json()["status"] == "en_attente"


def test_once_payfip_cannot_be_asked_the_settler_asks_no_more_in_that_run(
    camille: Payer, api: Api, mailbox: Mailbox, clock: FrozenClock, transport: CountingTransport
) -> None:
    yanis = new_payer(api, mailbox, "yanis@example.fr", ("11302.20456.01", "H5N2-R7VB"))
    camille.start()
    yanis.start("F202610-2045601", "11302.20456.01")
    transport.down = True
    calls = len(transport.calls)

    report = api.run_schedule("PaymentSettlerFunction")

    assert report["events"] == {"unavailable": 2}
    assert len(transport.calls) == calls + 1


def test_a_payment_payfip_says_was_paid_after_it_expired_is_accepted_and_flagged(
    camille: Payer, payfip: PayfipSimulator, api: Api, clock: FrozenClock, mailbox: Mailbox, logs: CapturedLogs
) -> None:
    started = camille.start()
    clock.advance(25 * 60)
    api.run_schedule("PaymentSettlerFunction")
    payfip.settle(id_op_of(started), "P", notify=False)

    notify(api, id_op_of(started))

    assert camille.payment(started.json()["payment_id"]).json()["status"] == "payé"
    assert len(receipts(mailbox, "camille@example.fr")) == 1
    assert any(r.get("event") == "accepted_late" and r["level"] == "ERROR" for r in logs.records())


# -- Until the billing export brings it -------------------------------------------------------------


def test_the_billing_export_replaces_the_online_payment_it_brings(
    camille: Payer, payfip: PayfipSimulator, api: Api
) -> None:
    from local_mode.backend import DEMO_EXPORT, import_export

    started = camille.start()
    payfip.settle(id_op_of(started), "P", notify=False)
    notify(api, id_op_of(started))
    balance = camille.dashboard()["balance"]

    records = [json.loads(line) for line in DEMO_EXPORT.read_text(encoding="utf-8").splitlines()]
    for record in records:
        if record.get("number") == CONTRACT:
            record["invoices"] = [
                i | {"status": "payée"} if i["number"] == PARTLY_PAID else i for i in record["invoices"]
            ]
            record["payments"].append(
                {"date": "2026-11-20", "amount": "253.79", "method": "carte bancaire", "invoice_number": PARTLY_PAID,
                 "payfip_operation": id_op_of(started)}
            )  # fmt: skip
    report = import_export(api.template, [json.dumps(r, ensure_ascii=False) for r in records])
    assert report.errors == []

    dashboard = camille.dashboard()
    assert dashboard["balance"] == balance
    assert [p["method"] for p in dashboard["payments"] if p["invoice_number"] == PARTLY_PAID] == [
        "carte bancaire",
        "prélèvement",
    ]
    assert camille.invoice() | {"status": "payée", "left_to_pay": "0.00"} == camille.invoice()
