"""The reference web client in a real browser (issues 8, 12 and 17): the tutorial's whole journey,
activation with the sign-up's password or a new one, the password pages, the visitor and legal
pages, keyboard use and small screens, with axe-core run on every page reached and screenshots kept
in test-artifacts/web/ (desktop 1366 × 768 and phone 320 px)."""

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest
from playwright.sync_api import FloatRect, Page, ViewportSize, expect

from tests.browser import (
    DESKTOP,
    PASSWORD,
    PHONE,
    SIGNED_UP,
    Visit,
    emails_to,
    last_link,
    link_contract,
    log_in,
    new_subscriber,
    no_horizontal_scroll,
    sign_up,
)

ACTIVATED = "Votre compte est activé. Bienvenue sur votre espace abonné."
LINK_SPENT = (
    "Ce lien a déjà servi ou n'est plus valable : si votre compte est activé, connectez-vous ; "
    "sinon demandez un nouveau lien."
)
# Headless Chromium's own User-Agent says "HeadlessChrome/… on X11; Linux".
THIS_BROWSER = "Chrome · Linux"
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(scope="module")
def local_mode_environment() -> dict[str, str]:
    # This module signs up more people from 127.0.0.1 than the 30 an hour one address may.
    return {"EMAIL_REQUESTS_PER_IP_PER_HOUR": "1000"}


def log_out(you: Visit) -> None:
    you.page.get_by_role("button", name="Se déconnecter").click()
    expect(you.page.get_by_role("status")).to_contain_text("Vous êtes déconnecté.")


def session_cookie(you: Visit) -> dict[str, object]:
    [cookie] = [c for c in you.page.context.cookies() if c["name"] == "__Host-session"]
    return dict(cookie)


def box(page: Page, selector: str) -> FloatRect:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


