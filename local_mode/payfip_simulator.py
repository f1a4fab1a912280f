"""A PayFiP simulator for local mode (development only, never deployed): DGFiP's SOAP web service,
and a payment page where one chooses how the payment ends.

Paths, all under /_payfip:
  POST /tpa/services/securite       creerPaiementSecurise and recupererDetailPaiementSecurise
  GET  /tpa/paiementws.web?idop=…   the payment page
  POST /tpa/paiementws.web          the choice: records the result, POSTs `idop` to urlnotif,
                                    then 303 to urlredirect with `idop` added to its query string
  POST /test/operations/<idop>      for tests and scripts: {"resultrans": "P", "montant": 1234, "notify": false}
  GET  /test/operations             every operation, as JSON

Fault codes: P1, P5, R3 and A2 are what DGFiP's service answers (recorded exchanges in eopayment's
tests). DGFiP's full list was not at hand for the other fields: T1 (numcli), S1 (saisie), M1, M3
and M5 (montant not a number, too low, too high), A1 (no mel), N1 and D1 (urlnotif, urlredirect)
follow a third-party transcription of it, unverified; E1 (exer) and O1 (objet) are this
simulator's own.

An operation left without a result expires after 15 minutes: its page says so and its detail
answers P1 (DGFiP answers P5 until its nightly purge, then P1). A result, once recorded, stays.
"""

import html
import json
import secrets
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit, urlunsplit
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from espace_abonne.core.clock import paris_datetime
from espace_abonne.payments.payfip import (
    MIN_MONTANT,
    OUTCOMES,
    SERVICE_NAMESPACE,
    SOAP_NAMESPACE,
    PaymentRequest,
)

PREFIX = "/_payfip"
SOAP_PATH = f"{PREFIX}/tpa/services/securite"
PAGE_PATH = f"{PREFIX}/tpa/paiementws.web"
CONTROL_PATH = f"{PREFIX}/test/operations"
LIFETIME_SECONDS = 15 * 60
MAX_REQUEST_BYTES = 64 * 1024

Answer = tuple[int, list[tuple[str, str]], bytes]
Notifier = Callable[[str, str], None]

CHOICES = {
    "P": "Payer par carte",
    "V": "Payer par prélèvement",
    "R": "Carte refusée",
    "Z": "Prélèvement refusé",
    "A": "Abandonner",
}
# The order in which fields are checked: montant after mel, as a recorded DGFiP answer shows.
_CHECK_ORDER = ("numcli", "exer", "refdet", "objet", "mel", "montant", "saisie", "urlnotif", "urlredirect")
_FIELD_FAULTS = {
    "numcli": ("T1", "Le numéro de client est incorrect."),
    "exer": ("E1", "L'exercice est incorrect."),
    "refdet": ("R3", "Le format du paramètre REFDET n'est pas conforme."),
    "objet": ("O1", "Le format du paramètre OBJET n'est pas conforme."),
    "mel": ("A2", "Adresse mel incorrecte."),
    "saisie": ("S1", "Le mode de saisie est incorrect."),
    "urlnotif": ("N1", "L'URL de notification est incorrecte."),
    "urlredirect": ("D1", "L'URL de redirection est incorrecte."),
}
_SOAP_HEADERS = [("Content-Type", "text/xml; charset=utf-8")]
_JSON_HEADERS = [("Content-Type", "application/json; charset=utf-8")]
_PAGE_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    # No style or script on the page; form-action is left open because the form's 303 goes to urlredirect.
    ("Content-Security-Policy", "default-src 'none'; base-uri 'none'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
]


@dataclass(frozen=True)
class Operation:
    """A payment as the simulator holds it: the creation's arguments, then the result once chosen."""

    id_op: str
    created_at: float
    exer: str
    mel: str
    montant: int
    numcli: str
    objet: str
    refdet: str
    saisie: str
    urlnotif: str
    urlredirect: str
    resultrans: str | None = None
    numauto: str = ""
    dattrans: str = ""
    heurtrans: str = ""

    def expired(self, now: float) -> bool:
        return self.resultrans is None and now - self.created_at >= LIFETIME_SECONDS


class OperationClosed(Exception):
    """The operation expired or already has a result: the payment page no longer takes a choice."""

    def __init__(self, page: Answer) -> None:
        super().__init__("operation closed")
        self.page = page


def post_notification(url: str, id_op: str) -> None:
    """PayFiP's server-to-server notification, sent from a background thread as PayFiP's own server would."""
    threading.Thread(
        target=send_notification, args=(url, id_op), name=f"payfip-notification-{id_op}", daemon=True
    ).start()


