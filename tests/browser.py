"""Browser-test helpers: Debian's Chromium driven by Playwright, axe-core on every page, and a
screenshot of every page kept in test-artifacts/ (issue 8)."""

import json
import os
import re
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from local_mode.template import ROOT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The screens of issue 17: a common laptop, and the narrowest phone WCAG 1.4.10 asks for (an
# iPhone SE's 320 × 568).
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 320, "height": 568}
ARTIFACTS = ROOT / "test-artifacts" / "web"
# What the issue asks of every page: no serious or critical violation of any axe rule.
BLOCKING_IMPACTS = {"serious", "critical"}


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
        found = re.search(rf"{re.escape(base_url)}{re.escape(path)}\?token=[\w%-]+", email["text"])
        if found:
            return found.group(0)
    raise AssertionError(f"no {path} link in the emails to {address}")