def test_the_tutorial_from_sign_up_to_log_out(visit: Callable[..., Visit]) -> None:
    you = visit("tutoriel")
    page = you.page
    email = "camille.martin@example.fr"

    # 1/ Créez votre espace abonné: the login page, then « S'inscrire ».
    you.open("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace abonné, personnel et sécurisé")
    for link in ["À quoi sert le portail ?", "Mot de passe oublié", "S'inscrire", "Mentions légales & cookies"]:
        expect(page.get_by_role("main").get_by_role("link", name=link)).to_be_visible()
    expect(page.get_by_role("link", name="Contacter la Régie des Eaux du Pays d'Aix")).to_be_visible()
    expect(page.get_by_label("Se souvenir de moi")).not_to_be_checked()
    you.seen("connexion")
    page.get_by_role("link", name="S'inscrire").click()
    expect(page).to_have_url(f"{you.base_url}/inscription")
    expect(page.get_by_role("heading", level=1)).to_be_focused()  # issue 17, §3.13

    # The password rules are shown and followed live as the person types.
    password = page.get_by_label("Mot de passe", exact=True)
    password.fill("eau")
    rules = page.locator(".password-rules li")
    expect(rules).to_have_count(6)
    expect(page.locator(".password-rules li.met")).to_contain_text(["minuscule", "pas de « + »"])
    password.fill("Eau-2024!")
    expect(page.locator("li[data-rule='no-plus-minus']")).not_to_have_class(re.compile("met"))
    password.fill(PASSWORD)
    expect(page.locator(".password-rules li.met")).to_have_count(6)
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    you.seen("inscription")
    page.get_by_role("button", name="Valider").click()

    # The green message of the tutorial, on the login page, the address already filled in (§3.10).
    expect(page).to_have_url(f"{you.base_url}/connexion")
    message = page.get_by_role("status")
    expect(message).to_have_text(re.compile(re.escape(SIGNED_UP)))
    expect(message.locator(".flash--success")).to_be_visible()
    expect(page.get_by_label("Adresse email")).to_have_value(email)
    you.seen("inscription-effectuee")

    # Before activation, the right password is refused with a way to get a new email, and the
    # green « Enregistrement effectué » no longer sits beside that red message.
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#login-email-error")).to_contain_text("pas encore activé")
    expect(page.locator(".flash--success")).to_have_count(0)
    expect(page.get_by_role("button", name="Renvoyer l'email d'activation")).to_be_visible()
    you.seen_on_both_screens("compte-non-active")

    # The emailed link opens a page that asks for the sign-up's password; activating signs in.
    page.goto(last_link(you.base_url, email, "/activation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer votre compte")
    expect(page).to_have_url(f"{you.base_url}/activation")  # the token left the address bar
    page.get_by_label("Mot de passe choisi à l'inscription").fill(PASSWORD)
    page.get_by_role("button", name="Activer mon compte").click()

    # Signed in without « Se souvenir de moi »: a browser-session cookie.
    expect(page).to_have_url(f"{you.base_url}/bienvenue")
    expect(page.get_by_role("status")).to_contain_text(ACTIVATED)
    expect(page.get_by_role("status").locator(".flash--success")).to_be_visible()
    cookie = session_cookie(you)
    assert cookie["expires"] == -1
    assert cookie["httpOnly"] is True
    assert cookie["secure"] is True
    assert cookie["sameSite"] == "Lax"
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue sur votre espace abonné")
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(page.get_by_role("link", name="Effectuer une demande d'abonnement")).to_be_visible()
    you.seen("bienvenue")

    # 2/ Liez votre contrat: a wrong clé is shown next to the Clé field, then the right one links.
    page.get_by_role("main").get_by_role("link", name="Lier un contrat").click()
    expect(page).to_have_url(f"{you.base_url}/lier-un-contrat")
    page.get_by_label("Numéro de contrat").fill("11301.11377.01")
    page.get_by_label("Clé").fill("AAAA-BBBB")
    page.get_by_role("button", name="Lier un contrat").click()
    key = page.get_by_label("Clé")
    expect(key).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#link-key-error")).to_contain_text("numéro de contrat ou la clé")
    expect(key).to_be_focused()
    you.seen("lier-un-contrat-erreur")
    key.fill("7Q4M-2KX9")
    page.get_by_role("button", name="Lier un contrat").click()

    # « Liaison enregistrée. » and the dashboard of that contract.
    expect(page).to_have_url(f"{you.base_url}/tableau-de-bord?contrat=11301.11377.01")
    expect(page.get_by_role("status")).to_contain_text("Liaison enregistrée.")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Tableau de bord 11301.11377.01")
    expect(main.get_by_role("heading", level=1)).to_be_focused()
    contract = main.locator("section", has=page.get_by_role("heading", name="Contrat", exact=True))
    expect(contract).to_contain_text("12 rue des Cordeliers, 13100 Aix-en-Provence")
    expect(contract).to_contain_text("Camille Martin")
    expect(contract).to_contain_text("télérelève")
    expect(contract).to_contain_text("mensualisation")
    regulations = main.get_by_role("link", name="Consulter le règlement de service (PDF)")
    expect(regulations).to_have_attribute("href", re.compile(r"^https://.*\.pdf$"))
    expect(main.get_by_text(re.compile(r"Données à jour au \d{2}/\d{2}/\d{4}"))).to_be_visible()

    # Remote reading (issue 16): consumption by month first, its chart with its table beside it, and
    # the meter's readings (all measured) in their own table.
    chart = main.get_by_role("img", name=re.compile("^Consommation par mois du"))
    expect(chart).to_be_visible()
    expect(chart.locator("rect.chart__bar")).to_have_count(12)
    readings = main.get_by_role("table", name="Relevés du compteur").locator("tbody tr")
    assert readings.count() >= 36  # three years of monthly readings
    expect(readings.first).to_contain_text("Mesuré")
    chart_box, table_box = box(page, "svg.chart"), box(page, ".consumption__table")
    assert table_box["x"] > chart_box["x"] + chart_box["width"] - 1  # side by side on a desktop screen

    # Invoices, payments and the balance, amounts in euros the French way.
    invoices = main.locator("section", has=page.get_by_role("heading", name="Factures")).locator("tbody tr")
    assert invoices.count() >= 6  # twice a year over three years
    expect(invoices.first).to_contain_text(re.compile(r"\d+,\d{2}\s€"))
    payments = main.locator("section", has=page.get_by_role("heading", name="Paiements")).locator("tbody tr")
    assert payments.count() >= 6
    expect(main.locator(".balance")).to_have_text(re.compile(r"^−?[\d\u202f]+,\d{2}\s€$"))
    you.seen("tableau-de-bord")

    # 3/ Plusieurs contrats: the selector at the top lists each contract with its service address.
    picker = page.get_by_label("Contrat affiché")
    expect(picker.locator("option")).to_have_text(
        [
            "11301.11377.01 — 12 rue des Cordeliers, 13100 Aix-en-Provence",
            "11301.11377.02 — 4 chemin de la Torse, 13100 Aix-en-Provence",
        ]
    )
    picker.select_option("11301.11377.02")
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(f"{you.base_url}/tableau-de-bord?contrat=11301.11377.02")
    expect(main.get_by_role("heading", level=1)).to_have_text("Tableau de bord 11301.11377.02")
    expect(main.get_by_role("heading", level=1)).to_be_focused()  # §3.13: not <body>
    expect(contract).to_contain_text("4 chemin de la Torse, 13100 Aix-en-Provence")
    expect(picker).to_have_value("11301.11377.02")
    # Read by an agent twice a year, one reading estimated: marked in the table and in the chart of
    # the volumes between readings.
    estimated_rows = readings.filter(has_text="Estimé")
    expect(estimated_rows).to_have_count(1)
    expect(estimated_rows).to_contain_text("estimation")
    chart = main.get_by_role("img", name=re.compile("^Consommation par relevé"))
    assert chart.locator("rect.chart__bar").count() == readings.count() - 1  # a volume needs a previous reading
    expect(chart.locator("rect.chart__bar--estimated")).to_have_count(1)
    you.seen("tableau-de-bord-second-contrat")

    # A third contract, of another payer, is linked from « Mon compte ».
    page.get_by_role("navigation", name="Espace abonné").get_by_role("link", name="Mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    expect(main.locator(".contract-list__item")).to_have_count(2)
    expect(page.get_by_role("row", name=re.compile("Cette session"))).to_be_visible()
    you.seen("mon-compte")
    main.get_by_role("link", name="Lier un contrat").click()
    # The number as printed with spaces, or without its dots, is understood.
    page.get_by_label("Numéro de contrat").fill("113022045601")
    page.get_by_label("Clé").fill("H5N2-R7VB")
    page.get_by_role("button", name="Lier un contrat").click()
    expect(page).to_have_url(f"{you.base_url}/tableau-de-bord?contrat=11302.20456.01")
    expect(picker.locator("option")).to_have_count(3)
    expect(contract).to_contain_text("27 avenue Victor Hugo, 13090 Aix-en-Provence")

    # Logout ends the session on the server: the dashboard now sends back to the login page.
    log_out(you)
    expect(page).to_have_url(f"{you.base_url}/connexion")
    assert not [c for c in page.context.cookies() if c["name"] == "__Host-session"]
    you.seen("deconnexion")
    you.open("/tableau-de-bord")
    expect(page).to_have_url(f"{you.base_url}/connexion")
    expect(page.get_by_role("status")).to_contain_text("Veuillez vous connecter")


def test_activation_with_the_sign_up_password_after_a_wrong_one(visit: Callable[..., Visit]) -> None:
    """PRODUCT.md §3, "Activation proves both"; issue 17, §3.8: reloading keeps the link, and a link
    opened again says what to do."""
    you = visit("activation")
    page = you.page
    email = "activation@example.fr"
    sign_up(you, email)
    link = last_link(you.base_url, email, "/activation")

    page.goto(link)
    expect(page).to_have_url(f"{you.base_url}/activation")  # not in the address bar…
    page.reload()  # …yet a reload keeps the form (the token stays with this tab)
    expect(page.get_by_label("Mot de passe choisi à l'inscription")).to_be_visible()
    expect(page.get_by_role("heading", name="Recevoir un nouveau lien d'activation")).to_be_hidden()
    page.go_back()  # …nor in the history
    expect(page).to_have_url(f"{you.base_url}/connexion")
    page.go_forward()
    expect(page).to_have_url(f"{you.base_url}/activation")
    you.seen_on_both_screens("activation")

    # A wrong password: the API's message under the field, which takes the focus.
    password = page.get_by_label("Mot de passe choisi à l'inscription")
    password.fill("Pas-le-bon9!")
    page.get_by_role("button", name="Activer mon compte").click()
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#activation-password-error")).to_contain_text(
        "Ce n'est pas le mot de passe choisi à l'inscription"
    )
    expect(password).to_be_focused()
    you.seen_on_both_screens("activation-mauvais-mot-de-passe")

    password.fill(PASSWORD)
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page).to_have_url(f"{you.base_url}/bienvenue")
    expect(page.get_by_role("status")).to_contain_text(ACTIVATED)

    # The link opened again while signed in: the page says the link is no longer needed.
    page.goto(link)
    notice = page.locator("[data-signed-in]")
    expect(notice).to_contain_text(f"Vous êtes connecté avec l'adresse {email}")
    expect(notice.get_by_role("link", name="allez à votre espace abonné")).to_have_attribute("href", "/bienvenue")

    # Signed out, the used link explains itself and leads to the login page.
    log_out(you)
    page.goto(link)
    page.get_by_label("Mot de passe choisi à l'inscription").fill(PASSWORD)
    page.get_by_role("button", name="Activer mon compte").click()
    spent = page.locator("[data-spent-message]")
    expect(spent).to_have_text(LINK_SPENT)
    expect(spent).to_be_focused()
    expect(page.get_by_role("heading", name="Recevoir un nouveau lien d'activation")).to_be_visible()
    you.seen_on_both_screens("activation-lien-deja-utilise")
    page.reload()  # the used token is forgotten: the explanation stays
    expect(page.locator("[data-spent-message]")).to_be_visible()
    spent.get_by_role("link", name="connectez-vous").click()
    expect(page).to_have_url(f"{you.base_url}/connexion")


