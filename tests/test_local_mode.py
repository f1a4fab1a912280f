"""Local mode over real HTTP, started as `make run` starts it: sign up, read the email, activate."""

import base64
import json
import re
import time
import urllib.error
import urllib.request
from datetime import date
from typing import Any

import pytest


def call(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, response.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read() or b"null")


def test_sign_up_then_activate_from_the_emailed_link(local_api: str) -> None:
    status, headers, body = call(
        "POST",
        f"{local_api}/accounts",
        {"email": "Camille@Example.fr", "password": "Ecluse9!Torse", "password_confirmation": "Ecluse9!Torse"},
    )
    assert (status, body) == (202, {"message": "Enregistrement effectué. Un email de confirmation vous a été envoyé."})
    assert headers["X-Content-Type-Options"] == "nosniff"

    status, _, emails = call("GET", f"{local_api}/_local/emails")
    assert status == 200
    [email] = emails
    assert email["to"] == "camille@example.fr"
    assert {"to", "subject", "text", "html", "sent_at"} <= email.keys()
    link = re.search(rf"{re.escape(local_api)}/activation#token=([\w-]+)", email["text"])
    assert link is not None, email["text"]

    status, headers, body = call(
        "POST", f"{local_api}/accounts/activation", {"token": link.group(1), "password": "Ecluse9!Torse"}
    )
    assert status == 200
    assert "votre compte est activé" in body["message"].lower()
    assert headers["Set-Cookie"].startswith("__Host-session=")  # activation logs in

    status, _, body = call("POST", f"{local_api}/accounts/activation/resend", {"email": "camille@example.fr"})
    assert status == 202
    _, _, emails = call("GET", f"{local_api}/_local/emails")
    assert [e["subject"] for e in emails] == ["Activez votre espace abonné", "Vous avez déjà un espace abonné"]


def test_an_answer_never_waits_for_the_work_it_queued(local_api: str) -> None:
    """As in AWS: the worker runs after the answer (its time would tell what it found, e.g. whether
    the address has an account). GET /_local/emails waits for it, so it shows every earlier
    request's emails."""
    from tests.conftest import CONSOLES

    password = "Ecluse9!Torse"
    status, _, _ = call(
        "POST",
        f"{local_api}/accounts",
        {"email": "apres-la-reponse@example.fr", "password": password, "password_confirmation": password},
    )
    assert status == 202
    _, _, emails = call("GET", f"{local_api}/_local/emails")

    assert emails[-1]["to"] == "apres-la-reponse@example.fr"
    lines = CONSOLES[local_api].until("À : apres-la-reponse@example.fr")
    answered = max(i for i, line in enumerate(lines) if line.startswith("POST /accounts → 202"))
    assert answered < len(lines) - 1  # the request's line was printed once answered, the email after


def test_bad_input_over_http_is_a_4xx(local_api: str) -> None:
    request = urllib.request.Request(
        f"{local_api}/accounts",
        data=b"email=x",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 415


def test_preflight_answers_the_configured_origin(local_api: str) -> None:
    status, headers, _ = call("OPTIONS", f"{local_api}/accounts", headers={"Origin": local_api})

    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == local_api
    assert headers["Access-Control-Allow-Credentials"] == "true"


def test_log_in_me_and_log_out_over_http(local_api: str) -> None:
    email, password = "yanis@example.fr", "Victor#Hugo27"
    _activated(local_api, email, password)

    status, headers, body = call("POST", f"{local_api}/sessions", {"email": email, "password": password})
    assert (status, body) == (200, {"email": email})
    set_cookie = headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie
    assert "Secure" in set_cookie
    cookie = set_cookie.split(";", 1)[0]

    status, headers, body = call("GET", f"{local_api}/me", headers={"Cookie": cookie})
    assert (status, body) == (200, {"email": email, "contracts": []})
    assert headers["Cache-Control"] == "no-store"

    status, _, _ = call("DELETE", f"{local_api}/sessions/current", headers={"Cookie": cookie, "Origin": local_api})
    assert status == 204

    status, _, body = call("GET", f"{local_api}/me", headers={"Cookie": cookie})
    assert status == 401
    assert body["code"] == "not_authenticated"


def test_link_a_contract_and_read_its_dashboard_over_http(local_api: str) -> None:
    cookie = _signed_in(local_api, "camille.demo@example.fr", "Cordeliers#2026")

    status, _, body = call(
        "POST", f"{local_api}/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"}, cookie
    )
    assert status == 200
    assert body["message"] == "Liaison enregistrée."
    assert [c["number"] for c in body["contracts"]] == ["11301.11377.01", "11301.11377.02"]

    status, _, body = call("GET", f"{local_api}/contracts", headers=cookie)
    assert [c["service_address"] for c in body["contracts"]] == [
        "12 rue des Cordeliers, 13100 Aix-en-Provence",
        "4 chemin de la Torse, 13100 Aix-en-Provence",
    ]

    status, _, board = call("GET", f"{local_api}/contracts/11301.11377.02/dashboard", headers=cookie)
    assert status == 200
    assert set(board) == {
        "contract", "service_regulations", "consumption", "invoices", "payments", "balance", "data_as_of",
        "leak_alerts", "meter_readings_sent", "consumption_alerts",
    }  # fmt: skip
    assert len(board["consumption"]) >= 7

    status, _, body = call("GET", f"{local_api}/contracts/11302.20456.01/dashboard", headers=cookie)
    assert (status, body["code"]) == (404, "contract_not_found")


