"""PayFiP's protocol: the SOAP client the portal calls, and local mode's simulator of PayFiP.

The answers under tests/payfip/ are reconstructions, not byte-for-byte captures: the shape of
DGFiP's JAX-WS service (fields in <return>, `FonctionnelleErreur` faults under HTTP 500) filled
with published values: the card payment of DGFiP's guide (annexe 6, as quoted by another
project's tests) and eopayment's recorded exchanges (the V detail; P1, P5, R3, A2 and their
libellés). R, Z and A reuse the V exchange with their result, and without numauto.
"""

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring

from espace_abonne.payments.payfip import (
    SERVICE_NAMESPACE,
    SOAP_NAMESPACE,
    PayfipClient,
    PayfipFault,
    PayfipProtocolError,
    PayfipUnavailable,
    PaymentDetail,
    PaymentRequest,
    creation_envelope,
    payment_page_url,
)
from local_mode.payfip_simulator import PayfipSimulator, post_notification, send_notification

RECORDED = Path(__file__).parent / "payfip"
WS_URL = "http://127.0.0.1:3000/_payfip/tpa/services/securite"
PAYMENT_URL = "http://127.0.0.1:3000/_payfip/tpa/paiementws.web"
ID_OP = "cc0cb210-1cd4-11ea-8cca-0213ad91a103"
REQUEST = PaymentRequest(
    exer=2024,
    mel="camille@example.fr",
    montant=123_456,
    numcli="012345",
    objet="Facture 2024 0042",
    refdet="F2024000042",
    saisie="T",
    urlnotif="http://127.0.0.1:3000/payments/payfip/notifications",
    urlredirect="http://127.0.0.1:3000/payments/payfip/return?from=payfip",
)
# 2024-07-01 12:00 in Paris (summer time), on a whole minute as PayFiP's heurtrans.
NOON_IN_PARIS = dt.datetime(2024, 7, 1, 10, 0, tzinfo=dt.UTC).timestamp()


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