def test_activation_choosing_a_new_password_when_the_sign_up_one_is_unknown(visit: Callable[..., Visit]) -> None:
    you = visit("activation-nouveau-mot-de-passe", screen=PHONE)
    page = you.page
    email = "nouveau.mot.de.passe@example.fr"
    new_password = "Torse#2027"
    sign_up(you, email)
    page.goto(last_link(you.base_url, email, "/activation"))

    page.get_by_role("button", name="Je ne connais pas ce mot de passe").click()
    expect(page.get_by_role("group", name="Choisir un nouveau mot de passe")).to_be_visible()
    expect(page.get_by_label("Mot de passe choisi à l'inscription")).to_be_hidden()
    new = page.get_by_label("Nouveau mot de passe", exact=True)
    expect(new).to_be_focused()
    # The rules followed live, as on the sign-up page.
    new.fill("torse")
    expect(page.locator("#activation-password-rules li.met")).to_have_count(2)
    new.fill(new_password)
    expect(page.locator("#activation-password-rules li.met")).to_have_count(6)
    page.get_by_label("Confirmation du nouveau mot de passe").fill("Torse#2028")
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page.locator("#activation-new-password-confirmation-error")).to_be_visible()
    you.seen_on_both_screens("activation-nouveau-mot-de-passe")

    # One form, no card in a card, and only the portal's two button styles (issue 17, §3.15).
    for screen in (PHONE, DESKTOP):
        page.set_viewport_size(screen)
        nested = page.evaluate(
            """() => {
                 const boxed = e => ['Top', 'Right', 'Bottom', 'Left'].every(side => {
                   const style = getComputedStyle(e);
                   return style[`border${side}Style`] !== 'none' && parseFloat(style[`border${side}Width`]) > 0;
                 }) && !e.matches('input, select, textarea, button, a') && e.getClientRects().length > 0;
                 const boxes = [...document.querySelectorAll('main *')].filter(boxed);
                 return boxes.filter(e => boxes.some(other => other !== e && other.contains(e))).length;
               }"""
        )
        assert nested == 0
        styles = page.evaluate(
            """() => new Set([...document.querySelectorAll('main button, main a.button')]
                 .filter(e => e.getClientRects().length > 0)
                 .map(e => getComputedStyle(e))
                 .map(s => [s.backgroundColor, s.borderColor, s.color].join())).size"""
        )
        assert styles == 2

    page.get_by_label("Confirmation du nouveau mot de passe").fill(new_password)
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page).to_have_url(f"{you.base_url}/bienvenue")
    expect(page.get_by_role("status")).to_contain_text(ACTIVATED)
    expect(page.get_by_role("heading", level=1)).to_be_focused()

    # The password typed here is the account's; the sign-up's is not.
    log_out(you)
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#login-password-error")).to_contain_text("incorrect")
    log_in(you, email, new_password)


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["bureau", "320px"])
def test_returning_subscribers_find_the_login_form_first(visit: Callable[..., Visit], screen: ViewportSize) -> None:
    """Issue 17, §3.1: within the first screen on a desktop, the first thing after the title on a phone."""
    you = visit(f"connexion-{screen['width']}px", screen=screen)
    page = you.page
    you.open("/connexion")
    form = page.locator("#login-form")
    expect(form).to_be_visible()
    # On a desktop the whole form, up to its button, is on the first screen; on a phone, one can
    # start typing the address without scrolling.
    last_seen = "#login-form button[type=submit]" if screen == DESKTOP else "#login-email"
    seen_box = box(page, last_seen)
    assert seen_box["y"] + seen_box["height"] <= screen["height"]
    first_in_main = page.evaluate(
        "[...document.querySelector('main').querySelectorAll('h1, p, form, section')].map(e => e.tagName)"
    )
    assert first_in_main[:2] == ["H1", "FORM"]
    no_horizontal_scroll(page)
    you.seen("connexion")


