"""Browser-test helpers: Debian's Chromium driven by Playwright, axe-core on every page, a
screenshot of every page kept in test-artifacts/ (issue 8), and the steps every journey starts with
(sign up, activate, log in, link a contract)."""

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, StorageState, ViewportSize, expect, sync_playwright

from local_mode.template import ROOT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The screens of issue 17: a common laptop, and the narrowest phone WCAG 1.4.10 asks for (an
# iPhone SE's 320 × 568).
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 320, "height": 568}
ARTIFACTS = ROOT / "test-artifacts" / "web"
# What the issue asks of every page: no serious or critical violation of any axe rule.
BLOCKING_IMPACTS = {"serious", "critical"}
PASSWORD = "Ecluse9!Torse"
SIGNED_UP = "Enregistrement effectué. Un email de confirmation vous a été envoyé."


@contextmanager
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: `make chromium` installs Debian's package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()


class AxeReport:
    """axe-core's findings page by page, written to test-artifacts/web/axe.json (or another name)."""

    def __init__(self, name: str = "axe") -> None:
        self.name = name  # one report per test module: test-artifacts/web/<name>.json
        self.pages: dict[str, dict[str, Any]] = {}
        self.engine = ""

    def check(self, page: Page, name: str) -> None:
        results = Axe().run(page, options={"resultTypes": ["violations"]}).response
        self.engine = f"axe-core {results['testEngine']['version']}"
        violations = [
            {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]), "help": v["help"]}
            for v in results["violations"]
        ]
        self.pages[name] = {"url": page.url, "violations": violations}
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"axe on {name}: {json.dumps(blocking, ensure_ascii=False, indent=1)}"

    def save(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        report = {"engine": self.engine, "pages": self.pages}
        (ARTIFACTS / f"{self.name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


class Visit:
    """One person's browser session: each page they reach is checked by axe and photographed."""

    def __init__(self, page: Page, base_url: str, journey: str, axe: AxeReport) -> None:
        self.page = page
        self.base_url = base_url
        self.journey = journey
        self.axe = axe
        self.count = 0

    def open(self, path: str) -> None:
        self.page.goto(f"{self.base_url}{path}")

    def seen(self, name: str) -> None:
        """The page is shown: wait for its requests to settle, run axe, keep a screenshot."""
        self.page.wait_for_load_state("networkidle")
        self.count += 1
        label = f"{self.journey}-{self.count:02d}-{name}"
        self.axe.check(self.page, label)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{label}.png", full_page=True)

    def seen_on_both_screens(self, name: str) -> None:
        """`seen` on a desktop screen and on a 320 px phone (where nothing may need a horizontal
        scroll); the page is left at the size it had."""
        size = self.page.viewport_size or DESKTOP
        self.page.set_viewport_size(DESKTOP)
        self.seen(f"{name}-bureau")
        self.page.set_viewport_size(PHONE)
        self.seen(f"{name}-320px")
        no_horizontal_scroll(self.page)
        self.page.set_viewport_size(size)


@contextmanager
def visits(browser: Browser, base_url: str, axe: AxeReport) -> Iterator[Callable[..., Visit]]:
    """Starts visits, each in a browser profile of its own: a fresh one (no cookies), or one signed in
    already (`signed_in`: the storage state of a profile that logged in); all closed at the end."""
    contexts = []

    def start(
        journey: str,
        user_agent: str | None = None,
        screen: ViewportSize = DESKTOP,
        signed_in: StorageState | None = None,
    ) -> Visit:
        context = browser.new_context(locale="fr-FR", viewport=screen, user_agent=user_agent, storage_state=signed_in)
        contexts.append(context)
        return Visit(context.new_page(), base_url, journey, axe)

    try:
        yield start
    finally:
        for context in contexts:
            context.close()


def sign_up(you: Visit, email: str, password: str = PASSWORD) -> None:
    page = you.page
    you.open("/inscription")
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_label("Confirmation du mot de passe").fill(password)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("status")).to_contain_text(SIGNED_UP)


def new_subscriber(you: Visit, email: str, password: str = PASSWORD) -> None:
    """Signed up, then activated from the emailed link: activation signs the person in."""
    sign_up(you, email, password)
    page = you.page
    page.goto(last_link(you.base_url, email, "/activation"))
    page.get_by_label("Mot de passe choisi à l'inscription").fill(password)
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page).to_have_url(f"{you.base_url}/bienvenue")


def log_in(you: Visit, email: str, password: str = PASSWORD, remember: bool = False) -> None:
    page = you.page
    you.open("/connexion")
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    if remember:
        page.get_by_label("Se souvenir de moi").check()
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/(bienvenue|tableau-de-bord)"))


def link_contract(you: Visit, number: str = "11301.11377.01", key: str = "7Q4M-2KX9") -> None:
    page = you.page
    you.open("/lier-un-contrat")
    page.get_by_label("Numéro de contrat").fill(number)
    page.get_by_label("Clé").fill(key)
    page.get_by_role("button", name="Lier un contrat").click()
    expect(page.get_by_role("status")).to_contain_text("Liaison enregistrée.")


def no_horizontal_scroll(page: Page) -> None:
    """WCAG 1.4.10: nothing needs a horizontal scroll but the data tables' own."""
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
             .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.table-scroll'))
             .slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("innerWidth"), too_wide


def emails_to(base_url: str, address: str) -> list[dict[str, str]]:
    with urllib.request.urlopen(f"{base_url}/_local/emails", timeout=10) as response:
        emails: list[dict[str, str]] = json.load(response)
    return [email for email in emails if email["to"] == address]


def last_link(base_url: str, address: str, path: str) -> str:
    """The link of that kind in the newest email to the address, as the person would click it."""
    for email in reversed(emails_to(base_url, address)):
        found = re.search(rf"{re.escape(base_url)}{re.escape(path)}#token=[\w%-]+", email["text"])
        if found:
            return found.group(0)
    raise AssertionError(f"no {path} link in the emails to {address}")


def http(
    base_url: str, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """A request made outside the browser (local mode's own routes, another server's call): status, JSON."""
    request = urllib.request.Request(f"{base_url}{path}", data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null")