@dataclass
class Recorder:
    """A transport answering one canned answer, remembering what it was sent."""

    status: int = 200
    body: bytes = b""
    calls: list[tuple[str, bytes, float]] = field(default_factory=list)

    def __call__(self, url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        self.calls.append((url, body, timeout))
        return self.status, self.body


def answering(name: str, status: int = 200) -> tuple[PayfipClient, Recorder]:
    transport = Recorder(status, recorded(name))
    return PayfipClient(WS_URL, timeout=3.0, transport=transport), transport


def arguments(envelope: bytes, operation: str) -> dict[str, str | None]:
    call = fromstring(envelope).find(f"{{{SOAP_NAMESPACE}}}Body/{{{SERVICE_NAMESPACE}}}{operation}/arg0")
    assert call is not None
    return {child.tag: child.text for child in call}


# The client: what it sends


def test_a_payment_is_sent_with_every_field_escaped() -> None:
    request = replace(
        REQUEST,
        mel="o'brien&<co>@example.fr",
        urlnotif="https://portail.example.fr/notif?a=1&b=<2>",
        urlredirect='https://portail.example.fr/retour?x="y"&z',
    )
    client, transport = answering("creerPaiementSecurise-ok.xml")

    assert client.create_payment(request) == ID_OP

    [(url, envelope, timeout)] = transport.calls
    assert (url, timeout) == (WS_URL, 3.0)
    assert b"&<co>" not in envelope
    assert arguments(envelope, "creerPaiementSecurise") == {
        "exer": "2024",
        "mel": "o'brien&<co>@example.fr",
        "montant": "123456",
        "numcli": "012345",
        "objet": "Facture 2024 0042",
        "refdet": "F2024000042",
        "saisie": "T",
        "urlnotif": "https://portail.example.fr/notif?a=1&b=<2>",
        "urlredirect": 'https://portail.example.fr/retour?x="y"&z',
    }


def test_the_detail_is_asked_for_the_idop_only() -> None:
    client, transport = answering("recupererDetailPaiementSecurise-V.xml")

    client.payment_detail(ID_OP)

    [(_, envelope, _)] = transport.calls
    assert arguments(envelope, "recupererDetailPaiementSecurise") == {"idOp": ID_OP}


@pytest.mark.parametrize(
    ("change", "field_name"),
    [
        ({"montant": 99}, "montant"),
        ({"montant": 10_000_000}, "montant"),
        ({"refdet": "ABCD"}, "refdet"),
        ({"refdet": "F-2024-42"}, "refdet"),
        ({"refdet": "F" * 31}, "refdet"),
        ({"objet": "Facture <&>"}, "objet"),
        ({"objet": "Facture réglée"}, "objet"),
        ({"objet": "x" * 101}, "objet"),
        ({"mel": "a@b.c"}, "mel"),
        ({"mel": "x" * 70 + "@example.fr"}, "mel"),
        ({"mel": "camille.example.fr"}, "mel"),
        ({"mel": "camille @example.fr"}, "mel"),
        ({"numcli": "12345"}, "numcli"),
        ({"saisie": "P"}, "saisie"),
        ({"exer": 24}, "exer"),
        ({"urlnotif": "/payments/payfip/notifications"}, "urlnotif"),
        ({"urlredirect": "javascript:alert(1)"}, "urlredirect"),
    ],
)
def test_a_payment_payfip_would_refuse_is_never_sent(change: dict[str, object], field_name: str) -> None:
    client, transport = answering("creerPaiementSecurise-ok.xml")
    request = replace(REQUEST, **change)  # type: ignore[arg-type]

    with pytest.raises(ValueError, match=field_name) as refused:
        client.create_payment(request)

    assert transport.calls == []
    assert request.mel not in str(refused.value)


def test_the_limits_themselves_are_accepted() -> None:
    for request in (
        replace(REQUEST, montant=100, refdet="A" * 6, objet="", mel="a@b.fr"),
        replace(REQUEST, montant=9_999_999, refdet="9" * 30, objet="z" * 100, mel="m" * 68 + "@example.fr"),
    ):
        assert request.problems() == []


def test_an_idop_that_is_not_payfips_is_never_sent() -> None:
    client, transport = answering("recupererDetailPaiementSecurise-V.xml")

    for id_op in ("", "</idOp><idOp>x", "a" * 65):
        with pytest.raises(ValueError, match="idOp"):
            client.payment_detail(id_op)

    assert transport.calls == []


def test_the_payers_address_stays_out_of_logs() -> None:
    assert "camille" not in repr(REQUEST)
    assert "gerard.riviere" not in repr(answering("recupererDetailPaiementSecurise-P.xml")[0].payment_detail(ID_OP))


def test_the_payment_page_url_carries_the_idop() -> None:
    assert payment_page_url("https://www.payfip.gouv.fr/tpa/paiementws.web", ID_OP) == (
        f"https://www.payfip.gouv.fr/tpa/paiementws.web?idop={ID_OP}"
    )
    assert payment_page_url("https://payfip.example/page?lang=fr", "a b&c") == (
        "https://payfip.example/page?lang=fr&idop=a+b%26c"
    )


# The client: what it reads


def test_a_created_payment_answers_its_idop_qualified_or_not() -> None:
    for name in ("creerPaiementSecurise-ok.xml", "creerPaiementSecurise-ok-qualified.xml"):
        client, _ = answering(name)
        assert client.create_payment(REQUEST) == ID_OP


@pytest.mark.parametrize(
    ("name", "outcome", "numauto"),
    [
        ("recupererDetailPaiementSecurise-P.xml", "paid", "A55A"),
        ("recupererDetailPaiementSecurise-V.xml", "paid", "112233445566-tip"),
        ("recupererDetailPaiementSecurise-R.xml", "refused", ""),
        ("recupererDetailPaiementSecurise-Z.xml", "refused", ""),
        ("recupererDetailPaiementSecurise-A.xml", "abandoned", ""),
    ],
)
def test_each_result_payfip_records_gives_its_outcome(name: str, outcome: str, numauto: str) -> None:
    client, _ = answering(name)

    detail = client.payment_detail(ID_OP)

    assert (detail.outcome, detail.numauto) == (outcome, numauto)


def test_a_card_payment_reads_whole() -> None:
    client, _ = answering("recupererDetailPaiementSecurise-P.xml")

    detail = client.payment_detail(ID_OP)

    assert detail == PaymentDetail(
        id_op="81bdf4c0-8edb-11e5-99d5-00000a634c44",
        numcli="006270",
        refdet="123456789",
        montant=1500,
        resultrans="P",
        numauto="A55A",
        dattrans="19112015",
        heurtrans="1735",
        exer="2015",
        objet="test",
        saisie="T",
        mel="gerard.riviere@dgfip.finances.gouv.fr",
    )
    # 17:35 in Paris in November is 16:35 UTC.
    assert detail.transaction_time == dt.datetime(2015, 11, 19, 16, 35, tzinfo=dt.UTC).timestamp()


def test_qualified_and_unqualified_fields_read_the_same() -> None:
    qualified, _ = answering("recupererDetailPaiementSecurise-P.xml")
    unqualified, _ = answering("recupererDetailPaiementSecurise-P-unqualified.xml")

    assert qualified.payment_detail(ID_OP) == unqualified.payment_detail(ID_OP)


def test_the_transaction_time_follows_paris_summer_time() -> None:
    detail = PaymentDetail(
        id_op=ID_OP, numcli="012345", refdet="F2024000042", montant=100, resultrans="P", dattrans="01072024"
    )
    assert detail.transaction_time is None
    assert replace(detail, heurtrans="1200").transaction_time == NOON_IN_PARIS


@pytest.mark.parametrize(
    ("name", "code", "libelle"),
    [
        ("fault-P1.xml", "P1", "IdOp incorrect."),
        ("fault-P5.xml", "P5", "Résultat de la transaction non connu."),
        ("fault-R3.xml", "R3", "Le format du paramètre REFDET n'est pas conforme"),
        ("fault-A2.xml", "A2", "Adresse mel incorrecte."),
    ],
)
def test_each_refusal_gives_its_code(name: str, code: str, libelle: str) -> None:
    client, _ = answering(name, status=500)

    with pytest.raises(PayfipFault) as fault:
        client.payment_detail(ID_OP)

    assert (fault.value.code, fault.value.kind, fault.value.description) == (code, "FonctionnelleErreur", libelle)
    assert str(fault.value) == f"PayFiP FonctionnelleErreur {code}"


@pytest.mark.parametrize("name", ["billion-laughs.xml", "external-entity.xml"])
def test_a_hostile_answer_is_refused_without_expanding_it(name: str) -> None:
    client, _ = answering(name)

    with pytest.raises(PayfipProtocolError) as refused:
        client.payment_detail(ID_OP)

    assert "root:" not in str(refused.value)
    assert "lol" not in str(refused.value)


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (503, b"<html><body>Service indisponible</body></html>", "HTTP 503"),
        (502, b"", "HTTP 502"),
        (500, recorded("billion-laughs.xml"), "HTTP 500"),
        (
            500,
            f'<S:Envelope xmlns:S="{SOAP_NAMESPACE}"><S:Body><S:Fault><faultcode>S:Server</faultcode>'
            "<faultstring>java.lang.NullPointerException</faultstring></S:Fault></S:Body></S:Envelope>".encode(),
            "without a PayFiP error code",
        ),
        (200, b"<html><body>Maintenance</body></html>", "not a SOAP envelope"),
        (200, b"", "not well-formed"),
        (200, b"<x>" + b" " * 64 * 1024 + b"</x>", "larger than"),
        (200, recorded("recupererDetailPaiementSecurise-V.xml").replace(b"<montant>1000</montant>", b""), "montant"),
        (200, recorded("recupererDetailPaiementSecurise-V.xml").replace(b">1000<", b">10,00<"), "montant"),
        (200, recorded("recupererDetailPaiementSecurise-V.xml").replace(b">V<", b">X<"), "resultrans"),
        (200, recorded("recupererDetailPaiementSecurise-V.xml").replace(b">1311<", b">2511<"), "heurtrans"),
    ],
)
def test_an_answer_without_a_result_leaves_the_payment_undecided(status: int, body: bytes, message: str) -> None:
    client = PayfipClient(WS_URL, transport=Recorder(status, body))

    with pytest.raises(PayfipUnavailable, match=message):
        client.payment_detail(ID_OP)


