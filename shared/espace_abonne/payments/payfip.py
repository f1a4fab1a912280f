"""PayFiP's SOAP web service (PRODUCT.md §6): register a payment, then ask PayFiP how it ended.

PayFiP's notification and the browser's return are not signed: `PayfipClient.payment_detail` is
the only truth about a payment. The two envelopes are written by hand rather than through a SOAP
library, and urllib and defusedxml are imported only when a call is made: this module runs in
Lambda, where import time is cold start.

Answers are read by local name only. DGFiP's WSDL declares the fields unqualified, yet they have
been seen in the `…/reponse` namespace, under any prefix.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from http.client import HTTPMessage
    from urllib.request import Request
    from xml.etree.ElementTree import Element

SERVICE_NAMESPACE = (
    "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
    "contrat_paiement_securise/PaiementSecuriseService"
)
ANSWER_NAMESPACE = "http://securite.service.tpa.cp.finances.gouv.fr/reponse"
SOAP_NAMESPACE = "http://schemas.xmlsoap.org/soap/envelope/"
DEFAULT_WS_URL = "https://www.payfip.gouv.fr/tpa/services/securite"
DEFAULT_PAYMENT_URL = "https://www.payfip.gouv.fr/tpa/paiementws.web"

MIN_MONTANT, MAX_MONTANT = 100, 9_999_999
SAISIES = ("T", "X", "W")  # test, activation, production
MAX_ANSWER_BYTES = 64 * 1024

Outcome = Literal["paid", "refused", "abandoned"]
OUTCOMES: dict[str, Outcome] = {"P": "paid", "V": "paid", "R": "refused", "Z": "refused", "A": "abandoned"}

Transport = Callable[[str, bytes, float], tuple[int, bytes]]
"""(url, envelope, timeout in seconds) -> (HTTP status, body); raises OSError when PayFiP can't be reached."""

_ID_OP_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_FIELD_PROBLEMS = {
    "exer": "exer is not a four-digit year",
    "mel": "mel is not 6 to 80 characters with an @ and no space",
    "montant": f"montant is not {MIN_MONTANT} to {MAX_MONTANT} cents",
    "numcli": "numcli is not 6 digits",
    "objet": "objet is not up to 100 letters, digits or spaces",
    "refdet": "refdet is not 6 to 30 letters or digits",
    "saisie": "saisie is not T, X or W",
    "urlnotif": "urlnotif is not an absolute http(s) URL",
    "urlredirect": "urlredirect is not an absolute http(s) URL",
}


class PayfipError(Exception):
    """PayFiP did not do what was asked. Messages carry codes only, never personal data."""


class PayfipFault(PayfipError):
    """PayFiP refused the call: a SOAP fault whose detail is a `…Erreur` with a code (P1, P5, R3, A2…)."""

    def __init__(self, code: str, description: str = "", kind: str = "FonctionnelleErreur") -> None:
        super().__init__(f"PayFiP {kind} {code}")
        self.code = code
        self.description = description  # PayFiP's libellé: for people, kept out of the message
        self.kind = kind


class PayfipUnavailable(PayfipError):
    """No usable answer: unreachable, timed out, or an HTTP error without a PayFiP error code."""


class PayfipProtocolError(PayfipUnavailable):
    """PayFiP answered outside its protocol: unparseable or hostile XML, missing or unknown fields."""


@dataclass(frozen=True)
class PaymentRequest:
    """The arguments of `creerPaiementSecurise`."""

    exer: int
    mel: str = field(repr=False)  # the payer's address: personal data, kept out of logs
    montant: int  # cents
    numcli: str
    objet: str
    refdet: str
    saisie: str
    urlnotif: str
    urlredirect: str

    def invalid_fields(self) -> list[str]:
        """The fields PayFiP would refuse, in the order of the WSDL."""
        checks = {
            "exer": _is_int(self.exer) and 1000 <= self.exer <= 9999,
            "mel": 6 <= len(self.mel) <= 80 and "@" in self.mel and _is_visible(self.mel),
            "montant": _is_int(self.montant) and MIN_MONTANT <= self.montant <= MAX_MONTANT,
            "numcli": len(self.numcli) == 6 and self.numcli.isascii() and self.numcli.isdigit(),
            "objet": len(self.objet) <= 100 and all(c == " " or (c.isascii() and c.isalnum()) for c in self.objet),
            "refdet": 6 <= len(self.refdet) <= 30 and self.refdet.isascii() and self.refdet.isalnum(),
            "saisie": self.saisie in SAISIES,
            "urlnotif": _is_http_url(self.urlnotif),
            "urlredirect": _is_http_url(self.urlredirect),
        }
        return [name for name, valid in checks.items() if not valid]

    def problems(self) -> list[str]:
        """Why PayFiP would refuse this request, naming fields and never their values."""
        return [_FIELD_PROBLEMS[name] for name in self.invalid_fields()]