def test_forgot_password_then_reset_it(visit: Callable[..., Visit]) -> None:
    you = visit("mot-de-passe")
    page = you.page
    email = "oubli@example.fr"
    new_password = "Pérouse185!"
    new_subscriber(you, email)
    # Signed in, the visitors' pages lead to the subscriber's own (issue 17, §3.3).
    for path in ["/inscription", "/mot-de-passe/oublie", "/connexion"]:
        you.open(path)
        expect(page).to_have_url(f"{you.base_url}/bienvenue")
    log_out(you)

    page.get_by_role("link", name="Mot de passe oublié").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe oublié")
    page.get_by_label("Adresse email").fill(email)
    you.seen("mot-de-passe-oublie")
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.locator(".form-alert--success")).to_contain_text("email")
    you.seen("mot-de-passe-oublie-envoye")

    page.goto(last_link(you.base_url, email, "/mot-de-passe/reinitialisation"))
    expect(page).to_have_url(f"{you.base_url}/mot-de-passe/reinitialisation")
    # Issue 17, §3.14: a password manager learns whose password this is.
    expect(page.locator("#reset-password-form [autocomplete=username]")).to_have_value(email)
    page.get_by_label("Nouveau mot de passe").fill(new_password)
    page.get_by_label("Confirmation du mot de passe").fill("Pérouse186!")
    page.get_by_role("button", name="Valider").click()
    confirmation = page.get_by_label("Confirmation du mot de passe")
    expect(confirmation).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#reset-password-confirmation-error")).to_be_visible()
    you.seen_on_both_screens("nouveau-mot-de-passe-erreur")
    page.reload()  # the link's token stays with the tab until it is used
    page.get_by_label("Nouveau mot de passe").fill(new_password)
    page.get_by_label("Confirmation du mot de passe").fill(new_password)
    page.get_by_role("button", name="Valider").click()
    expect(page).to_have_url(f"{you.base_url}/connexion")
    expect(page.get_by_role("status")).to_contain_text("mot de passe")

    # The old password no longer opens the account; the new one does.
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#login-password-error")).to_contain_text("incorrect")
    you.seen("connexion-refusee")
    log_in(you, email, new_password)
    expect(page).to_have_url(f"{you.base_url}/bienvenue")


def test_se_souvenir_de_moi_keeps_the_session_for_30_days(visit: Callable[..., Visit]) -> None:
    you = visit("souvenir")
    email = "yanis.benali@example.fr"
    new_subscriber(you, email)
    log_out(you)
    log_in(you, email, remember=True)

    cookie = session_cookie(you)
    assert isinstance(cookie["expires"], float)
    assert abs(cookie["expires"] - (time.time() + 30 * 24 * 3600)) < 600
    # Coming back to the home page with that cookie goes straight to the subscriber's pages.
    you.open("/")
    expect(you.page).to_have_url(f"{you.base_url}/bienvenue")


def test_api_errors_appear_next_to_their_fields(visit: Callable[..., Visit]) -> None:
    you = visit("erreurs")
    page = you.page
    you.open("/inscription")
    page.get_by_label("Adresse email").fill("pas-une-adresse")
    page.get_by_label("Mot de passe", exact=True).fill("Azerty123!")
    page.get_by_label("Confirmation du mot de passe").fill("Azerty123?")
    page.get_by_role("button", name="Valider").click()

    email = page.get_by_label("Adresse email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_be_focused()
    expect(page.locator("#signup-email-error")).to_contain_text("adresse email")
    expect(page.locator("#signup-password-error")).to_contain_text("courant")
    expect(page.locator("#signup-password-confirmation-error")).to_be_visible()
    # The message is tied to its field for screen readers.
    expect(email).to_have_attribute("aria-describedby", re.compile("signup-email-error"))
    you.seen("inscription-erreurs")
    assert emails_to(you.base_url, "pas-une-adresse") == []

    # A link that is no longer valid says so and offers a new one.
    you.open("/activation#token=" + "x" * 43)
    page.get_by_label("Mot de passe choisi à l'inscription").fill(PASSWORD)
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page.locator("[data-spent-message]")).to_have_text(LINK_SPENT)
    expect(page.get_by_role("heading", name="Recevoir un nouveau lien d'activation")).to_be_visible()
    you.seen("activation-lien-invalide")


def test_fields_say_their_limits(visit: Callable[..., Visit]) -> None:
    """Issue 17, §3.12: fields stop at the API's limit, and the contract number's format is shown."""
    you = visit("limites")
    page = you.page
    you.open("/contact")
    message = page.get_by_label("Message *")
    message.fill("a" * 6000)
    expect(message).to_have_value("a" * 5000)
    number = page.get_by_label("Numéro de contrat, si vous en avez un")
    expect(number).to_have_accessible_description(re.compile(r"au format 11301\.11377\.01"))
    you.seen_on_both_screens("contacter-la-regie")


