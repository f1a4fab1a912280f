"""The reference web client in a real browser (issue 8): the tutorial's whole journey, the password
pages, the visitor pages and keyboard use, with axe-core run on every page reached."""

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import AxeReport, Visit, chromium, emails_to, last_link

PASSWORD = "Ecluse9!Torse"
SIGNED_UP = "Enregistrement effectué. Un email de confirmation vous a été envoyé."


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def axe() -> Iterator[AxeReport]:
    report = AxeReport()
    yield report
    report.save()


@pytest.fixture
def visit(local_api: str, browser: Browser, axe: AxeReport) -> Iterator[Callable[..., Visit]]:
    """A fresh browser profile (no cookies) per person."""
    contexts = []

    def start(journey: str, user_agent: str | None = None) -> Visit:
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, user_agent=user_agent)
        contexts.append(context)
        return Visit(context.new_page(), local_api, journey, axe)

    yield start
    for context in contexts:
        context.close()


def sign_up_and_activate(you: Visit, email: str, password: str = PASSWORD) -> None:
    page = you.page
    you.open("/inscription")
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_label("Confirmation du mot de passe").fill(password)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("status")).to_contain_text(SIGNED_UP)
    page.goto(last_link(you.base_url, email, "/activation"))
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page.get_by_role("status")).to_contain_text("Votre compte est activé")


def log_in(you: Visit, email: str, password: str = PASSWORD, remember: bool = False) -> None:
    page = you.page
    you.open("/connexion")
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    if remember:
        page.get_by_label("Se souvenir de moi").check()
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/(bienvenue|tableau-de-bord)"))