def _activated(local_api: str, email: str, password: str) -> None:
    """Signed up and activated from the emailed link, as a person would."""
    call("POST", f"{local_api}/accounts", {"email": email, "password": password, "password_confirmation": password})
    link = re.search(r"token=([\w-]+)", _last_email_to(local_api, email)["text"])
    assert link is not None
    status, headers, _ = call(
        "POST", f"{local_api}/accounts/activation", {"token": link.group(1), "password": password}
    )
    assert status == 200
    cookie = headers["Set-Cookie"].split(";", 1)[0]  # activation logged in: log out, as from a shared computer
    call("DELETE", f"{local_api}/sessions/current", headers={"Cookie": cookie, "Origin": local_api})


def _signed_in(local_api: str, email: str, password: str) -> dict[str, str]:
    _activated(local_api, email, password)
    _, headers, _ = call("POST", f"{local_api}/sessions", {"email": email, "password": password, "remember_me": True})
    return {"Cookie": headers["Set-Cookie"].split(";", 1)[0], "Origin": local_api}


def _last_email_to(local_api: str, address: str) -> dict[str, str]:
    _, _, emails = call("GET", f"{local_api}/_local/emails")
    return next(e for e in reversed(emails) if e["to"] == address)


def test_subscription_request_and_contact_over_http(local_api: str) -> None:
    status, _, body = call(
        "POST",
        f"{local_api}/subscription-requests",
        {
            "holder_name": "Léa Durand",
            "service_address": "3 place des Prêcheurs, 13100 Aix-en-Provence",
            "move_in_date": date.today().isoformat(),
            "phone": "06 12 34 56 78",
            "email": "lea@example.fr",
        },
    )
    assert status == 202
    assert body["reference"] in _last_email_to(local_api, "lea@example.fr")["text"]
    assert body["reference"] in _last_email_to(local_api, "contact@eauxdupaysdaix.fr")["subject"]

    status, _, body = call(
        "POST",
        f"{local_api}/contact-messages",
        {"name": "Léa", "email": "lea@example.fr", "subject": "compteur", "message": "Mon compteur fuit."},
    )
    assert status == 202
    assert "Mon compteur fuit." in _last_email_to(local_api, "contact@eauxdupaysdaix.fr")["text"]


def test_mon_compte_over_http(local_api: str) -> None:
    email, password, new_password = "moncompte@example.fr", "Torse#2026ok", "Nouveau#Mot2026"
    cookie = _signed_in(local_api, email, password)
    call("POST", f"{local_api}/contracts/links", {"contract_number": "11302.20456.01", "key": "H5N2-R7VB"}, cookie)

    status, _, _ = call("DELETE", f"{local_api}/me/contracts/11302.20456.01", headers=cookie)
    assert status == 204
    status, _, body = call("GET", f"{local_api}/me/sessions", headers=cookie)
    assert status == 200
    assert [s["current"] for s in body["sessions"]] == [True]
    status, _, _ = call(
        "POST",
        f"{local_api}/me/password",
        {"current_password": password, "new_password": new_password, "new_password_confirmation": new_password},
        cookie,
    )
    assert status == 200
    status, _, _ = call(
        "POST",
        f"{local_api}/me/email",
        {"new_email": "moncompte2@example.fr", "current_password": new_password},
        cookie,
    )
    assert status == 202
    link = re.search(r"token=([\w-]+)", _last_email_to(local_api, "moncompte2@example.fr")["text"])
    assert link is not None
    status, _, _ = call("POST", f"{local_api}/me/email/confirm", {"token": link.group(1)})
    assert status == 200

    status, _, export = call("GET", f"{local_api}/me/export", headers=cookie)
    assert (status, export["account"]["email"]) == (200, "moncompte2@example.fr")

    status, _, _ = call("DELETE", f"{local_api}/me", {"current_password": new_password}, cookie)
    assert status == 204
    status, _, _ = call("GET", f"{local_api}/me", headers=cookie)
    assert status == 401