def test_visitor_pages_and_requests(visit: Callable[..., Visit]) -> None:
    you = visit("visiteur")
    page = you.page
    footer = page.get_by_role("contentinfo")
    you.open("/connexion")
    page.get_by_role("main").get_by_role("link", name="À quoi sert le portail ?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("À quoi sert le portail ?")
    expect(page.get_by_role("main").get_by_role("link", name="Retour à la connexion")).to_be_visible()
    you.seen("a-quoi-sert-le-portail")

    # Mentions légales: publisher, publication director, host, data protection officer, CNIL,
    # the only cookie, and the processing register (issue 17, §2).
    footer.get_by_role("link", name="Mentions légales & cookies").click()
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentions légales & cookies")
    for text in [
        "185 avenue de Pérouse, 13090 Aix-en-Provence",
        "[SIRET à compléter]",
        "[Nom à compléter]",
        "Amazon Web Services EMEA SARL, 38 avenue John F. Kennedy, L-1855 Luxembourg",
        "eu-west-3",
        "dpo@eauxdupaysdaix.fr",
        "Commission nationale de l'informatique et des libertés (CNIL), 3 place de Fontenoy",
        "__Host-session",
    ]:
        expect(main).to_contain_text(text)
    for heading in ["Éditeur", "Directeur de la publication", "Hébergement", "Données personnelles", "Cookies"]:
        expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    # The register: everything the portal keeps, each with its purpose, legal basis and retention.
    register = main.locator("h4")
    expect(register).to_have_text(
        [
            "Votre compte",
            "Liens reçus par email",
            "Sessions de connexion",
            "Contrats liés et données de facturation",
            "Factures au format PDF",
            "Paiements en ligne",
            "Consommations jour par jour",
            "Alertes de consommation (vos seuils)",
            "Alertes de consommation anormale et attestations de plombier",
            "Index transmis (autorelève)",
            "Demandes à la Régie",
            "Informations transmises au système de facturation",
            "Emails envoyés",
            "Compteurs de connexion et d'envoi d'emails",
            "Journaux techniques",
        ]
    )
    facts = main.locator("dl.facts")
    expect(facts).to_have_count(15)
    for entry in range(15):
        for term in ["Pour quoi faire", "Base légale", "Durée de conservation"]:
            expect(facts.nth(entry).get_by_text(term, exact=True)).to_be_visible()
    for retention in [
        "Demandes d'abonnement : 5 ans ; messages : 3 ans",
        "Sans limite de durée à ce jour, même après la suppression du compte",  # payments
        "le fichier quotidien : 400 jours",  # the return feed
        "1 an, puis effacés",  # the logs
    ]:
        expect(facts.filter(has_text=retention)).to_have_count(1)
    expect(main).not_to_contain_text("à venir")
    you.seen_on_both_screens("mentions-legales")

    # The accessibility statement, on the RGAA model.
    footer.get_by_role("link", name="Accessibilité : non conforme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclaration d'accessibilité")
    for heading in [
        "État de conformité",
        "Résultats des tests",
        "Contenus non accessibles",
        "Dérogations pour charge disproportionnée",
        "Établissement de cette déclaration",
        "Retour d'information et contact",
        "Voies de recours",
    ]:
        expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(main).to_contain_text("axe-core 4.12.1")
    # The pages the browser tests check with axe, the consumption views and the payment's result included.
    for checked in ["consommations par jour, par mois et par année", "résultat d'un paiement en ligne"]:
        expect(main.get_by_role("listitem").filter(has_text=checked)).to_have_count(1)
    expect(main).to_contain_text("Défenseur des droits, Libre réponse 71120, 75342 Paris Cedex 07")
    expect(main.get_by_role("link", name="formulaire de contact")).to_have_attribute("href", "/contact")
    you.seen_on_both_screens("declaration-accessibilite")

    footer.get_by_role("link", name="Contacter la Régie").click()
    page.get_by_label("Nom *").fill("Camille Martin")
    page.get_by_label("Adresse email *").fill("camille@example.fr")
    page.get_by_label("Objet *").select_option("facture")
    page.get_by_label("Message *").fill("Bonjour, je ne trouve pas ma facture d'octobre.")
    you.seen("contacter-la-regie")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_role("status")).to_contain_text("sous la référence")

    you.open("/demande-abonnement")
    page.get_by_label("Nom du titulaire *").fill("Camille Martin")
    page.get_by_label("Adresse du lieu desservi *").fill("8 rue Mignet, 13100 Aix-en-Provence")
    page.get_by_label("Date d'emménagement *").fill("2027-01-15")
    page.get_by_label("Téléphone *").fill("ab")
    page.get_by_label("Adresse email *").fill("camille@example.fr")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_label("Téléphone *")).to_have_attribute("aria-invalid", "true")
    you.seen("demande-abonnement-erreur")
    page.get_by_label("Téléphone *").fill("04 42 00 00 00")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("status")).to_contain_text("sous la référence")
    you.seen("demande-abonnement-envoyee")

    you.open("/cette-page-n-existe-pas")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    expect(page.get_by_role("main").get_by_role("link", name="Aller à l'accueil")).to_have_attribute("href", "/")
    you.seen("page-introuvable")