def test_a_payfip_that_never_answers_is_unavailable_after_the_timeout() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never answers
        client = PayfipClient(f"http://127.0.0.1:{silent.getsockname()[1]}/tpa/services/securite", timeout=0.2)

        with pytest.raises(PayfipUnavailable, match="unreachable"):
            client.payment_detail(ID_OP)


def test_a_payfip_that_refuses_connections_is_unavailable() -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    client = PayfipClient(f"http://127.0.0.1:{port}/tpa/services/securite", timeout=2.0)

    with pytest.raises(PayfipUnavailable, match="unreachable"):
        client.create_payment(REQUEST)


# Over real HTTP: the default transport, and the simulator's notification


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class FakeServer:
    url: str
    received: list[Received]
    arrived: threading.Event
    answer: tuple[int, list[tuple[str, str]], bytes] = (200, [], b"")


@pytest.fixture
def http_server() -> Iterator[FakeServer]:
    """An HTTP server on loopback that answers `server.answer` and records what it received."""
    received: list[Received] = []
    arrived = threading.Event()
    server: FakeServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status, headers, answer = server.answer
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            arrived.set()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server = FakeServer(f"http://127.0.0.1:{httpd.server_address[1]}", received, arrived)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_the_default_transport_posts_soap_to_payfip(http_server: FakeServer) -> None:
    http_server.answer = (200, [("Content-Type", "text/xml;charset=utf-8")], recorded("creerPaiementSecurise-ok.xml"))
    client = PayfipClient(f"{http_server.url}/tpa/services/securite")

    assert client.create_payment(REQUEST) == ID_OP

    [request] = http_server.received
    assert (request.method, request.path) == ("POST", "/tpa/services/securite")
    assert request.headers["content-type"] == "text/xml; charset=utf-8"
    assert request.headers["soapaction"] == '""'
    assert arguments(request.body, "creerPaiementSecurise")["refdet"] == "F2024000042"