def session_cookie(you: Visit) -> dict[str, object]:
    [cookie] = [c for c in you.page.context.cookies() if c["name"] == "__Host-session"]
    return dict(cookie)


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

    # The password rules are shown and followed live as the person types.
    password = page.get_by_label("Mot de passe", exact=True)
    password.fill("eau")
    rules = page.locator(".password-rules li")
    expect(rules).to_have_count(6)
    expect(page.locator(".password-rules li.met")).to_have_text([re.compile("minuscule"), re.compile("pas de « \\+ »")])
    password.fill("Eau-2024!")
    expect(page.locator("li[data-rule='no-plus-minus']")).not_to_have_class(re.compile("met"))
    password.fill(PASSWORD)
    expect(page.locator(".password-rules li.met")).to_have_count(6)
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    you.seen("inscription")
    page.get_by_role("button", name="Valider").click()

    # The green message of the tutorial, on the login page.
    expect(page).to_have_url(f"{you.base_url}/connexion")
    message = page.get_by_role("status")
    expect(message).to_have_text(re.compile(re.escape(SIGNED_UP)))
    expect(message.locator(".flash--success")).to_be_visible()
    you.seen("inscription-effectuee")

    # Before activation, the right password is refused with a way to get a new email.
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#login-email-error")).to_contain_text("pas encore activé")
    expect(page.get_by_role("button", name="Renvoyer l'email d'activation")).to_be_visible()
    you.seen("compte-non-active")

    # 6. The emailed link opens a page whose button activates the account; opening it consumes nothing.
    link = last_link(you.base_url, email, "/activation")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer votre compte")
    expect(page).to_have_url(f"{you.base_url}/activation")  # the token left the address bar
    you.seen("activation")
    page.reload()  # the token is gone from the URL: this page has nothing to post any more
    page.goto(link)
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page.get_by_role("status")).to_contain_text("Votre compte est activé")
    expect(page).to_have_url(f"{you.base_url}/connexion")

    # 7. Log in without « Se souvenir de moi »: a browser-session cookie.
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{you.base_url}/bienvenue")
    cookie = session_cookie(you)
    assert cookie["expires"] == -1
    assert cookie["httpOnly"] is True
    assert cookie["secure"] is True
    assert cookie["sameSite"] == "Lax"
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue sur votre espace abonné")
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
    contract = main.locator("section", has=page.get_by_role("heading", name="Contrat", exact=True))
    expect(contract).to_contain_text("12 rue des Cordeliers, 13100 Aix-en-Provence")
    expect(contract).to_contain_text("Camille Martin")
    expect(contract).to_contain_text("télérelève")
    expect(contract).to_contain_text("mensualisation")
    regulations = main.get_by_role("link", name="Consulter le règlement de service (PDF)")
    expect(regulations).to_have_attribute("href", re.compile(r"^https://.*\.pdf$"))
    expect(main.get_by_text(re.compile(r"Données à jour au \d{2}/\d{2}/\d{4}"))).to_be_visible()

    # The consumption chart with the readings table beside it (remote reading: all measured).
    chart = main.get_by_role("img", name=re.compile("Consommation par relevé"))
    expect(chart).to_be_visible()
    readings = main.get_by_role("table", name="Relevés du compteur").locator("tbody tr")
    assert readings.count() >= 36  # three years of monthly readings
    bars = chart.locator("rect.chart__bar")
    assert bars.count() == readings.count() - 1  # a volume needs a previous reading
    expect(readings.first).to_contain_text("Mesuré")
    chart_box, table_box = chart.bounding_box(), main.locator(".consumption__table").bounding_box()
    assert chart_box is not None
    assert table_box is not None
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
    expect(contract).to_contain_text("4 chemin de la Torse, 13100 Aix-en-Provence")
    expect(picker).to_have_value("11301.11377.02")
    # Read by an agent twice a year, one reading estimated: marked in the table and in the chart.
    estimated_rows = readings.filter(has_text="Estimé")
    expect(estimated_rows).to_have_count(1)
    expect(estimated_rows).to_contain_text("estimation")
    expect(chart.locator("rect.chart__bar--estimated")).to_have_count(1)
    you.seen("tableau-de-bord-second-contrat")

    # Another payer's contract, typed into the address bar, is not shown.
    you.open("/tableau-de-bord?contrat=11302.20456.01")
    expect(page.get_by_role("alert")).to_contain_text("Ce contrat n'existe pas ou n'est pas lié à votre compte.")
    expect(main.get_by_text("27 avenue Victor Hugo")).to_have_count(0)

    # A third contract, of another payer, is linked from « Mon compte ».
    page.get_by_role("navigation", name="Espace abonné").get_by_role("link", name="Mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    expect(main.locator(".contract-list__item")).to_have_count(2)
    expect(page.get_by_role("row", name=re.compile("Cette session"))).to_be_visible()
    you.seen("mon-compte")
    main.get_by_role("link", name="Lier un contrat").click()
    page.get_by_label("Numéro de contrat").fill("11302.20456.01")
    page.get_by_label("Clé").fill("H5N2-R7VB")
    page.get_by_role("button", name="Lier un contrat").click()
    expect(page).to_have_url(f"{you.base_url}/tableau-de-bord?contrat=11302.20456.01")
    expect(picker.locator("option")).to_have_count(3)
    expect(contract).to_contain_text("27 avenue Victor Hugo, 13090 Aix-en-Provence")

    # Logout ends the session on the server: the dashboard now sends back to the login page.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(f"{you.base_url}/connexion")
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté.")
    assert not [c for c in page.context.cookies() if c["name"] == "__Host-session"]
    you.seen("deconnexion")
    you.open("/tableau-de-bord")
    expect(page).to_have_url(f"{you.base_url}/connexion")
    expect(page.get_by_role("status")).to_contain_text("Veuillez vous connecter")


def test_se_souvenir_de_moi_keeps_the_session_for_30_days(visit: Callable[..., Visit]) -> None:
    you = visit("souvenir")
    email = "yanis.benali@example.fr"
    sign_up_and_activate(you, email)
    log_in(you, email, remember=True)

    cookie = session_cookie(you)
    assert isinstance(cookie["expires"], float)
    assert abs(cookie["expires"] - (time.time() + 30 * 24 * 3600)) < 600
    # Coming back to the home page with that cookie goes straight to the subscriber's pages.
    you.open("/")
    expect(you.page).to_have_url(f"{you.base_url}/bienvenue")


def test_forgot_password_then_reset_it(visit: Callable[..., Visit]) -> None:
    you = visit("mot-de-passe")
    page = you.page
    email = "oubli@example.fr"
    new_password = "Pérouse185!"
    sign_up_and_activate(you, email)

    you.open("/connexion")
    page.get_by_role("link", name="Mot de passe oublié").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe oublié")
    page.get_by_label("Adresse email").fill(email)
    you.seen("mot-de-passe-oublie")
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.locator(".form-alert--success")).to_contain_text("email")
    you.seen("mot-de-passe-oublie-envoye")

    page.goto(last_link(you.base_url, email, "/mot-de-passe/reinitialisation"))
    expect(page).to_have_url(f"{you.base_url}/mot-de-passe/reinitialisation")
    page.get_by_label("Nouveau mot de passe").fill(new_password)
    page.get_by_label("Confirmation du mot de passe").fill("Pérouse186!")
    page.get_by_role("button", name="Valider").click()
    confirmation = page.get_by_label("Confirmation du mot de passe")
    expect(confirmation).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#reset-password-confirmation-error")).to_be_visible()
    you.seen("nouveau-mot-de-passe-erreur")
    confirmation.fill(new_password)
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
    you.open("/activation?token=" + "x" * 43)
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page.get_by_role("alert")).to_have_text("Ce lien n'est pas ou plus valide. Demandez un nouveau lien.")
    expect(page.get_by_role("heading", name="Recevoir un nouveau lien d'activation")).to_be_visible()
    you.seen("activation-lien-invalide")