def test_a_signed_in_subscriber_keeps_the_header_on_every_page(visit: Callable[..., Visit]) -> None:
    """Issue 17, §3.3: information pages and the 404 keep the subscriber's header and lead back to
    their pages, not to the login page."""
    you = visit("pages-connecte")
    page = you.page
    new_subscriber(you, "pages@example.fr")
    nav = page.get_by_role("navigation", name="Espace abonné")
    for path, name, back in [
        ("/a-propos", "a-quoi-sert-le-portail", "Retour à mon espace abonné"),
        ("/mentions-legales", "mentions-legales", "Retour à mon espace abonné"),
        ("/accessibilite", "declaration-accessibilite", "Retour à mon espace abonné"),
        ("/nulle-part", "page-introuvable", "Aller à mon espace abonné"),
    ]:
        you.open(path)
        expect(nav.get_by_role("link", name="Mon compte")).to_be_visible()
        expect(nav.get_by_role("button", name="Se déconnecter")).to_be_visible()
        expect(page.get_by_role("main").get_by_role("link", name=back)).to_have_attribute("href", "/bienvenue")
        expect(page.get_by_role("link", name="Retour à la connexion")).to_have_count(0)
        you.seen(name)
    you.seen_on_both_screens("page-introuvable")


def test_the_dashboard_on_a_desktop_and_on_a_phone(visit: Callable[..., Visit]) -> None:
    """Issue 17, §3.2, 3.4, 3.6, 3.7 and 3.15."""
    you = visit("tableau-de-bord-ecrans")
    page = you.page
    new_subscriber(you, "ecrans@example.fr")
    link_contract(you)
    main = page.get_by_role("main")

    # §3.15, desktop: brand, selector and navigation on one row. Its height is that of its tallest
    # item, the labelled selector (≈ 60 px), plus padding and border: under 100 px (the three rows it
    # replaced took ≈ 190 px).
    header = box(page, ".site-header")
    assert header["height"] < 100
    items = [box(page, selector) for selector in [".brand", "#contract-picker", ".subscriber-nav"]]
    assert max(item["y"] for item in items) < min(item["y"] + item["height"] for item in items)  # one row
    # The top cards are not stretched half-empty, and the address holds on one line.
    empty_share = page.evaluate(
        """() => [...document.querySelectorAll('.cards > .card')].map(card => {
             const box = card.getBoundingClientRect(), last = card.lastElementChild.getBoundingClientRect();
             return (box.bottom - parseFloat(getComputedStyle(card).paddingBottom) - last.bottom) / box.height;
           })"""
    )
    assert len(empty_share) == 3
    assert max(empty_share) < 0.1
    address_lines = page.locator(".card--contract dd[data-field=service_address]").evaluate(
        """dd => { const text = document.createRange(); text.selectNodeContents(dd);
                   return new Set([...text.getClientRects()].map(line => Math.round(line.top))).size; }"""
    )
    assert address_lines == 1

    # Issue 15: « Télécharger (PDF) », named by its visible text and then the invoice (WCAG 2.5.3).
    downloads = main.get_by_role("link", name=re.compile(r"^Télécharger \(PDF\)\s*: facture F\d{6}-1137701$"))
    expect(downloads.first).to_be_visible()
    invoice = downloads.first.evaluate("e => e.closest('tr').cells[0].textContent")

    for screen in (DESKTOP, PHONE):
        page.set_viewport_size(screen)
        page.reload()  # drawn for this screen, as a person on that device would see it
        expect(main.locator("svg.chart rect.chart__bar").first).to_be_visible()
        # §3.2: chart labels keep a readable size on screen, and never overlap.
        labels = page.evaluate(
            """() => {
                 const texts = [...document.querySelectorAll('svg.chart text')];
                 const sizes = texts.map(t => t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize));
                 const under = [...document.querySelectorAll('svg.chart .chart__axis--x')]
                   .map(t => t.getBoundingClientRect()).sort((a, b) => a.left - b.left);
                 return {smallest: Math.min(...sizes), count: under.length,
                         overlaps: under.slice(1).filter((r, i) => r.left < under[i].right).length};
               }"""
        )
        assert labels["smallest"] >= 12, labels
        assert labels["count"] >= 2, labels
        assert labels["overlaps"] == 0, labels
        no_horizontal_scroll(page)
        you.seen(f"tableau-de-bord-{screen['width']}px")

    # §3.4: the closed selector shows which of .01 and .02 is chosen (the two options differ only
    # from their 14th character on, so any difference in its picture shows that character).
    picker = page.get_by_label("Contrat affiché")
    for screen in (PHONE, DESKTOP):
        page.set_viewport_size(screen)
        pictures = []
        for number in ["11301.11377.01", "11301.11377.02"]:
            picker.select_option(number)
            picker.evaluate("e => e.blur()")
            pictures.append(picker.screenshot())
        assert pictures[0] != pictures[1], screen

    # §3.6: a contract that is not linked gets a page that says so, and the selector shows none.
    you.open("/tableau-de-bord?contrat=11302.20456.01")
    expect(main.get_by_role("heading", level=1)).to_have_text("Contrat introuvable")
    expect(main).to_contain_text("Le contrat 11302.20456.01 n'existe pas ou n'est pas lié à votre compte.")
    expect(main.get_by_text("27 avenue Victor Hugo")).to_have_count(0)
    expect(picker).to_have_value("")
    expect(picker.locator("option:checked")).to_have_text("Choisir un contrat")
    expect(main.get_by_role("link", name="Afficher le contrat 11301.11377.01")).to_be_visible()
    you.seen_on_both_screens("contrat-introuvable")

    # Issue 15: the PDF downloads, a real one: a PDF parser finds the invoice's number and amount in it.
    you.open("/tableau-de-bord?contrat=11301.11377.01")
    row = main.locator("[data-invoices] tr").filter(has_text=invoice)
    amount = row.locator("td").nth(3).inner_text()
    with page.expect_download() as download:
        row.get_by_role("link", name=re.compile(r"^Télécharger \(PDF\)")).click()
    assert download.value.suggested_filename == f"facture-{invoice}.pdf"
    content = Path(download.value.path()).read_bytes()
    text = pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert f"Facture n°\u00a0{invoice}" in text
    assert f"Montant TTC {amount}" in text
    # Another payer's invoice, asked for from this browser: the 404 of a contract that is not linked.
    theirs = page.evaluate(
        """async url => { const r = await fetch(url, {credentials: 'include'}); return [r.status, await r.json()]; }""",
        f"{you.base_url}/contracts/11302.20456.01/invoices/F202610-2045601/pdf",
    )
    assert theirs[0] == 404
    assert theirs[1]["code"] == "contract_not_found"

    # Issue 15: « Facture électronique », chosen then undone, the mode said on the page.
    delivery = page.locator("#paperless-form")
    expect(delivery).to_contain_text("Envoi des factures\u00a0: facture papier.")
    delivery.get_by_role("button", name="Passer à la facture électronique").click()
    expect(delivery.locator(".form-alert--success")).to_contain_text("Facture électronique activée")
    expect(delivery).to_contain_text("Envoi des factures\u00a0: facture électronique.")
    you.seen_on_both_screens("facture-electronique")
    page.reload()
    expect(delivery).to_contain_text("Envoi des factures\u00a0: facture électronique.")
    delivery.get_by_role("button", name="Revenir à la facture papier").click()
    expect(delivery.locator(".form-alert--success")).to_contain_text("Facture papier rétablie")
    expect(delivery).to_contain_text("Envoi des factures\u00a0: facture papier.")


