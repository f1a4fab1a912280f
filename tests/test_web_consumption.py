"""Consumption in a real browser against local mode (issue 16, PRODUCT.md §8): the views by day, month
and year of a télérelève meter and their CSV file, the loi Warsmann's banner after an abnormal
reading is imported, the plumber's attestation sent from it, personal thresholds and their email,
and the index sent for a meter read by an agent (autorelève). axe runs on every page reached
(report in test-artifacts/web/axe-consumption.json).

One local mode serves the module, with two subscribers who sign up once: Camille Martin
(11301.11377.01, télérelève, and 11301.11377.02, read by an agent) and Yanis Benali (11302.20456.01,
télérelève). The billing system's exports are the demo export with the changes the tests made so far
(as the real system keeps them); each test reads only what it changed, so that they pass in any
order: the attestation test adds a reading to Yanis's contract, the thresholds test days to its
daily index."""

import codecs
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from fpdf import FPDF
from playwright.sync_api import Browser, Locator, Page, StorageState, expect

from local_mode.template import ROOT
from tests.browser import (
    DESKTOP,
    PHONE,
    AxeReport,
    Visit,
    emails_to,
    http,
    link_contract,
    new_subscriber,
    no_horizontal_scroll,
    visits,
)

DEMO_EXPORT = ROOT / "demo" / "billing-export.jsonl"
CAMILLE = "camille.conso@example.fr"
YANIS = "yanis.conso@example.fr"
REMOTE_READ = "11301.11377.01"  # Camille's, télérelève
AGENT_READ = "11301.11377.02"  # Camille's, read by an agent
OTHER_REMOTE_READ = "11302.20456.01"  # Yanis's, télérelève
PENDING = "transmis, en attente de validation"
MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip


def paris_today() -> dt.date:
    """The portal's today (the server's clock, in Paris), which dates in these tests follow."""
    return dt.datetime.now(ZoneInfo("Europe/Paris")).date()