def send_notification(url: str, id_op: str) -> None:
    """POSTs `idop`, form-encoded, to `url`; a failure is printed, never raised."""
    request = urllib.request.Request(  # noqa: S310 (urlnotif was checked to be http(s) at creation)
        url,
        data=urlencode({"idop": id_op}).encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (as above)
            response.read()
    except Exception as error:  # a lost notification is a case the portal must survive
        print(f"Simulateur PayFiP : la notification de {id_op} a échoué ({error})", flush=True)


class PayfipSimulator:
    def __init__(self, clock: Callable[[], float] = time.time, notifier: Notifier = post_notification) -> None:
        self._clock = clock
        self._notifier = notifier
        self._operations: dict[str, Operation] = {}
        self._lock = threading.Lock()

    def operations(self) -> list[Operation]:
        with self._lock:
            return list(self._operations.values())

    def settle(self, id_op: str, resultrans: str, *, montant: int | None = None, notify: bool = True) -> Operation:
        """Records a result as the payment page would, whatever the operation's state (KeyError if unknown).

        `montant` replaces the amount PayFiP will report; `notify=False` loses the notification.
        """
        return self._record(id_op, resultrans, montant=montant, notify=notify, only_open=False)

    def transport(self, url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        """A `Transport` for `PayfipClient` that answers in-process, without HTTP."""
        answer = self.answer("POST", urlsplit(url).path, "", body, {"Content-Type": "text/xml; charset=utf-8"})
        return (404, b"") if answer is None else (answer[0], answer[2])

    def answer(self, method: str, path: str, query: str, body: bytes, headers: Mapping[str, str]) -> Answer | None:
        """The simulator's answer to an HTTP request, or None when the path is not the simulator's."""
        if path != PREFIX and not path.startswith(PREFIX + "/"):
            return None
        endpoints = {SOAP_PATH: self._soap_endpoint, PAGE_PATH: self._page_endpoint, CONTROL_PATH: self._list_endpoint}
        endpoint = endpoints.get(path)
        if endpoint is not None:
            return endpoint(method, query, body, headers)
        if path.startswith(CONTROL_PATH + "/"):
            if method != "POST":
                return _not_allowed("POST")
            return self._control(unquote(path.removeprefix(CONTROL_PATH + "/")), body)
        return 404, [("Content-Type", "text/plain; charset=utf-8")], b"Chemin inconnu du simulateur PayFiP.\n"

    def _soap_endpoint(self, method: str, query: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        if method != "POST":
            return _not_allowed("POST")
        content_type = next((value for name, value in headers.items() if name.lower() == "content-type"), "")
        if "xml" not in content_type:
            return 415, _SOAP_HEADERS, _soap_fault("S:Client", "Content-Type attendu : text/xml")
        return self._soap(body)

    def _page_endpoint(self, method: str, query: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        if method in {"GET", "HEAD"}:
            return self._page(parse_qs(query).get("idop", [""])[0])
        if method == "POST":
            return self._choose(body)
        return _not_allowed("GET, HEAD, POST")

    def _list_endpoint(self, method: str, query: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        if method != "GET":
            return _not_allowed("GET")
        return _json(200, [asdict(operation) for operation in self.operations()])

    def _soap(self, body: bytes) -> Answer:
        call = _read_call(body)
        if call is None:
            return 500, _SOAP_HEADERS, _soap_fault("S:Client", "Requête SOAP illisible")
        operation, fields = call
        if operation == "creerPaiementSecurise":
            return self._create(fields)
        if operation == "recupererDetailPaiementSecurise":
            return self._detail(fields.get("idOp", ""))
        return 500, _SOAP_HEADERS, _soap_fault("S:Client", "Opération inconnue")

    def _create(self, fields: dict[str, str]) -> Answer:
        refusal = _refusal(fields)
        if refusal is not None:
            return _payfip_fault(*refusal)
        operation = Operation(
            id_op=str(uuid.uuid4()),
            created_at=self._clock(),
            exer=fields["exer"],
            mel=fields["mel"],
            montant=int(fields["montant"]),
            numcli=fields["numcli"],
            objet=fields.get("objet", ""),
            refdet=fields["refdet"],
            saisie=fields["saisie"],
            urlnotif=fields["urlnotif"],
            urlredirect=fields["urlredirect"],
        )
        with self._lock:
            self._operations[operation.id_op] = operation
        return 200, _SOAP_HEADERS, _soap_answer("creerPaiementSecurise", [("idOp", operation.id_op)])

    def _detail(self, id_op: str) -> Answer:
        with self._lock:
            operation = self._operations.get(id_op)
        if operation is None or operation.expired(self._clock()):
            return _payfip_fault("P1", "IdOp incorrect.")
        if operation.resultrans is None:
            return _payfip_fault("P5", "Résultat de la transaction non connu.")
        fields = [
            ("dattrans", operation.dattrans),
            ("exer", operation.exer),
            ("heurtrans", operation.heurtrans),
            ("idOp", operation.id_op),
            ("mel", operation.mel),
            ("montant", str(operation.montant)),
            ("numauto", operation.numauto),
            ("numcli", operation.numcli),
            ("objet", operation.objet),
            ("refdet", operation.refdet),
            ("resultrans", operation.resultrans),
            ("saisie", operation.saisie),
        ]
        # PayFiP leaves out the fields it has no value for, numauto on a refusal for one.
        answer = _soap_answer("recupererDetailPaiementSecurise", [(name, value) for name, value in fields if value])
        return 200, _SOAP_HEADERS, answer

    def _page(self, id_op: str) -> Answer:
        with self._lock:
            operation = self._operations.get(id_op)
        if operation is None:
            return _unknown_page()
        closed = self._closed_page(operation)
        if closed is not None:
            return closed
        amount = _euros(operation.montant)
        buttons = "\n".join(
            f'<p><button type="submit" name="resultrans" value="{code}">{label}</button></p>'
            for code, label in CHOICES.items()
        )
        content = f"""<p>Simulateur PayFiP du mode local : aucun paiement réel n'a lieu.</p>
<dl>
<dt>Montant</dt><dd>{amount}</dd>
<dt>Objet</dt><dd>{html.escape(operation.objet) or "(sans objet)"}</dd>
<dt>Référence</dt><dd>{html.escape(operation.refdet)}</dd>
</dl>
<form method="post" action="{PAGE_PATH}">
<input type="hidden" name="idop" value="{html.escape(operation.id_op)}">
<fieldset>
<legend>Issue du paiement</legend>
{buttons}
</fieldset>
</form>"""
        return 200, _PAGE_HEADERS, _html(f"Paiement de {amount}", content)

    def _closed_page(self, operation: Operation) -> Answer | None:
        if operation.expired(self._clock()):
            text = "<p>Cette opération de paiement a expiré : elle n'était valable que 15 minutes.</p>"
            return 410, _PAGE_HEADERS, _html("Délai de paiement dépassé", text)
        if operation.resultrans is not None:
            return 409, _PAGE_HEADERS, _html("Paiement déjà traité", "<p>Cette opération de paiement est terminée.</p>")
        return None

    def _choose(self, body: bytes) -> Answer:
        form = parse_qs(body[:MAX_REQUEST_BYTES].decode("utf-8", errors="replace"))
        id_op = form.get("idop", [""])[0]
        resultrans = form.get("resultrans", [""])[0]
        if resultrans not in CHOICES:
            return 400, _PAGE_HEADERS, _html("Choix invalide", "<p>Choisissez l'issue du paiement.</p>")
        try:
            operation = self._record(id_op, resultrans, montant=None, notify=True, only_open=True)
        except KeyError:
            return _unknown_page()
        except OperationClosed as closed:
            return closed.page
        return 303, [("Location", _with_idop(operation.urlredirect, id_op)), ("Cache-Control", "no-store")], b""

    def _control(self, id_op: str, body: bytes) -> Answer:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        problem = _control_problem(payload)
        if problem is not None:
            return _json(400, {"message": problem})
        try:
            operation = self.settle(
                id_op, payload["resultrans"], montant=payload.get("montant"), notify=payload.get("notify", True)
            )
        except KeyError:
            return _json(404, {"message": "Opération inconnue."})
        return _json(200, asdict(operation))

    def _record(self, id_op: str, resultrans: str, *, montant: int | None, notify: bool, only_open: bool) -> Operation:
        if resultrans not in CHOICES:
            raise ValueError("resultrans is not P, V, R, Z or A")
        now = self._clock()
        paris = paris_datetime(int(now))
        with self._lock:
            operation = self._operations[id_op]
            closed = self._closed_page(operation) if only_open else None
            if closed is not None:
                raise OperationClosed(closed)
            operation = replace(
                operation,
                resultrans=resultrans,
                montant=operation.montant if montant is None else montant,
                numauto=f"{secrets.randbelow(10**6):06d}" if OUTCOMES[resultrans] == "paid" else "",
                dattrans=paris.strftime("%d%m%Y"),
                heurtrans=paris.strftime("%H%M"),
            )
            self._operations[id_op] = operation
        if notify:  # outside the lock: the notified portal calls straight back for the detail
            self._notifier(operation.urlnotif, id_op)
        return operation


def _read_call(body: bytes) -> tuple[str, dict[str, str]] | None:
    """(operation, arguments) of a SOAP call, read by local name; None if it is not one."""
    if len(body) > MAX_REQUEST_BYTES:
        return None
    try:
        root = fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException):
        return None
    soap_body = _child(root, "Body") if _local(root.tag) == "Envelope" else None
    operation = None if soap_body is None else next(iter(soap_body), None)
    arguments = None if operation is None else _child(operation, "arg0")
    if operation is None or arguments is None:
        return None
    return _local(operation.tag), {_local(element.tag): element.text or "" for element in arguments}


def _refusal(fields: dict[str, str]) -> tuple[str, str] | None:
    """The fault DGFiP's service would answer for these arguments, as (code, libellé)."""
    if not fields.get("mel"):
        return "A1", "Adresse mel non renseignée."
    exer, montant = fields.get("exer", ""), fields.get("montant", "")
    request = PaymentRequest(
        exer=int(exer) if _is_number(exer) else 0,
        mel=fields["mel"],
        montant=int(montant) if _is_number(montant) else 0,
        numcli=fields.get("numcli", ""),
        objet=fields.get("objet", ""),
        refdet=fields.get("refdet", ""),
        saisie=fields.get("saisie", ""),
        urlnotif=fields.get("urlnotif", ""),
        urlredirect=fields.get("urlredirect", ""),
    )
    invalid = set(request.invalid_fields())
    first = next((name for name in _CHECK_ORDER if name in invalid), None)
    if first is None:
        return None
    if first != "montant":
        return _FIELD_FAULTS[first]
    if not _is_number(montant):
        return "M1", "Le format du montant n'est pas correct."
    if int(montant) < MIN_MONTANT:
        return "M3", "Le montant est inférieur au minimum autorisé."
    return "M5", "Le montant dépasse le maximum autorisé."


def _control_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return "Corps JSON attendu."
    montant = payload.get("montant")
    if payload.get("resultrans") not in CHOICES:
        return "resultrans : P, V, R, Z ou A."
    if montant is not None and (not isinstance(montant, int) or isinstance(montant, bool) or montant < 0):
        return "montant : un nombre entier de centimes."
    if not isinstance(payload.get("notify", True), bool):
        return "notify : true ou false."
    return None


def _is_number(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _soap_answer(operation: str, fields: list[tuple[str, str]]) -> bytes:
    # Unqualified fields, as DGFiP's WSDL declares them.
    values = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields)
    return _soap(
        f'<ns2:{operation}Response xmlns:ns2="{SERVICE_NAMESPACE}"><return>{values}</return></ns2:{operation}Response>'
    )


def _payfip_fault(code: str, libelle: str) -> Answer:
    detail = (
        f'<ns2:FonctionnelleErreur xmlns:ns2="{SERVICE_NAMESPACE}">'
        f"<code>{code}</code><descriptif/><libelle>{escape(libelle)}</libelle><severite>2</severite>"
        "</ns2:FonctionnelleErreur>"
    )
    return (
        500,
        _SOAP_HEADERS,
        _soap_fault("S:Server", "fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur", detail),
    )


def _soap_fault(faultcode: str, faultstring: str, detail: str = "") -> bytes:
    detail_element = f"<detail>{detail}</detail>" if detail else ""
    return _soap(
        f"<S:Fault><faultcode>{faultcode}</faultcode><faultstring>{escape(faultstring)}</faultstring>"
        f"{detail_element}</S:Fault>"
    )


def _soap(body: str) -> bytes:
    envelope = f'<S:Envelope xmlns:S="{SOAP_NAMESPACE}"><S:Body>{body}</S:Body></S:Envelope>'
    return f'<?xml version="1.0" encoding="UTF-8"?>{envelope}'.encode()


def _html(title: str, content: str) -> bytes:
    return f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — simulateur PayFiP</title>
</head>
<body>
<main>
<h1>{title}</h1>
{content}
</main>
</body>
</html>
""".encode()


def _unknown_page() -> Answer:
    return 404, _PAGE_HEADERS, _html("Opération inconnue", "<p>Cette opération de paiement est inconnue.</p>")


def _json(status: int, payload: Any) -> Answer:
    return status, _JSON_HEADERS, json.dumps(payload, ensure_ascii=False).encode()


def _not_allowed(allow: str) -> Answer:
    return 405, [("Allow", allow), ("Content-Type", "text/plain; charset=utf-8")], "Méthode non permise.\n".encode()


def _euros(cents: int) -> str:
    units = f"{cents // 100:,}".replace(",", "\u202f")
    return f"{units},{cents % 100:02d}\u00a0€"


def _with_idop(url: str, id_op: str) -> str:
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), ("idop", id_op)])
    return urlunsplit(parts._replace(query=query))


def _child(element: Element, local_name: str) -> Element | None:
    return next((child for child in element if _local(child.tag) == local_name), None)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