def test_form_pages_are_centred(visit: Callable[..., Visit]) -> None:
    """Issue 17, §3.15: no left-aligned column with the right half of the screen empty."""
    you = visit("pages-centrees")
    page = you.page
    for path in ["/inscription", "/mot-de-passe/oublie", "/contact", "/mentions-legales"]:
        you.open(path)
        column = box(page, "main .narrow")
        width = page.evaluate("document.documentElement.clientWidth")
        assert abs(column["x"] + column["width"] / 2 - width / 2) < 2, path


def test_the_login_page_works_with_the_keyboard_alone(visit: Callable[..., Visit]) -> None:
    you = visit("clavier")
    page = you.page
    email = "clavier@example.fr"
    new_subscriber(you, email)
    log_out(you)
    you.open("/connexion")  # opened afresh (after a step within the portal the focus is on the title)
    expect(page.get_by_label("Adresse email")).to_be_visible()

    # The first Tab reaches the skip link, which takes focus to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Then the content in reading order: the login form first.
    order = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.textContent.trim() || document.activeElement.id"))
    assert order == [
        "login-email",
        "login-password",
        "Mot de passe oublié",
        "login-remember",
        "Se connecter",
        "S'inscrire",
        "À quoi sert le portail\u00a0?",
        "Contacter la Régie des Eaux du Pays d'Aix",
    ]
    page.get_by_label("Adresse email").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.get_by_label("Se souvenir de moi")).to_be_checked()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{you.base_url}/bienvenue")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Bienvenue sur votre espace abonné")
    expect(heading).to_be_focused()  # issue 17, §3.13
    # From the heading, Tab goes on through the page; the visible focus ring of the style sheet.
    page.keyboard.press("Tab")
    link = page.get_by_role("main").get_by_role("link", name="Lier un contrat")
    expect(link).to_be_focused()
    expect(link).to_have_css("outline-style", "solid")