def grouped(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def m3(litres: int) -> str:
    """Litres as the page writes them in m³: 105937 → "105,937"."""
    whole, rest = divmod(litres, 1000)
    return f"{grouped(whole)},{rest:03d}"


def short(day: dt.date | str) -> str:
    return (dt.date.fromisoformat(day) if isinstance(day, str) else day).strftime("%d/%m/%Y")


def long(day: dt.date) -> str:
    """A date as the emails write it: "29 novembre 2026"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


class BillingSystem:
    """The Régie's billing system for these tests: the demo export, changed as a test needs, and
    dropped into local mode's import (POST /_local/billing-imports). A change stays, so that a later
    export of a contract still carries it, as the real system's would."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        lines = DEMO_EXPORT.read_text(encoding="utf-8").splitlines()
        self.records: list[dict[str, Any]] = [json.loads(line) for line in lines if line.strip()]

    def contract(self, number: str) -> dict[str, Any]:
        return next(r for r in self.records if r["type"] == "contract" and r["number"] == number)

    def send(self, *numbers: str) -> dict[str, Any]:
        """An export of these contracts (with the règlements and payers) imported; the report."""
        records = [r for r in self.records if r["type"] != "contract" or r["number"] in numbers]
        export = "\n".join(json.dumps(record, ensure_ascii=False) for record in records).encode()
        status, report = http(
            self.base_url, "POST", "/_local/billing-imports", export, {"Content-Type": "application/x-ndjson"}
        )
        assert status == 200, report
        assert report["refused"] == [], report
        return dict(report)

    def abnormal_reading(self, number: str, volume_m3: int) -> dict[str, Any]:
        """A télérelève reading the day before the data's date, `volume_m3` after the last one."""
        contract = self.contract(number)
        last = contract["readings"][-1]
        day = dt.date.fromisoformat(contract["data_as_of"]) - dt.timedelta(days=1)
        reading = {"date": day.isoformat(), "index_m3": last["index_m3"] + volume_m3, "source": "télérelève",
                   "estimated": False}  # fmt: skip
        contract["readings"].append(reading)
        return reading

    def daily_index_until(self, number: str, last_day: dt.date, litres: Callable[[dt.date], int]) -> None:
        """The meter's daily index carried on up to `last_day`, each day's volume given by `litres`."""
        contract = self.contract(number)
        index = contract["daily_index"][-1]
        day, index_l = dt.date.fromisoformat(index["date"]), index["index_l"]
        while day < last_day:
            day += dt.timedelta(days=1)
            index_l += litres(day)
            contract["daily_index"].append({"date": day.isoformat(), "index_l": index_l})
        contract["data_as_of"] = max(contract["data_as_of"], paris_today().isoformat())


AXE_REPORT = "axe-consumption"  # test-artifacts/web/axe-consumption.json (the `axe` fixture)


@pytest.fixture(scope="module")
def billing(local_api: str) -> BillingSystem:
    return BillingSystem(local_api)


def subscriber(browser: Browser, base_url: str, axe: AxeReport, email: str, number: str, key: str) -> StorageState:
    """Signed up, activated and linked to a contract in the browser; the signed-in profile to reuse."""
    with visits(browser, base_url, axe) as start:
        you = start(f"inscription-{email.split('@')[0]}")
        new_subscriber(you, email)
        link_contract(you, number, key)
        return you.page.context.storage_state()


@pytest.fixture(scope="module")
def camille(local_api: str, browser: Browser, axe: AxeReport) -> StorageState:
    return subscriber(browser, local_api, axe, CAMILLE, REMOTE_READ, "7Q4M-2KX9")


@pytest.fixture(scope="module")
def yanis(local_api: str, browser: Browser, axe: AxeReport) -> StorageState:
    return subscriber(browser, local_api, axe, YANIS, OTHER_REMOTE_READ, "H5N2-R7VB")


def dashboard(you: Visit, number: str) -> None:
    you.open(f"/tableau-de-bord?contrat={number}")
    expect(you.page.get_by_role("heading", level=1)).to_have_text(f"Tableau de bord {number}")


def from_api(you: Visit, path: str) -> Any:
    """What the API answers this browser (its session cookie), as the page's own calls would get it."""
    status, body = you.page.evaluate(
        """async url => { const r = await fetch(url, {credentials: 'include', headers: {Accept: 'application/json'}});
                          return [r.status, await r.json()]; }""",
        f"{you.base_url}{path}",
    )
    assert status == 200, body
    return body


def series(you: Visit, number: str, **query: str) -> dict[str, Any]:
    result: dict[str, Any] = from_api(you, f"/contracts/{number}/consumption?{urlencode(query)}")
    return result


def views(page: Page) -> Locator:
    return page.locator("[data-series]")


def shown_rows(page: Page) -> list[list[str]]:
    rows: list[list[str]] = page.locator("[data-series-rows] tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].map(cell => cell.textContent))"
    )
    return rows


def period_name(granularity: str, period: str) -> str:
    if granularity == "day":
        return short(period)
    if granularity == "month":
        return f"{MONTHS[int(period[5:7]) - 1]} {period[:4]}"
    return period


def kind_of(granularity: str, estimated_days: int) -> str:
    if not estimated_days:
        return "Mesuré"
    return "Estimé" if granularity == "day" else f"{estimated_days}\u00a0jour"


def shows_series(page: Page, answer: dict[str, Any]) -> None:
    """The views show that answer of the API: the period, every point, the total, the chart's bars."""
    first = max(answer["from"], answer["data_first_day"])
    last = min(answer["to"], answer["data_last_day"])
    title = {"day": "par jour", "month": "par mois", "year": "par année"}[answer["granularity"]]
    part = views(page)
    expect(part.locator("[data-series-caption]")).to_have_text(
        f"Consommation {title} du {short(first)} au {short(last)}"
    )
    expect(part).not_to_have_attribute("aria-busy", "true")
    total = answer["total_litres"]
    expect(part.locator("[data-series-summary]")).to_contain_text(
        f"Consommation {title} du {short(first)} au {short(last)}\u00a0: "
        f"{m3(total)}\u00a0m³ ({grouped(total)}\u00a0litres)."
    )
    points = answer["points"]
    rows = shown_rows(page)
    assert len(rows) == len(points)
    for row, point in zip(rows, points, strict=True):
        assert period_name(answer["granularity"], point["period"]) in row[0], (row, point)
        assert row[1] == grouped(point["volume_litres"]), (row, point)
        assert row[2] == m3(point["volume_litres"]), (row, point)
        assert row[3].startswith(kind_of(answer["granularity"], point["estimated_days"])), (row, point)
    footer = part.locator("tfoot td")
    expect(footer.nth(0)).to_have_text(grouped(total))
    expect(footer.nth(1)).to_have_text(m3(total))
    chart = part.get_by_role("img", name=f"Consommation {title} du {short(first)} au {short(last)}")
    expect(chart.locator("rect.chart__bar")).to_have_count(len(points))
    estimated = [p for p in points if p["estimated_days"]]
    expect(chart.locator("rect.chart__bar--estimated")).to_have_count(len(estimated))


def chart_labels(page: Page) -> dict[str, Any]:
    """The labels under the bars: their size on screen, how many, and whether two overlap."""
    labels: dict[str, Any] = page.evaluate(
        """() => {
             const under = [...document.querySelectorAll('[data-series] svg.chart .chart__axis--x')];
             const sizes = under.map(t => t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize));
             const boxes = under.map(t => t.getBoundingClientRect()).sort((a, b) => a.left - b.left);
             return {sizes: [...new Set(sizes)], count: under.length,
                     overlaps: boxes.slice(1).filter((r, i) => r.left < boxes[i].right).length};
           }"""
    )
    return labels


def test_consumption_by_day_month_and_year_as_the_api_counts_it(
    visit: Callable[..., Visit], camille: StorageState
) -> None:
    """Done when: daily, monthly and yearly views, with labels of a fixed readable size on a phone."""
    you = visit("vues", signed_in=camille)
    page = you.page
    dashboard(you, REMOTE_READ)
    part = views(page)

    # By month first: the 12 calendar months up to the last day of data.
    expect(part.get_by_role("button", name="Par mois")).to_have_attribute("aria-pressed", "true")
    months = series(you, REMOTE_READ, granularity="month")
    assert len(months["points"]) == 12
    shows_series(page, months)
    you.seen("par-mois")

    # The 12 months before, then back.
    part.get_by_role("button", name="12 mois précédents").click()
    first_month = dt.date.fromisoformat(months["from"])
    a_year_before = {
        "from": first_month.replace(year=first_month.year - 1).isoformat(),
        "to": (first_month - dt.timedelta(days=1)).isoformat(),
    }
    shows_series(page, series(you, REMOTE_READ, granularity="month", **a_year_before))
    following = part.get_by_role("button", name="12 mois suivants")
    following.click()
    shows_series(page, months)
    # The end of the data: the button says it can go no further, and keeps the focus.
    expect(following).to_have_attribute("aria-disabled", "true")
    expect(following).to_be_focused()

    # By day, with the keyboard: the last 30 days of data, then the 30 before.
    part.get_by_role("button", name="Par jour").focus()
    page.keyboard.press("Enter")
    days = series(you, REMOTE_READ, granularity="day")
    assert len(days["points"]) == 30
    shows_series(page, days)
    expect(part.get_by_role("button", name="Par jour")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Tab")
    expect(part.get_by_role("button", name="Par mois")).to_be_focused()
    part.get_by_role("button", name="30 jours précédents").focus()
    page.keyboard.press("Space")
    before = dt.date.fromisoformat(days["from"]) - dt.timedelta(days=1)
    thirty_before = {"from": (before - dt.timedelta(days=29)).isoformat(), "to": before.isoformat()}
    shows_series(page, series(you, REMOTE_READ, granularity="day", **thirty_before))
    you.seen("par-jour-30-jours-precedents")

    # By year: every year of data; 2025 holds the three days the meter did not report, hatched.
    part.get_by_role("button", name="Par année").click()
    years = series(you, REMOTE_READ, granularity="year")
    assert [p["period"] for p in years["points"]] == ["2023", "2024", "2025", "2026"]
    shows_series(page, years)
    expect(part.get_by_role("row", name=re.compile("^2025")).get_by_text("3\u00a0jours estimés")).to_be_visible()
    expect(part.get_by_role("button", name=re.compile("précédent|suivant"))).to_have_count(0)
    you.seen_on_both_screens("par-annee")

    # Labels under the bars keep the style sheet's 13 px on a desktop screen and on a phone (drawn at
    # the size shown, never scaled down); fewer of them where they would touch, none overlapping.
    for screen in (DESKTOP, PHONE):
        page.set_viewport_size(screen)
        page.reload()  # drawn for this screen, as a person on that device would see it
        part.get_by_role("button", name="Par jour").click()
        shows_series(page, days)
        labels = chart_labels(page)
        assert labels["sizes"] == [13], labels
        assert labels["count"] >= 4, labels
        assert labels["overlaps"] == 0, labels
        no_horizontal_scroll(page)
        you.seen(f"par-jour-{screen['width']}px")


def downloaded_csv(page: Page) -> tuple[str, bytes]:
    with page.expect_download() as download:
        views(page).get_by_role("link", name=re.compile(r"^Télécharger \(CSV\)")).click()
    return download.value.suggested_filename, Path(download.value.path()).read_bytes()


def spreadsheet(content: bytes) -> list[list[str]]:
    """The file as a French spreadsheet reads it: UTF-8 with its BOM, « ; » between cells, CRLF."""
    assert content.startswith(codecs.BOM_UTF8)
    assert content.count(b"\r\n") == content.count(b"\n") > 1
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def decimal_comma(cell: str) -> Decimal:
    assert re.fullmatch(r"\d+,\d{3}", cell), cell
    return Decimal(cell.replace(",", "."))


def test_the_csv_download_adds_up_to_the_totals_shown(visit: Callable[..., Visit], camille: StorageState) -> None:
    """Done when: the CSV download, opened by a CSV parser with « ; » and the decimal comma, holds
    numbers that add up to the dashboard's totals — for the period shown, whichever it is."""
    you = visit("csv", signed_in=camille)
    page = you.page
    dashboard(you, REMOTE_READ)
    part = views(page)
    expect(
        part.get_by_role("link", name=re.compile(r"^Télécharger \(CSV\)\s*: consommation par mois du"))
    ).to_be_visible()

    part.get_by_role("button", name="Par jour").click()
    part.get_by_role("button", name="30 jours précédents").click()
    expect(part.get_by_role("button", name="30 jours suivants")).to_have_attribute("aria-disabled", "false")
    for granularity, header, word in [("day", "Date", "jour"), ("month", "Mois", "mois"), ("year", "Année", "annee")]:
        if granularity != "day":
            part.get_by_role("button", name={"month": "Par mois", "year": "Par année"}[granularity]).click()
        expect(part).not_to_have_attribute("aria-busy", "true")
        expect(part.locator("[data-series-caption]")).to_contain_text(
            {"day": "par jour", "month": "par mois", "year": "par année"}[granularity]
        )
        shown = shown_rows(page)
        total_litres = int(re.sub(r"\D", "", part.locator("tfoot td").nth(0).inner_text()))
        total_m3 = decimal_comma(part.locator("tfoot td").nth(1).inner_text().replace("\u202f", ""))
        assert f"({grouped(total_litres)}\u00a0litres)" in part.locator("[data-series-summary]").inner_text()

        name, content = downloaded_csv(page)
        rows = spreadsheet(content)
        assert rows[0] == [header, "Consommation (m³)", "Consommation (litres)", "Jours estimés"]
        body = rows[1:]
        assert len(body) == len(shown)
        assert sum(int(row[2]) for row in body) == total_litres
        assert sum(decimal_comma(row[1]) for row in body) == total_m3
        for row, cells in zip(body, shown, strict=True):
            assert row[0] in cells[0] or granularity == "month", (row, cells)  # a month is named in words
            assert int(row[2]) == int(re.sub(r"\D", "", cells[1]))
        period = re.fullmatch(rf"consommation-{re.escape(REMOTE_READ)}-{word}-(\S+)-au-(\S+)\.csv", name)
        assert period, name
        if granularity == "day":  # the 30 days shown, not the default ones
            assert body[0][0] == short(period.group(1))
            assert body[-1][0] == short(period.group(2))
            assert len(body) == 30
    you.seen("csv")


def test_an_abnormal_reading_brings_the_warsmann_banner_and_email(
    visit: Callable[..., Visit], camille: StorageState, billing: BillingSystem
) -> None:
    """Done when: the loi Warsmann's banner after importing a spike through POST /_local/billing-imports."""
    reading = billing.abnormal_reading(REMOTE_READ, 60)  # ~10 m³ a month is usual
    report = billing.send(REMOTE_READ)
    assert report["leak_alerts"] == 1

    # Every account linked to the contract is told by email.
    [email] = [e for e in emails_to(billing.base_url, CAMILLE) if e["subject"].startswith("Consommation anormale")]
    assert email["subject"] == f"Consommation anormale sur votre contrat {REMOTE_READ}"
    assert "60,0\u00a0m³" in email["text"]

    you = visit("warsmann", signed_in=camille)
    page = you.page
    dashboard(you, REMOTE_READ)
    [alert] = from_api(you, f"/contracts/{REMOTE_READ}/dashboard")["leak_alerts"]
    assert alert["open"] is True
    banner = page.get_by_role("region", name=f"Consommation anormale au relevé du {short(reading['date'])}")
    expect(banner).to_be_visible()
    average, capped = (alert[k].replace(".", ",") + "\u00a0m³" for k in ("average_m3", "capped_at_m3"))
    expect(banner).to_contain_text(
        f"Du {short(alert['since'])} au {short(reading['date'])}, votre compteur a mesuré 60\u00a0m³\u00a0: plus du "
        f"double de votre consommation moyenne sur la même période des {alert['years']}\u00a0années précédentes "
        f"({average})."
    )
    expect(banner).to_contain_text(f"au plus tard le {short(alert['reply_by'])}")
    expect(banner).to_contain_text(f"plafonnée à {capped}, le double de votre consommation moyenne")
    assert f"au plus tard le {long(dt.date.fromisoformat(alert['reply_by']))}" in email["text"]
    expect(banner.get_by_role("button", name="Envoyer l'attestation")).to_be_visible()
    you.seen_on_both_screens("banniere")

    # The same export again: the reading was tested when it came, nobody is told twice.
    assert billing.send(REMOTE_READ)["leak_alerts"] == 0
    assert len([e for e in emails_to(billing.base_url, CAMILLE) if e["subject"] == email["subject"]]) == 1

    # The other right: a meter check, asked through the contact form, written for this alert.
    banner.get_by_role("link", name="Demander la vérification du compteur").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacter la Régie des Eaux du Pays d'Aix")
    expect(page.get_by_label("Objet")).to_have_value("compteur")
    expect(page.get_by_label("Numéro de contrat, si vous en avez un")).to_have_value(REMOTE_READ)
    expect(page.get_by_label("Message")).to_have_value(
        re.compile(f"relevé du {re.escape(short(reading['date']))} sur le contrat {re.escape(REMOTE_READ)}")
    )


def attestation_pdf(path: Path) -> Path:
    """A plumber's attestation, a real one-page PDF."""
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.multi_cell(0, 8, "Attestation de réparation de fuite\nPlomberie Durance, Aix-en-Provence\n"
                              "Fuite sur la canalisation enterrée après le compteur, réparée.")  # fmt: skip
    document.output(str(path))
    return path


def test_the_plumbers_attestation_is_sent_once_from_the_banner(
    visit: Callable[..., Visit], yanis: StorageState, billing: BillingSystem, tmp_path: Path
) -> None:
    """Done when: the attestation upload; then the banner says it was sent and offers no second one."""
    reading = billing.abnormal_reading(OTHER_REMOTE_READ, 70)
    assert billing.send(OTHER_REMOTE_READ)["leak_alerts"] == 1
    you = visit("attestation", signed_in=yanis)
    page = you.page
    dashboard(you, OTHER_REMOTE_READ)
    banner = page.get_by_role("region", name=f"Consommation anormale au relevé du {short(reading['date'])}")
    form = banner.get_by_role("form", name="Envoyer l'attestation de réparation")
    send = form.get_by_role("button", name="Envoyer l'attestation")

    # Nothing filled in: each field says what it needs, and the first one takes the focus.
    send.click()
    for label in ["Date de la réparation", "Localisation de la fuite", "Entreprise de plomberie",
                  "Attestation de l'entreprise"]:  # fmt: skip
        expect(form.get_by_label(label)).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Date de la réparation")).to_be_focused()
    document = form.get_by_label("Attestation de l'entreprise")
    expect(document).to_have_accessible_description(re.compile("Joignez l'attestation"))

    # The type and the size are checked before anything is sent, and said in French.
    form.get_by_label("Date de la réparation").fill(paris_today().isoformat())
    form.get_by_label("Localisation de la fuite").fill("Canalisation enterrée entre le compteur et la maison")
    form.get_by_label("Entreprise de plomberie").fill("Plomberie Durance")
    document.set_input_files({"name": "devis.docx", "mimeType": "application/msword", "buffer": b"PK\x03\x04"})
    send.click()
    expect(document).to_have_accessible_description(re.compile("ni un PDF ni une photo JPEG ou PNG"))
    expect(document).to_be_focused()
    too_big = b"%PDF-1.4\n" + b"0" * (4 * 1024 * 1024)
    document.set_input_files({"name": "scan.pdf", "mimeType": "application/pdf", "buffer": too_big})
    send.click()
    expect(document).to_have_accessible_description(re.compile("Ce fichier fait 4,1\u00a0Mo\u00a0: l'attestation ne"))
    you.seen("attestation-trop-grande")

    document.set_input_files(attestation_pdf(tmp_path / "attestation-plombier.pdf"))
    send.click()
    sent = banner.locator("[data-attestation-sent]")
    expect(sent).to_be_focused()
    expect(sent).to_contain_text(f"Attestation transmise le {short(paris_today())}.")
    expect(sent).to_contain_text("plafonnée au double de votre consommation moyenne")
    expect(banner.get_by_role("button", name="Envoyer l'attestation")).to_have_count(0)
    you.seen_on_both_screens("attestation-transmise")

    # Later: a note says it was sent, and no second attestation is offered (the API would refuse it).
    page.reload()
    note = page.get_by_text(f"Attestation de réparation transmise le {short(paris_today())}")
    expect(note).to_contain_text(f"relevée le {short(reading['date'])}")
    expect(page.get_by_role("region", name=re.compile("^Consommation anormale"))).to_have_count(0)
    expect(page.get_by_role("button", name="Envoyer l'attestation")).to_have_count(0)
    [alert] = from_api(you, f"/contracts/{OTHER_REMOTE_READ}/dashboard")["leak_alerts"]
    assert alert["attestation"]["repair_date"] == paris_today().isoformat()
    assert alert["open"] is False


def test_a_threshold_set_in_the_portal_sends_its_email(
    visit: Callable[..., Visit], yanis: StorageState, billing: BillingSystem
) -> None:
    """Done when: a threshold email — thresholds set in the portal, days over them imported, the
    morning watch run."""
    you = visit("seuils", signed_in=yanis)
    page = you.page
    dashboard(you, OTHER_REMOTE_READ)
    form = page.get_by_role("form", name="Mes alertes de consommation")
    expect(form).to_contain_text("Aucun seuil n'est défini\u00a0: vous ne recevez pas d'alerte de consommation.")
    daily, monthly = form.get_by_label("Seuil par jour (litres)"), form.get_by_label("Seuil par mois (m³)")

    daily.fill("beaucoup")
    form.get_by_role("button", name="Enregistrer mes seuils").click()
    expect(daily).to_have_attribute("aria-invalid", "true")
    expect(daily).to_have_accessible_description(re.compile("nombre entier de litres"))
    expect(daily).to_be_focused()

    daily.fill("400")
    monthly.fill("5")
    form.get_by_role("button", name="Enregistrer mes seuils").click()
    expect(form.locator(".form-alert--success")).to_contain_text("Seuils enregistrés")
    expect(form).to_contain_text("Vos seuils\u00a0: 400\u00a0litres par jour et 5\u00a0m³ par mois.")
    you.seen("seuils-enregistres")

    # Removed, then set again: the page and the API agree each time.
    form.get_by_role("button", name="Supprimer mes seuils").click()
    expect(form.locator(".form-alert--success")).to_contain_text("Vos seuils sont supprimés")
    expect(form).to_contain_text("Aucun seuil n'est défini")
    assert from_api(you, f"/contracts/{OTHER_REMOTE_READ}/dashboard")["consumption_alerts"] is None
    daily.fill("400")
    monthly.fill("5")
    form.get_by_role("button", name="Enregistrer mes seuils").click()
    expect(form).to_contain_text("Vos seuils\u00a0: 400\u00a0litres par jour et 5\u00a0m³ par mois.")
    assert from_api(you, f"/contracts/{OTHER_REMOTE_READ}/dashboard")["consumption_alerts"] == {
        "daily_litres": 400,
        "monthly_m3": 5,
    }

    # The meter's days up to yesterday reach the portal: ~250 litres a day, and a burst pipe yesterday.
    today = paris_today()
    yesterday = today - dt.timedelta(days=1)
    billing.daily_index_until(OTHER_REMOTE_READ, yesterday, lambda day: 6000 if day == yesterday else 250)
    billing.send(OTHER_REMOTE_READ)
    status, watch = http(billing.base_url, "POST", "/_local/schedules/ConsumptionAlertsFunction")
    assert status == 200, watch

    emails = emails_to(billing.base_url, YANIS)
    [over_a_day] = [e for e in emails if e["subject"].startswith("Seuil de consommation dépassé")]
    assert over_a_day["subject"] == f"Seuil de consommation dépassé le {long(yesterday)}"
    assert "6\u202f000\u00a0litres" in over_a_day["text"]
    assert "400\u00a0litres par jour" in over_a_day["text"]
    monthly_emails = [e for e in emails if e["subject"].startswith("Seuil de consommation mensuel dépassé")]
    if yesterday.month == today.month:
        [over_a_month] = monthly_emails
        assert (
            over_a_month["subject"]
            == f"Seuil de consommation mensuel dépassé en {MONTHS[today.month - 1]} {today.year}"
        )
    else:  # the 1st of a month: the month just ended began before the threshold was set
        assert monthly_emails == []
    # The watch of the next morning tells nothing twice.
    http(billing.base_url, "POST", "/_local/schedules/ConsumptionAlertsFunction")
    assert len(emails_to(billing.base_url, YANIS)) == len(emails)

    # The day is on the dashboard, above the threshold's line.
    page.reload()
    views(page).get_by_role("button", name="Par jour").click()
    days = series(you, OTHER_REMOTE_READ, granularity="day")
    assert days["to"] == yesterday.isoformat()
    shows_series(page, days)
    assert shown_rows(page)[-1][1] == grouped(6000)
    expect(views(page).locator("svg.chart .chart__reference")).to_have_count(1)
    expect(views(page).locator("[data-threshold-legend]")).to_be_visible()
    you.seen_on_both_screens("seuil-depasse")


def test_an_index_sent_for_a_meter_read_by_an_agent(visit: Callable[..., Visit], camille: StorageState) -> None:
    """Done when: an autorelève — an implausible index asks for confirmation, the sent index shows as
    « transmis, en attente de validation »."""
    you = visit("autoreleve", signed_in=camille)
    page = you.page
    dashboard(you, AGENT_READ)
    expect(views(page)).to_be_hidden()  # no daily data for a meter read by an agent
    expect(page.get_by_role("img", name=re.compile("^Consommation par relevé"))).to_be_visible()
    form = page.get_by_role("form", name="Transmettre mon index (autorelève)")
    expect(form).to_contain_text("Dernier index connu\u00a0: 2\u202f037\u00a0m³ le 15/10/2026.")
    date, index = form.get_by_label("Date du relevé"), form.get_by_label("Index du compteur (m³)")
    send = form.get_by_role("button", name="Transmettre mon index")
    today = paris_today()
    yesterday = today - dt.timedelta(days=1)

    # A date to come is refused under its field.
    date.fill((today + dt.timedelta(days=1)).isoformat())
    index.fill("2052")
    send.click()
    expect(date).to_have_accessible_description(re.compile("La date du relevé ne peut pas être future"))
    expect(date).to_be_focused()

    # An extra digit: the page asks to check it, offering to confirm it as it is…
    date.fill(yesterday.isoformat())
    index.fill("20370")
    send.click()
    warning = form.get_by_role("alert")
    expect(warning).to_contain_text("bien plus que d'habitude")
    confirm = form.get_by_role("button", name="Confirmer cet index")
    expect(confirm).to_be_visible()
    you.seen_on_both_screens("autoreleve-a-confirmer")
    # …and once corrected, the confirmation (given for 20370) is gone: the right index is sent.
    index.fill("2052")
    expect(confirm).to_have_count(0)
    send.click()
    expect(form.locator(".form-alert--success")).to_contain_text(
        f"Index du {short(yesterday)}\u00a0: 2\u202f052\u00a0m³, {PENDING}."
    )
    readings = page.get_by_role("table", name="Relevés du compteur").locator("tbody tr")
    expect(readings.first).to_contain_text(short(yesterday))
    expect(readings.first).to_contain_text("2052")
    expect(readings.first).to_contain_text(PENDING)

    # A burst pipe: the index really jumped, and the subscriber confirms it.
    date.fill(today.isoformat())
    index.fill("2140")
    send.click()
    form.get_by_role("button", name="Confirmer cet index").click()
    expect(form.locator(".form-alert--success")).to_contain_text(
        f"Index du {short(today)}\u00a0: 2\u202f140\u00a0m³, {PENDING}."
    )
    expect(readings.first).to_contain_text("2140")
    you.seen("autoreleve-transmis")

    # Later, both are still waiting for the Régie, newest first.
    page.reload()
    pending = page.get_by_role("table", name="Relevés du compteur").locator("tbody tr", has_text=PENDING)
    expect(pending).to_have_count(2)
    expect(pending.nth(0)).to_contain_text(short(today))
    expect(pending.nth(1)).to_contain_text(short(yesterday))
    expect(form).to_contain_text(
        f"Dernier index connu\u00a0: 2\u202f140\u00a0m³ le {short(today)}, "
        "transmis par vous et en attente de validation."
    )
    sent = from_api(you, f"/contracts/{AGENT_READ}/dashboard")["meter_readings_sent"]
    assert sorted((s["date"], s["index_m3"]) for s in sent) == [
        (yesterday.isoformat(), 2052),
        (today.isoformat(), 2140),
    ]