def test_the_default_transport_reads_a_fault_under_http_500(http_server: FakeServer) -> None:
    http_server.answer = (500, [("Content-Type", "text/xml")], recorded("fault-P5.xml"))

    with pytest.raises(PayfipFault) as fault:
        PayfipClient(f"{http_server.url}/tpa/services/securite").payment_detail(ID_OP)

    assert fault.value.code == "P5"


def test_the_default_transport_does_not_follow_redirects(http_server: FakeServer) -> None:
    http_server.answer = (302, [("Location", f"{http_server.url}/elsewhere")], b"")

    with pytest.raises(PayfipUnavailable, match="HTTP 302"):
        PayfipClient(f"{http_server.url}/tpa/services/securite").payment_detail(ID_OP)

    assert [r.path for r in http_server.received] == ["/tpa/services/securite"]


def test_the_simulator_notifies_urlnotif_with_the_idop_form_encoded(http_server: FakeServer) -> None:
    post_notification(f"{http_server.url}/payments/payfip/notifications", ID_OP)

    assert http_server.arrived.wait(timeout=5)
    [notification] = http_server.received
    assert (notification.method, notification.path) == ("POST", "/payments/payfip/notifications")
    assert notification.headers["content-type"] == "application/x-www-form-urlencoded"
    assert notification.body == f"idop={ID_OP}".encode()


def test_a_lost_notification_is_printed_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]

    send_notification(f"http://127.0.0.1:{port}/payments/payfip/notifications", ID_OP)

    assert f"la notification de {ID_OP} a échoué" in capsys.readouterr().out


# The simulator