@dataclass(frozen=True)
class PaymentDetail:
    """`recupererDetailPaiementSecurise`'s answer: how PayFiP says the payment ended."""

    id_op: str
    numcli: str
    refdet: str
    montant: int  # cents
    resultrans: str  # P card, V direct debit, R card refused, Z debit refused, A abandoned
    numauto: str = ""  # the authorization number; absent when refused
    dattrans: str = ""  # DDMMYYYY, Paris time
    heurtrans: str = ""  # HHMM, Paris time
    exer: str = ""  # as PayFiP echoes it: recorded answers show it shortened to two digits
    objet: str = ""
    saisie: str = ""
    mel: str = field(default="", repr=False)

    @property
    def outcome(self) -> Outcome:
        try:
            return OUTCOMES[self.resultrans]
        except KeyError:
            raise PayfipProtocolError(f"unknown resultrans {self.resultrans[:8]!r}") from None

    @property
    def transaction_time(self) -> int | None:
        """When PayFiP recorded the result, in seconds since the epoch; None when it did not say."""
        if not self.dattrans or not self.heurtrans:
            return None
        day, time = self.dattrans, self.heurtrans
        if not (len(day) == 8 and len(time) == 4 and (day + time).isascii() and (day + time).isdigit()):
            raise PayfipProtocolError("dattrans or heurtrans is not DDMMYYYY / HHMM")
        import datetime as dt

        from espace_abonne.core.clock import paris_epoch

        try:
            local = dt.datetime(int(day[4:]), int(day[2:4]), int(day[:2]), int(time[:2]), int(time[2:]))
        except ValueError:
            raise PayfipProtocolError("dattrans or heurtrans is not a date and time") from None
        return paris_epoch(local)


class PayfipClient:
    def __init__(self, ws_url: str = DEFAULT_WS_URL, timeout: float = 5.0, transport: Transport | None = None) -> None:
        self._ws_url = ws_url
        self._timeout = timeout
        self._transport = transport or urllib_transport

    def create_payment(self, request: PaymentRequest) -> str:
        """Registers the payment with PayFiP and returns its idOp; the browser then goes to `payment_page_url`."""
        problems = request.problems()
        if problems:
            raise ValueError("PayFiP would refuse this payment: " + "; ".join(problems))
        id_op = self._call(creation_envelope(request)).get("idOp", "")
        if not is_id_op(id_op):
            raise PayfipProtocolError("creerPaiementSecurise answered without a valid idOp")
        return id_op

    def payment_detail(self, id_op: str) -> PaymentDetail:
        """What PayFiP recorded for `id_op`; PayfipFault P5 while the payer has not finished, P1 once purged."""
        if not is_id_op(id_op):
            raise ValueError("idOp is not 1 to 64 letters, digits or hyphens")
        fields = self._call(detail_envelope(id_op))
        missing = [name for name in ("idOp", "numcli", "refdet", "montant", "resultrans") if not fields.get(name)]
        if missing:
            raise PayfipProtocolError("recupererDetailPaiementSecurise answered without " + ", ".join(missing))
        if not (fields["montant"].isascii() and fields["montant"].isdigit()):
            raise PayfipProtocolError("montant is not a number of cents")
        detail = PaymentDetail(
            id_op=fields["idOp"],
            numcli=fields["numcli"],
            refdet=fields["refdet"],
            montant=int(fields["montant"]),
            resultrans=fields["resultrans"],
            numauto=fields.get("numauto", ""),
            dattrans=fields.get("dattrans", ""),
            heurtrans=fields.get("heurtrans", ""),
            exer=fields.get("exer", ""),
            objet=fields.get("objet", ""),
            saisie=fields.get("saisie", ""),
            mel=fields.get("mel", ""),
        )
        # Read both now, so that a caller never holds a detail whose properties raise later.
        _ = (detail.outcome, detail.transaction_time)
        return detail

    def _call(self, envelope: bytes) -> dict[str, str]:
        try:
            status, body = self._transport(self._ws_url, envelope, self._timeout)
        except OSError as error:  # refused connections, timeouts and URLError alike
            raise PayfipUnavailable(f"PayFiP unreachable ({type(error).__name__})") from error
        if len(body) > MAX_ANSWER_BYTES:
            raise PayfipProtocolError(f"answer larger than {MAX_ANSWER_BYTES} bytes")
        return _answer_fields(status, body)