def test_visitor_pages_and_requests(visit: Callable[..., Visit]) -> None:
    you = visit("visiteur")
    page = you.page
    you.open("/connexion")
    page.get_by_role("main").get_by_role("link", name="À quoi sert le portail ?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("À quoi sert le portail ?")
    you.seen("a-quoi-sert-le-portail")

    page.get_by_role("contentinfo").get_by_role("link", name="Mentions légales & cookies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentions légales & cookies")
    expect(page.get_by_role("main")).to_contain_text("__Host-session")
    you.seen("mentions-legales")

    page.get_by_role("contentinfo").get_by_role("link", name="Contacter la Régie").click()
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
    you.seen("page-introuvable")


def test_the_login_page_works_with_the_keyboard_alone(visit: Callable[..., Visit]) -> None:
    you = visit("clavier")
    page = you.page
    email = "clavier@example.fr"
    sign_up_and_activate(you, email)
    you.open("/connexion")

    # The first Tab reaches the skip link, which takes focus to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Then the content in reading order, up to the login form.
    order = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.textContent.trim() || document.activeElement.id"))
    assert order == [
        "À quoi sert le portail ?",
        "Contacter la Régie des Eaux du Pays d'Aix",
        "login-email",
        "login-password",
        "Mot de passe oublié",
        "login-remember",
        "Se connecter",
        "S'inscrire",
    ]
    page.get_by_label("Adresse email").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.get_by_label("Se souvenir de moi")).to_be_checked()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{you.base_url}/bienvenue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue sur votre espace abonné")
    # The visible focus ring of the portal's style sheet.
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Aller au contenu")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_have_css("outline-style", "solid")


def test_mon_compte(visit: Callable[..., Visit]) -> None:
    you = visit("mon-compte")
    page = you.page
    email, new_email = "compte@example.fr", "nouvelle.adresse@example.fr"
    sign_up_and_activate(you, email)
    log_in(you, email)
    laptop = visit("mon-compte-autre-appareil")
    log_in(laptop, email)

    # Sessions: this one is marked, the other device's can be closed from here.
    you.open("/mon-compte")
    sessions = page.get_by_role("region", name="Tableau des sessions").locator("tbody tr")
    expect(sessions).to_have_count(2)
    you.seen("mon-compte")
    sessions.get_by_role("button", name=re.compile("^Fermer la session")).click()
    expect(page.get_by_role("status")).to_contain_text("La session a été fermée.")
    expect(sessions).to_have_count(1)
    laptop.open("/mon-compte")
    expect(laptop.page).to_have_url(f"{laptop.base_url}/connexion")

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


@pytest.mark.parametrize("width", [320])
def test_pages_reflow_on_a_small_screen(visit: Callable[..., Visit], width: int) -> None:
    """WCAG 1.4.10: at 320 CSS pixels nothing needs a horizontal scroll but the data tables' own."""
    you = visit(f"ecran-{width}px")
    page = you.page
    page.set_viewport_size({"width": width, "height": 800})
    email = "mobile@example.fr"
    sign_up_and_activate(you, email)
    log_in(you, email)
    page.get_by_role("main").get_by_role("link", name="Lier un contrat").click()
    page.get_by_label("Numéro de contrat").fill("11301.11377.01")
    page.get_by_label("Clé").fill("7Q4M-2KX9")
    page.get_by_role("button", name="Lier un contrat").click()
    expect(page.locator(".balance")).to_be_visible()
    for path, name in [
        ("/tableau-de-bord", "tableau-de-bord"),
        ("/mon-compte", "mon-compte"),
        ("/connexion", "connexion"),
    ]:
        you.open(path)
        page.wait_for_load_state("networkidle")
        too_wide = page.evaluate(
            """w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1
                 && !e.closest('.table-scroll')).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id)""",
            width,
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, too_wide)
        you.seen(name)


def test_text_from_the_api_is_shown_as_text_never_as_markup(visit: Callable[..., Visit]) -> None:
    """The session list shows each device's User-Agent, which the device chooses."""
    markup = '<img src="/x" id="injected" onerror="document.title=1">'
    you = visit("injection", user_agent=f"Mozilla/5.0 {markup}")
    email = "injection@example.fr"
    sign_up_and_activate(you, email)
    log_in(you, email)
    you.open("/mon-compte")

    sessions = you.page.get_by_role("region", name="Tableau des sessions")
    expect(sessions.locator("td.user-agent")).to_have_text(f"Mozilla/5.0 {markup}")
    expect(you.page.locator("#injected")).to_have_count(0)


def test_when_the_session_ends_or_the_server_fails(visit: Callable[..., Visit]) -> None:
    you = visit("session-terminee")
    page = you.page
    email = "fin.de.session@example.fr"
    sign_up_and_activate(you, email)
    log_in(you, email)
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