def test_a_billing_import_posted_to_local_mode_runs_the_real_import(local_api: str) -> None:
    """POST /_local/billing-imports: a payer change tried over HTTP, without a restart (issue 12)."""
    from local_mode.backend import DEMO_EXPORT

    cookie = _signed_in(local_api, "payeur@example.fr", "Cordeliers#2026")
    call("POST", f"{local_api}/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"}, cookie)
    records = [json.loads(line) for line in DEMO_EXPORT.read_text(encoding="utf-8").splitlines()]
    records.insert(1, {"type": "payer", "payer_id": "R-777777", "name": "Nouvel occupant"})
    for record in records:
        if record.get("number") == "11301.11377.02":
            record["payer_id"] = "R-777777"
    export = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n{not json}\n"
    request = urllib.request.Request(f"{local_api}/_local/billing-imports", data=export.encode(), method="POST")

    with urllib.request.urlopen(request, timeout=30) as response:
        report = json.loads(response.read())

    assert report["imported"] == 3
    assert report["links_ended"] >= 1  # this account's link, and those of earlier tests of this module
    assert report["refused"] == [
        {"line": len(records) + 1, "contract": None, "errors": [report["refused"][0]["errors"][0]]}
    ]
    # The operators were alerted (SNS, shown by local mode like the emails).
    status, _, alerts = call("GET", f"{local_api}/_local/alerts")
    assert status == 200
    assert alerts[-1]["subject"] == "Billing import: 1 record refused"
    status, _, body = call("GET", f"{local_api}/contracts/11301.11377.02/dashboard", headers=cookie)
    assert (status, body["code"]) == (404, "contract_not_found")
    assert _last_email_to(local_api, "payeur@example.fr")["subject"] == (
        "Un contrat n'est plus accessible depuis votre espace abonné"
    )


def test_local_mode_pays_with_its_own_payfip_simulator_unless_its_environment_names_another() -> None:
    from local_mode.__main__ import local_overrides

    address = "http://127.0.0.1:3000"
    own = local_overrides(address, {})
    other = local_overrides(
        address,
        {
            "PAYFIP_WS_URL": "https://testpayfip.example/tpa/services/securite",
            "PAYFIP_PAYMENT_URL": "https://testpayfip.example/tpa/paiementws.web",
            "PUBLIC_API_URL": "https://tunnel.example",
        },
    )

    assert own["PayfipWsUrl"] == f"{address}/_payfip/tpa/services/securite"
    assert own["PayfipPaymentUrl"] == f"{address}/_payfip/tpa/paiementws.web"
    assert own["PublicApiUrl"] == address  # where the simulator notifies and sends the browser back
    assert other["PayfipWsUrl"] == "https://testpayfip.example/tpa/services/securite"
    assert other["PayfipPaymentUrl"] == "https://testpayfip.example/tpa/paiementws.web"
    assert other["PublicApiUrl"] == "https://tunnel.example"


def test_local_mode_takes_the_per_ip_email_limit_from_its_environment() -> None:
    """`EMAIL_REQUESTS_PER_IP_PER_HOUR=1000 make run` for a script that signs up many accounts."""
    from local_mode.__main__ import local_overrides
    from local_mode.template import load_template

    default = load_template(local_overrides("http://127.0.0.1:3000", {}))
    raised = load_template(local_overrides("http://127.0.0.1:3000", {"EMAIL_REQUESTS_PER_IP_PER_HOUR": "1000"}))

    for function in ("SignupFunction", "PasswordResetFunction"):
        assert default.functions()[function].environment["EMAIL_REQUESTS_PER_IP_PER_HOUR"] == "30"
        assert raised.functions()[function].environment["EMAIL_REQUESTS_PER_IP_PER_HOUR"] == "1000"


