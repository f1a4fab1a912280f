"""« Payer en ligne » in a real browser against local mode and its PayFiP simulator (issue 14): pay the
demo invoice that is partly paid and come back to « payé », the receipt and the balance; refuse and
abandon; a replayed and a forged notification; a detail whose amount does not match; two starts at
once. axe runs on every page of ours that is reached (report in test-artifacts/web/axe-payments.json)."""

import json
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser import Visit, emails_to, http, link_contract, new_subscriber

RECEIPT = "Paiement reçu"
ONLINE = "paiement en ligne, en cours d'encaissement"


@pytest.fixture(scope="module")
def local_mode_environment() -> dict[str, str]:
    return {"EMAIL_REQUESTS_PER_IP_PER_HOUR": "1000"}


AXE_REPORT = "axe-payments"  # test-artifacts/web/axe-payments.json (the `axe` fixture)


def notify(base_url: str, id_op: str) -> tuple[int, Any]:
    """PayFiP's server notifying the portal, as the simulator does."""
    return http(
        base_url, "POST", "/payments/payfip/notifications", f"idop={id_op}".encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip


def invoice_row(page: Page, number: str) -> Any:
    return page.locator("[data-invoices] tr").filter(has=page.get_by_role("cell", name=number, exact=True))


def pay_online(you: Visit, invoice: str) -> str:
    """« Payer en ligne » on the dashboard: PayFiP's page (the simulator) opens; its idOp is returned."""
    page = you.page
    page.get_by_role("button", name=f"Payer en ligne la facture {invoice}").click()
    page.wait_for_url(re.compile(r"/_payfip/tpa/paiementws\.web\?idop="))
    return str(parse_qs(urlsplit(page.url).query)["idop"][0])


def result_message(page: Page) -> Any:
    return page.locator("[data-payment-message]")


def cents(shown: str) -> int:
    """ "1 234,56 €" -> 123456, "−12,30 €" -> -1230."""
    value = int(re.sub(r"\D", "", shown))
    return -value if shown.startswith("−") else value


def balance(page: Page) -> str:
    return str(page.locator(".card--balance [data-field=balance]").text_content())


def test_paying_the_partly_paid_invoice_by_card(visit: Callable[[str], Visit]) -> None:
    you = visit("paiement-carte")
    page = you.page
    new_subscriber(you, "paiement@example.fr")
    link_contract(you)  # 11301.11377.01, on mensualisation
    row = invoice_row(page, "F202610-1137701")
    expect(row).to_contain_text("partiellement payée")
    expect(row.locator("td").nth(4)).to_have_text("253,79\u00a0€")
    before = balance(page)
    you.seen("tableau-de-bord-a-payer")

    id_op = pay_online(you, "F202610-1137701")
    expect(page.get_by_role("heading", level=1)).to_have_text("Paiement de 253,79\u00a0€")
    page.get_by_role("button", name="Payer par carte").click()

    page.wait_for_url(re.compile(r"/paiement/resultat\?paiement="))
    expect(result_message(page)).to_have_text(
        "Paiement accepté, merci\u00a0! Un email de confirmation vous a été envoyé."
    )
    facts = page.locator("[data-payment-facts]")
    expect(facts.locator("[data-field=status]")).to_have_text("payé")
    expect(facts.locator("[data-field=amount]")).to_have_text("253,79\u00a0€")
    authorization = facts.locator("[data-field=authorization_number]").text_content()
    assert authorization is not None
    assert re.fullmatch(r"\d{6}", authorization)
    you.seen_on_both_screens("paiement-accepte")

    [receipt] = [e for e in emails_to(you.base_url, "paiement@example.fr") if e["subject"].startswith(RECEIPT)]
    assert "253,79\u00a0€" in receipt["text"]
    assert f"Numéro d'autorisation\u00a0: {authorization}" in receipt["text"]

    page.get_by_role("link", name="Retour au tableau de bord").click()
    expect(invoice_row(page, "F202610-1137701")).to_contain_text("payée")
    expect(invoice_row(page, "F202610-1137701").get_by_role("button")).to_have_count(0)
    expect(page.locator("[data-payments] tr").first).to_contain_text(ONLINE)
    assert cents(balance(page)) == cents(before) - 25379
    you.seen("tableau-de-bord-paye")

    # PayFiP notifying again (a replay) changes nothing and sends no second receipt.
    assert notify(you.base_url, id_op) == (200, {"message": "Notification reçue."})
    page.reload()
    expect(page.locator(".card--balance [data-field=balance]")).to_have_text(balance(page))
    receipts = [e for e in emails_to(you.base_url, "paiement@example.fr") if e["subject"].startswith(RECEIPT)]
    assert len(receipts) == 1


def test_refusing_then_abandoning_a_payment(visit: Callable[[str], Visit]) -> None:
    you = visit("paiement-refuse")
    page = you.page
    new_subscriber(you, "refus@example.fr")
    link_contract(you, "11302.20456.01", "H5N2-R7VB")  # Yanis Benali's, partly paid too
    before = balance(page)

    pay_online(you, "F202610-2045601")
    page.get_by_role("button", name="Carte refusée").click()
    page.wait_for_url(re.compile(r"/paiement/resultat"))
    expect(result_message(page)).to_contain_text("Votre paiement a été refusé")
    expect(page.locator("[data-field=status]")).to_have_text("refusé")
    you.seen("paiement-refuse")

    page.get_by_role("link", name="Retour au tableau de bord").click()
    pay_online(you, "F202610-2045601")  # the refusal freed the invoice at once
    page.get_by_role("button", name="Abandonner").click()
    page.wait_for_url(re.compile(r"/paiement/resultat"))
    expect(result_message(page)).to_contain_text("Vous avez abandonné le paiement")
    expect(page.locator("[data-field=status]")).to_have_text("abandonné")

    page.get_by_role("link", name="Retour au tableau de bord").click()
    expect(
        invoice_row(page, "F202610-2045601").get_by_role("button", name=re.compile("^Payer en ligne"))
    ).to_be_visible()
    assert balance(page) == before
    assert not [e for e in emails_to(you.base_url, "refus@example.fr") if e["subject"].startswith(RECEIPT)]


def test_a_forged_notification_and_a_detail_whose_amount_does_not_match(visit: Callable[[str], Visit]) -> None:
    you = visit("paiement-falsifie")
    page = you.page
    new_subscriber(you, "falsifie@example.fr")
    link_contract(you, "11302.20456.01", "H5N2-R7VB")
    before = balance(page)

    # Anyone may post to the notification route: an idOp the portal never made leads nowhere.
    assert notify(you.base_url, "3f2b8c1e-0000-4000-8000-000000000000") == (200, {"message": "Notification reçue."})

    id_op = pay_online(you, "F202610-2045601")
    # PayFiP reporting 1,00 € paid instead of 214,59 € (the simulator's control), then notifying.
    control = json.dumps({"resultrans": "P", "montant": 100, "notify": True}).encode()
    status, _ = http(
        you.base_url, "POST", f"/_payfip/test/operations/{id_op}", control, {"Content-Type": "application/json"}
    )
    assert status == 200
    page.goto(f"{you.base_url}/payments/payfip/return?idop={id_op}")  # the payer comes back

    page.wait_for_url(re.compile(r"/paiement/resultat\?paiement="))
    expect(page.locator("[data-field=status]")).to_have_text("en attente")
    expect(result_message(page)).to_have_text("Votre paiement est en cours de vérification auprès de PayFiP…")
    you.seen("paiement-en-attente")
    page.goto(f"{you.base_url}/tableau-de-bord")
    expect(page.locator(".card--balance [data-field=balance]")).to_have_text(before)
    assert not [e for e in emails_to(you.base_url, "falsifie@example.fr") if e["subject"].startswith(RECEIPT)]


def test_two_starts_at_once_for_one_invoice_make_one_payment(visit: Callable[[str], Visit]) -> None:
    you = visit("paiement-double")
    new_subscriber(you, "double@example.fr")
    link_contract(you, "11301.11377.01", "7Q4M-2KX9")
    [cookie] = [c for c in you.page.context.cookies() if c["name"] == "__Host-session"]
    path = "/contracts/11301.11377.02/invoices/F202610-1137702/payments"
    barrier = threading.Barrier(2)
    answers: list[tuple[int, Any]] = []

    def start() -> None:
        barrier.wait()
        answers.append(http(you.base_url, "POST", path, headers={"Cookie": f"__Host-session={cookie['value']}"}))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201, 409]
    assert [body["code"] for status, body in answers if status == 409] == ["payment_in_progress"]
    [started] = [body for status, body in answers if status == 201]
    assert started["amount"] == "481.70"