def test_mon_compte(visit: Callable[..., Visit]) -> None:
    you = visit("mon-compte")
    page = you.page
    email, new_email = "compte@example.fr", "nouvelle.adresse@example.fr"
    new_subscriber(you, email)
    phone = visit("mon-compte-autre-appareil", user_agent=IPHONE_SAFARI, screen=PHONE)
    log_in(phone, email)

    # Sessions: each device by browser and system (issue 17, §3.5); this one is marked, the other
    # device's can be closed from here.
    you.open("/mon-compte")
    sessions = page.get_by_role("region", name="Tableau des sessions").locator("tbody tr")
    expect(sessions).to_have_count(2)
    expect(sessions.filter(has_text="Safari · iPhone")).to_have_count(1)
    expect(sessions.filter(has_text=THIS_BROWSER)).to_contain_text("Cette session")
    expect(page.locator("#change-password-form [autocomplete=username]")).to_have_value(email)
    you.seen_on_both_screens("mon-compte")
    sessions.get_by_role("button", name=re.compile("^Fermer la session")).click()
    expect(page.get_by_role("status")).to_contain_text("La session a été fermée.")
    expect(sessions).to_have_count(1)
    phone.open("/mon-compte")
    expect(phone.page).to_have_url(f"{phone.base_url}/connexion")

    # A contract linked from « Mon compte », then unlinked.
    page.get_by_role("main").get_by_role("link", name="Lier un contrat").click()
    page.get_by_label("Numéro de contrat").fill("11302.20456.01")
    page.get_by_label("Clé").fill("H5N2-R7VB")
    page.get_by_role("button", name="Lier un contrat").click()
    expect(page).to_have_url(f"{you.base_url}/tableau-de-bord?contrat=11302.20456.01")
    you.open("/mon-compte")
    page.once("dialog", lambda dialog: dialog.accept())  # « Délier le contrat … ? »
    page.get_by_role("button", name="Délier le contrat 11302.20456.01").click()
    expect(page.get_by_role("status")).to_contain_text("n'est plus lié à votre compte")
    expect(page.get_by_text("Aucun contrat n'est encore lié à votre compte.")).to_be_visible()

    # Issue 15: « Nouvelle facture disponible » emails, on by default, turned off and kept so.
    preference = page.get_by_label("M'envoyer un email à chaque nouvelle facture")
    expect(preference).to_be_checked()
    preference.uncheck()
    page.get_by_role("button", name="Enregistrer mes préférences").click()
    expect(page.locator("#preferences-form .form-alert--success")).to_contain_text("Vos préférences sont enregistrées.")
    page.reload()
    expect(page.get_by_label("M'envoyer un email à chaque nouvelle facture")).not_to_be_checked()

    # Password change: a wrong current password is shown under that field.
    form = page.locator("#change-password-form")
    form.get_by_label("Mot de passe actuel").fill("Pas-le-bon1!")
    form.get_by_label("Nouveau mot de passe", exact=True).fill("Torse#2027")
    form.get_by_label("Confirmation du nouveau mot de passe").fill("Torse#2027")
    form.get_by_role("button", name="Modifier mon mot de passe").click()
    expect(form.get_by_label("Mot de passe actuel")).to_have_attribute("aria-invalid", "true")
    expect(form.locator("#change-current-password-error")).to_contain_text("incorrect")
    you.seen("mon-compte-erreur")
    form.get_by_label("Mot de passe actuel").fill(PASSWORD)
    form.get_by_role("button", name="Modifier mon mot de passe").click()
    expect(form.locator(".form-alert--success")).to_contain_text("Votre mot de passe a été modifié.")

    # The data export downloads as a JSON file.
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger mes données").click()
    assert download.value.suggested_filename == "mes-donnees-espace-abonne.json"
    assert email in Path(download.value.path()).read_text(encoding="utf-8")

    # Email change: confirmed from the link sent to the new address.
    form = page.locator("#change-email-form")
    form.get_by_label("Nouvelle adresse email").fill(new_email)
    form.get_by_label("Mot de passe actuel").fill("Torse#2027")
    form.get_by_role("button", name="Modifier mon adresse").click()
    expect(form.locator(".form-alert--success")).to_be_visible()
    page.goto(last_link(you.base_url, new_email, "/email/confirmation"))
    you.seen("confirmation-email")
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page).to_have_url(f"{you.base_url}/mon-compte")
    expect(page.get_by_role("status")).to_contain_text(new_email)
    expect(page.get_by_role("main").locator("[data-field='email']")).to_have_text(new_email)

    # Account deletion asks for the password, then the account is gone.
    form = page.locator("#delete-account-form")
    form.get_by_label("Mot de passe actuel").fill("Torse#2027")
    form.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page).to_have_url(f"{you.base_url}/connexion")
    expect(page.get_by_role("status")).to_contain_text("Votre compte a été supprimé.")
    page.get_by_label("Adresse email").fill(new_email)
    page.get_by_label("Mot de passe", exact=True).fill("Torse#2027")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#login-password-error")).to_contain_text("incorrect")


USER_AGENTS = {
    IPHONE_SAFARI: "Safari · iPhone",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0": "Firefox · Windows",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
    "Safari/537.36 Edg/126.0.0.0": "Edge · Windows",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36": (
        "Chrome · Linux"
    ),
    "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 "
    "Chrome/121.0.0.0 Mobile Safari/537.36": "Samsung Internet · Android",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
    "Safari/605.1.15": "Safari · macOS",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 "
    "Mobile/15E148 Safari/604.1": "Chrome · iPad",
    "curl/8.5.0": "Navigateur inconnu",
    "": "Navigateur inconnu",
}


def test_sessions_name_the_browser_and_never_show_markup(visit: Callable[..., Visit]) -> None:
    """Issue 17, §3.5: « Chrome · Linux », not the raw User-Agent — which the device chooses, and is
    never taken as markup."""
    markup = '<img src="/x" id="injected" onerror="document.title=1">'
    you = visit("navigateurs", user_agent=f"Mozilla/5.0 {markup}")
    page = you.page
    new_subscriber(you, "navigateurs@example.fr")
    you.open("/mon-compte")
    sessions = page.get_by_role("region", name="Tableau des sessions")
    expect(sessions.locator("td.user-agent")).to_have_text("Navigateur inconnu")
    expect(page.locator("#injected")).to_have_count(0)

    named: dict[str, Any] = page.evaluate(
        "async agents => { const { deviceName } = await import('/js/user-agent.js');"
        " return Object.fromEntries(agents.map(a => [a, deviceName(a)])); }",
        list(USER_AGENTS),
    )
    assert named == USER_AGENTS


def test_when_the_session_ends_or_the_server_fails(visit: Callable[..., Visit]) -> None:
    you = visit("session-terminee")
    page = you.page
    email = "fin.de.session@example.fr"
    new_subscriber(you, email)
    you.open("/mon-compte")

    # The server cannot end the session: the person is told and stays signed in.
    page.route(
        "**/sessions/current",
        lambda route: route.fulfill(
            status=503, json={"code": "service_unavailable", "message": "Service indisponible."}
        ),
    )
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("alert").get_by_role("paragraph")).to_have_text("Service indisponible.")
    expect(page).to_have_url(f"{you.base_url}/mon-compte")
    page.unroute("**/sessions/current")

    # The session ends on the server side (here: the cookie is gone): the next action leads to the login page.
    page.context.clear_cookies()
    form = page.locator("#change-email-form")
    form.get_by_label("Nouvelle adresse email").fill("autre@example.fr")
    form.get_by_label("Mot de passe actuel").fill(PASSWORD)
    form.get_by_role("button", name="Modifier mon adresse").click()
    expect(page).to_have_url(f"{you.base_url}/connexion")
    expect(page.get_by_role("status")).to_contain_text("Votre session a pris fin. Veuillez vous reconnecter.")