@pytest.mark.parametrize("only", ["PAYFIP_WS_URL", "PAYFIP_PAYMENT_URL"])
def test_local_mode_refuses_one_payfip_address_without_the_other(only: str) -> None:
    """The simulator's SOAP with another PayFiP's page (or the reverse) would create operations
    that no page can pay: local mode says so at start rather than half-working."""
    from local_mode.__main__ import local_overrides

    with pytest.raises(SystemExit, match="PAYFIP_WS_URL et PAYFIP_PAYMENT_URL vont ensemble"):
        local_overrides("http://127.0.0.1:3000", {only: "https://testpayfip.example/tpa"})


def test_the_payfip_simulator_and_the_payment_settler_run_in_local_mode(local_api: str) -> None:
    with urllib.request.urlopen(f"{local_api}/_payfip/test/operations", timeout=10) as response:
        assert json.load(response) == []
    request = urllib.request.Request(f"{local_api}/_local/schedules/PaymentSettlerFunction", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.load(response)

    assert answer == {
        "function": "PaymentSettlerFunction",
        "response": {"checked": 0, "events": {}, "oldest_pending_age": 0, "receipts_sent": 0, "receipts_failed": 0},
    }


def test_an_invoice_pdf_over_http_is_bytes_for_a_browser_as_api_gateway_gives_it(local_api: str) -> None:
    """API Gateway turns a base64 answer into bytes when the first type of Accept is a binary media
    type of the API (text/html for a browser following a link); else the client gets base64 text."""
    cookie = _signed_in(local_api, "pdf@example.fr", "Cordeliers#2026")
    call("POST", f"{local_api}/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"}, cookie)
    url = f"{local_api}/contracts/11301.11377.01/invoices/F202610-1137701/pdf"

    def fetch(accept: str) -> tuple[Any, bytes]:
        request = urllib.request.Request(url, headers={"Cookie": cookie["Cookie"], "Accept": accept})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.headers, response.read()

    headers, content = fetch("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert content.startswith(b"%PDF-")
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == 'attachment; filename="facture-F202610-1137701.pdf"'
    assert fetch("application/pdf")[1] == content
    assert base64.b64decode(fetch("*/*")[1]) == content  # curl's default: base64, as from API Gateway


def test_the_days_return_feed_is_written_and_read_locally(local_api: str) -> None:
    from espace_abonne.core.return_feed import paris_day

    status, _, body = call(
        "POST",
        f"{local_api}/contact-messages",
        {"name": "Léa", "email": "lea.feed@example.fr", "subject": "autre", "message": "Pour le flux retour."},
    )
    assert status == 202
    today = paris_day(int(time.time()))
    yesterday = paris_day(int(time.time()) - 86400)

    # Today is not over: the function refuses to write its file (the nightly run writes it), and
    # local mode shows the day so far instead, labelled as such.
    status, _, refused = call("POST", f"{local_api}/_local/return-feed/{today}")
    assert (status, refused["code"]) == (400, "not_a_day")
    assert "is not over yet" in refused["message"]
    with urllib.request.urlopen(f"{local_api}/_local/return-feed/{today}", timeout=30) as response:
        assert response.headers["X-Return-Feed"].startswith("preview: the day is not over")
        content = response.read()
    lines = [json.loads(line) for line in content.decode("utf-8").splitlines()]
    assert {"type": "contact_message", "reference": body["reference"]}.items() <= next(
        line for line in lines if line.get("reference") == body["reference"]
    ).items()
    # A day that is over is written as an operator writes it, and read as the billing system reads it.
    written = urllib.request.Request(f"{local_api}/_local/return-feed/{yesterday}", method="POST")
    with urllib.request.urlopen(written, timeout=30) as response:
        assert "X-Return-Feed" not in response.headers
        content = response.read()
    with urllib.request.urlopen(f"{local_api}/_local/return-feed/{yesterday}", timeout=30) as response:
        assert response.read() == content  # what the billing system would read
    assert call("GET", f"{local_api}/_local/return-feed/2001-01-01")[0] == 404
    assert call("GET", f"{local_api}/_local/return-feed/hier")[0] == 400