def payment_page_url(payment_url: str, id_op: str) -> str:
    """PayFiP's payment page for `id_op` (`PAYFIP_PAYMENT_URL?idop=…`), where the browser is sent."""
    from urllib.parse import urlencode

    separator = "&" if "?" in payment_url else "?"
    return f"{payment_url}{separator}{urlencode({'idop': id_op})}"


def is_id_op(value: str) -> bool:
    """PayFiP's idOp are UUIDs; anything else is refused before it reaches an envelope."""
    return 0 < len(value) <= 64 and all(c in _ID_OP_CHARACTERS for c in value)


def creation_envelope(request: PaymentRequest) -> bytes:
    """The `creerPaiementSecurise` call, as sent (unchecked: see `PaymentRequest.problems`)."""
    return _envelope(
        "creerPaiementSecurise",
        {
            "exer": str(request.exer),
            "mel": request.mel,
            "montant": str(request.montant),
            "numcli": request.numcli,
            "objet": request.objet,
            "refdet": request.refdet,
            "saisie": request.saisie,
            "urlnotif": request.urlnotif,
            "urlredirect": request.urlredirect,
        },
    )


def detail_envelope(id_op: str) -> bytes:
    """The `recupererDetailPaiementSecurise` call, as sent."""
    return _envelope("recupererDetailPaiementSecurise", {"idOp": id_op})


def urllib_transport(url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
    """POSTs the envelope with urllib. Redirects are not followed (urllib would turn the POST into a GET)."""
    import http.client
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(
            self, req: "Request", fp: IO[bytes], code: int, msg: str, headers: "HTTPMessage", newurl: str
        ) -> "Request | None":
            return None

    if not url.startswith(("https://", "http://")):
        raise ValueError("the PayFiP web service URL is not http(s)")
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        url, data=body, method="POST", headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
    )
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=timeout) as response:
            return int(response.status), response.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read(MAX_ANSWER_BYTES + 1)
    except http.client.HTTPException as error:
        raise ConnectionError(f"malformed HTTP answer ({type(error).__name__})") from error


def _envelope(operation: str, arguments: dict[str, str]) -> bytes:
    fields = "".join(f"<{name}>{_escape(value)}</{name}>" for name, value in arguments.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NAMESPACE}" xmlns:pai="{SERVICE_NAMESPACE}">'
        f"<soapenv:Header/><soapenv:Body><pai:{operation}><arg0>{fields}</arg0></pai:{operation}>"
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _answer_fields(status: int, body: bytes) -> dict[str, str]:
    """The fields of a successful answer; raises the fault PayFiP answered, or why there is no answer."""
    try:
        root = _parse(body)
    except PayfipProtocolError:
        if status != 200:
            raise PayfipUnavailable(f"HTTP {status}") from None
        raise
    soap_body = _child(root, "Body") if _local(root.tag) == "Envelope" else None
    fault = None if soap_body is None else _child(soap_body, "Fault")
    if fault is not None:
        raise _fault(fault)
    if status != 200:
        raise PayfipUnavailable(f"HTTP {status}")
    response = None if soap_body is None else next(iter(soap_body), None)
    if response is None:
        raise PayfipProtocolError("answer is not a SOAP envelope with a body")
    # Fields sit in <return>; read the response element itself if a version leaves it out.
    container = _child(response, "return")
    fields: dict[str, str] = {}
    for element in response if container is None else container:
        if len(element) == 0:
            fields.setdefault(_local(element.tag), (element.text or "").strip())
    return fields


def _fault(fault: "Element") -> PayfipError:
    detail = _child(fault, "detail")
    error = None if detail is None else next((e for e in detail if _local(e.tag).endswith("Erreur")), None)
    code_element = None if error is None else _child(error, "code")
    code = "" if code_element is None else (code_element.text or "").strip()
    if error is None or not (0 < len(code) <= 16 and code.isascii() and code.isalnum()):
        return PayfipUnavailable("SOAP fault without a PayFiP error code")
    texts = {_local(e.tag): (e.text or "").strip() for e in error}
    return PayfipFault(code, texts.get("libelle") or texts.get("descriptif") or "", kind=_local(error.tag))


def _parse(body: bytes) -> "Element":
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        # No DTD at all: external entities and entity expansion both need one.
        return fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException):
        raise PayfipProtocolError("answer is not well-formed XML without a DTD") from None


def _child(element: "Element", local_name: str) -> "Element | None":
    return next((child for child in element if _local(child.tag) == local_name), None)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_visible(value: str) -> bool:
    return all(c.isprintable() and not c.isspace() for c in value)


def _is_http_url(value: str) -> bool:
    from urllib.parse import urlsplit

    if not _is_visible(value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme in {"http", "https"} and bool(parts.hostname)
    except ValueError:  # an invalid port or IPv6 literal
        return False