@dataclass
class Clock:
    now: float = NOON_IN_PARIS

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Payfip:
    simulator: PayfipSimulator
    clock: Clock
    notifications: list[tuple[str, str]]
    client: PayfipClient

    def page(self, id_op: str) -> tuple[int, dict[str, str], str]:
        url = urlsplit(payment_page_url(PAYMENT_URL, id_op))
        answer = self.simulator.answer("GET", url.path, url.query, b"", {"Accept": "text/html"})
        assert answer is not None
        status, headers, body = answer
        return status, dict(headers), body.decode()

    def choose(self, id_op: str, resultrans: str) -> tuple[int, dict[str, str]]:
        form = urlencode({"idop": id_op, "resultrans": resultrans}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = self.simulator.answer("POST", urlsplit(PAYMENT_URL).path, "", form, headers)
        assert answer is not None
        return answer[0], dict(answer[1])

    def control(self, id_op: str, body: bytes) -> tuple[int, bytes]:
        path = f"/_payfip/test/operations/{id_op}"
        answer = self.simulator.answer("POST", path, "", body, {"Content-Type": "application/json"})
        assert answer is not None
        return answer[0], answer[2]


@pytest.fixture
def payfip() -> Payfip:
    clock = Clock()
    notifications: list[tuple[str, str]] = []
    simulator = PayfipSimulator(clock=clock, notifier=lambda url, id_op: notifications.append((url, id_op)))
    return Payfip(simulator, clock, notifications, PayfipClient(WS_URL, transport=simulator.transport))


def test_the_payment_page_shows_what_is_paid_in_french(payfip: Payfip) -> None:
    id_op = payfip.client.create_payment(REQUEST)

    status, headers, page = payfip.page(id_op)

    assert status == 200
    assert '<html lang="fr">' in page
    assert page.count("<h1>") == 1
    assert "1\u202f234,56\u00a0€" in page
    assert "Facture 2024 0042" in page
    assert "F2024000042" in page
    for label in ("Payer par carte", "Payer par prélèvement", "Carte refusée", "Prélèvement refusé", "Abandonner"):
        assert f">{label}</button>" in page
    assert "<script" not in page
    assert "style" not in page
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.parametrize(
    ("choice", "outcome"),
    [("P", "paid"), ("V", "paid"), ("R", "refused"), ("Z", "refused"), ("A", "abandoned")],
)
def test_a_choice_on_the_page_notifies_redirects_and_is_the_detail(payfip: Payfip, choice: str, outcome: str) -> None:
    id_op = payfip.client.create_payment(REQUEST)

    status, headers = payfip.choose(id_op, choice)

    assert status == 303
    assert headers["Location"] == f"http://127.0.0.1:3000/payments/payfip/return?from=payfip&idop={id_op}"
    assert payfip.notifications == [(REQUEST.urlnotif, id_op)]
    detail = payfip.client.payment_detail(id_op)
    assert (detail.id_op, detail.numcli, detail.refdet, detail.montant) == (id_op, "012345", "F2024000042", 123_456)
    assert (detail.outcome, detail.resultrans, detail.transaction_time) == (outcome, choice, NOON_IN_PARIS)
    assert (detail.dattrans, detail.heurtrans) == ("01072024", "1200")
    assert (len(detail.numauto) == 6) == (outcome == "paid")


def test_a_finished_payment_takes_no_second_choice(payfip: Payfip) -> None:
    id_op = payfip.client.create_payment(REQUEST)
    payfip.choose(id_op, "P")

    status, _ = payfip.choose(id_op, "A")

    assert status == 409
    assert payfip.page(id_op)[0] == 409
    assert payfip.notifications == [(REQUEST.urlnotif, id_op)]
    assert payfip.client.payment_detail(id_op).outcome == "paid"


def test_the_result_is_not_known_before_the_choice(payfip: Payfip) -> None:
    id_op = payfip.client.create_payment(REQUEST)

    with pytest.raises(PayfipFault) as fault:
        payfip.client.payment_detail(id_op)

    assert fault.value.code == "P5"


def test_an_unknown_idop_is_refused(payfip: Payfip) -> None:
    with pytest.raises(PayfipFault) as fault:
        payfip.client.payment_detail(ID_OP)

    assert fault.value.code == "P1"
    assert payfip.page(ID_OP)[0] == 404


def test_an_operation_expires_after_15_minutes(payfip: Payfip) -> None:
    id_op = payfip.client.create_payment(REQUEST)

    payfip.clock.advance(15 * 60 - 1)
    assert payfip.page(id_op)[0] == 200
    with pytest.raises(PayfipFault, match="P5"):
        payfip.client.payment_detail(id_op)

    payfip.clock.advance(1)
    status, _, page = payfip.page(id_op)
    assert status == 410
    assert "expiré" in page
    with pytest.raises(PayfipFault, match="P1"):
        payfip.client.payment_detail(id_op)
    assert payfip.choose(id_op, "P")[0] == 410
    assert payfip.notifications == []


def test_a_result_outlives_the_15_minutes(payfip: Payfip) -> None:
    id_op = payfip.client.create_payment(REQUEST)
    payfip.choose(id_op, "V")

    payfip.clock.advance(3600)

    assert payfip.client.payment_detail(id_op).outcome == "paid"


def test_the_control_endpoint_settles_with_another_amount_and_no_notification(payfip: Payfip) -> None:
    id_op = payfip.client.create_payment(REQUEST)

    status, _ = payfip.control(id_op, b'{"resultrans": "P", "montant": 1234, "notify": false}')

    assert status == 200
    assert payfip.notifications == []
    detail = payfip.client.payment_detail(id_op)
    assert (detail.outcome, detail.montant) == ("paid", 1234)
    [operation] = payfip.simulator.operations()
    assert (operation.id_op, operation.resultrans, operation.montant) == (id_op, "P", 1234)


def test_the_control_endpoint_refuses_what_it_cannot_do(payfip: Payfip) -> None:
    id_op = payfip.client.create_payment(REQUEST)

    assert payfip.control(ID_OP, b'{"resultrans": "P"}')[0] == 404
    assert payfip.control(id_op, b'{"resultrans": "Q"}')[0] == 400
    assert payfip.control(id_op, b'{"resultrans": "P", "montant": "12"}')[0] == 400
    assert payfip.control(id_op, b"resultrans=P")[0] == 400
    with pytest.raises(PayfipFault, match="P5"):
        payfip.client.payment_detail(id_op)


def test_settle_notifies_unless_told_not_to(payfip: Payfip) -> None:
    first, second = (payfip.client.create_payment(REQUEST) for _ in range(2))

    payfip.simulator.settle(first, "R")
    payfip.simulator.settle(second, "A", notify=False)

    assert payfip.notifications == [(REQUEST.urlnotif, first)]
    assert payfip.client.payment_detail(first).outcome == "refused"
    assert payfip.client.payment_detail(second).outcome == "abandoned"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"refdet": "ABCD"}, "R3"),
        ({"mel": "camille.example.fr"}, "A2"),
        ({"mel": "camille.example.fr", "montant": 9_990_000_001}, "A2"),
        ({"montant": 99}, "M3"),
        ({"montant": 10_000_000}, "M5"),
        ({"numcli": "12345"}, "T1"),
        ({"saisie": "P"}, "S1"),
        ({"objet": "Facture <&>"}, "O1"),
        ({"urlnotif": "ftp://example.fr/"}, "N1"),
    ],
)
def test_the_simulator_refuses_what_payfip_refuses(payfip: Payfip, change: dict[str, object], code: str) -> None:
    envelope = creation_envelope(replace(REQUEST, **change))  # type: ignore[arg-type]
    status, body = payfip.simulator.transport(WS_URL, envelope, 5.0)
    reader = PayfipClient(WS_URL, transport=Recorder(status, body))

    with pytest.raises(PayfipFault) as fault:
        reader.payment_detail(ID_OP)

    assert (status, fault.value.code) == (500, code)
    assert payfip.simulator.operations() == []


def test_the_simulator_refuses_a_hostile_request(payfip: Payfip) -> None:
    status, body = payfip.simulator.transport(WS_URL, recorded("billion-laughs.xml"), 5.0)

    assert status == 500
    root: Element = fromstring(body)
    assert root.findtext(f"{{{SOAP_NAMESPACE}}}Body/{{{SOAP_NAMESPACE}}}Fault/faultcode") == "S:Client"
    assert b"lol" not in body


def test_the_simulator_leaves_other_paths_to_the_portal(payfip: Payfip) -> None:
    assert payfip.simulator.answer("GET", "/accounts", "", b"", {}) is None
    assert payfip.simulator.answer("GET", "/_payfipx", "", b"", {}) is None
    unknown = payfip.simulator.answer("GET", "/_payfip/nowhere", "", b"", {})
    assert unknown is not None
    assert unknown[0] == 404


def test_the_simulator_lists_its_operations_as_json(payfip: Payfip) -> None:
    id_op = payfip.client.create_payment(REQUEST)

    answer = payfip.simulator.answer("GET", "/_payfip/test/operations", "", b"", {})

    assert answer is not None
    assert answer[0] == 200
    assert f'"id_op": "{id_op}"'.encode() in answer[2]
