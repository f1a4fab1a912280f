"""Consumption (PRODUCT.md §8, issue 16): daily data of télérelève meters, its series and CSV file,
the loi Warsmann's alert and the plumber's attestation, personal thresholds, autorelève.

The rule's own edges are in test_warsmann.py; here is what a subscriber and the Régie see of it."""

import base64
import copy
import csv
import datetime as dt
import io
import json
import threading
from decimal import Decimal
from typing import Any

import boto3
import pytest

from espace_abonne.core.return_feed import ReturnFeed, paris_day
from local_mode.backend import DEMO_EXPORT, drop_export, import_report
from tests.accounts import activated_account, log_in, session_cookie_of
from tests.conftest import Api, ApiResponse, FrozenClock, Mailbox

TELERELEVE = "11301.11377.01"
AGENT = "11301.11377.02"
LEAK_SUBJECT = f"Consommation anormale sur votre contrat {TELERELEVE}"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# The test clock's day is 2026-11-18; the demo export's data are as of 2026-11-15.
DAY = 24 * 3600


class Subscriber:
    def __init__(self, api: Api, mailbox: Mailbox, email: str, *links: tuple[str, str]) -> None:
        activated_account(api, mailbox, email)
        self.api = api
        self.email = email
        self.cookie = session_cookie_of(log_in(api, email, remember_me=True))
        for number, key in links:
            assert self.post("/contracts/links", {"contract_number": number, "key": key}).status == 200

    def log_in_again(self) -> None:
        self.cookie = session_cookie_of(log_in(self.api, self.email, remember_me=True))

    def get(self, path: str) -> ApiResponse:
        return self.api.request("GET", path, headers={"Cookie": self.cookie})

    def post(self, path: str, body: Any) -> ApiResponse:
        return self.api.post(path, body, headers={"Cookie": self.cookie})

    def put(self, path: str, body: Any) -> ApiResponse:
        return self.api.put(path, body, headers={"Cookie": self.cookie})

    def delete(self, path: str) -> ApiResponse:
        return self.api.request("DELETE", path, headers={"Cookie": self.cookie})

    def series(self, query: str = "", number: str = TELERELEVE) -> dict[str, Any]:
        response = self.get(f"/contracts/{number}/consumption{query}")
        assert response.status == 200, response.body
        return dict(response.json())

    def dashboard(self, number: str = TELERELEVE) -> dict[str, Any]:
        return dict(self.get(f"/contracts/{number}/dashboard").json())


@pytest.fixture
def camille(api: Api, mailbox: Mailbox, demo_billing: None) -> Subscriber:
    return Subscriber(api, mailbox, "camille@example.fr", (TELERELEVE, "7Q4M-2KX9"))


def demo_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEMO_EXPORT.read_text(encoding="utf-8").splitlines()]


def contract_of(records: list[dict[str, Any]], number: str) -> dict[str, Any]:
    return next(r for r in records if r.get("number") == number)


def import_records(api: Api, records: list[dict[str, Any]], name: str) -> dict[str, Any]:
    key = drop_export(api.template, [json.dumps(r, ensure_ascii=False) for r in records], name)
    api.run_queued_work()
    report = import_report(api.template, key)
    assert report["refused"] == [], report["refused"]
    return report


def with_reading(index_m3: int, date: str = "2026-11-14", **changes: Any) -> list[dict[str, Any]]:
    """The demo export with one more télérelève reading of the first contract."""
    records = copy.deepcopy(demo_records())
    contract = contract_of(records, TELERELEVE)
    contract["readings"].append({"date": date, "index_m3": index_m3, "source": "télérelève", "estimated": False})
    contract.update(changes)
    return records


def last_index_m3(number: str = TELERELEVE) -> int:
    return int(contract_of(demo_records(), number)["readings"][-1]["index_m3"])


def daily(number: str = TELERELEVE) -> dict[str, int]:
    return {d["date"]: d["index_l"] for d in contract_of(demo_records(), number)["daily_index"]}


def feed_today(clock: FrozenClock, kind: str) -> list[dict[str, Any]]:
    return [e.as_line() for e in ReturnFeed("ReturnFeedTable").day(paris_day(clock.now())) if e.kind == kind]


# -- series -----------------------------------------------------------------------------------------
def test_days_months_and_years_come_from_the_daily_index_and_add_up(camille: Subscriber) -> None:
    index = daily()
    days = camille.series()
    assert (days["from"], days["to"], days["granularity"]) == ("2026-10-16", "2026-11-14", "day")
    assert len(days["points"]) == 30
    assert days["points"][-1]["volume_litres"] == index["2026-11-14"] - index["2026-11-13"]

    october = camille.series("?granularity=day&from=2026-10-01&to=2026-10-31")
    months = camille.series("?granularity=month")
    assert [p["period"] for p in months["points"]][-2:] == ["2026-10", "2026-11"]
    assert len(months["points"]) == 12
    assert next(p for p in months["points"] if p["period"] == "2026-10")["volume_litres"] == october["total_litres"]
    assert october["total_litres"] == index["2026-10-31"] - index["2026-09-30"]

    years = camille.series("?granularity=year")
    assert [p["period"] for p in years["points"]] == ["2023", "2024", "2025", "2026"]
    first, last = min(index), max(index)
    assert years["total_litres"] == index[last] - index[first]  # every litre counted once
    assert (years["data_first_day"], years["data_last_day"]) == ("2023-10-16", last)


def test_days_the_meter_did_not_report_are_spread_and_marked_estimated(camille: Subscriber) -> None:
    index = daily()
    assert "2025-03-11" not in index  # the radio was out of reach 10 to 12 March 2025

    days = camille.series("?from=2025-03-09&to=2025-03-13")

    assert [p["estimated_days"] for p in days["points"]] == [0, 1, 1, 1, 0]
    assert days["total_litres"] == index["2025-03-13"] - index["2025-03-08"]


def test_a_holiday_and_a_leak_show_in_the_daily_series(camille: Subscriber) -> None:
    holiday = camille.series("?from=2025-08-03&to=2025-08-16")
    leak = camille.series("?from=2024-02-06&to=2024-02-25")
    usual = camille.series("?from=2024-01-06&to=2024-01-25")

    assert max(p["volume_litres"] for p in holiday["points"]) < 10
    assert min(p["volume_litres"] for p in leak["points"]) > 650
    assert leak["total_litres"] > 2 * usual["total_litres"]


def test_an_agent_read_meter_has_no_daily_series(api: Api, mailbox: Mailbox, demo_billing: None) -> None:
    camille = Subscriber(api, mailbox, "camille@example.fr", (AGENT, "P8W3-6ZTR"))

    for path in (f"/contracts/{AGENT}/consumption", f"/contracts/{AGENT}/consumption.csv"):
        response = camille.get(path)
        assert (response.status, response.json()["code"]) == (409, "no_daily_data")
    assert camille.put(f"/contracts/{AGENT}/consumption-alerts", {"daily_litres": 300}).json()["code"] == (
        "no_daily_data"
    )


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("?from=2026-11-10&to=2026-11-01", 400, "invalid_period"),
        ("?granularity=day&from=2025-01-01&to=2026-03-01", 400, "invalid_period"),  # a day series: a year at most
        ("?granularity=week", 422, "validation_error"),
        ("?from=2026-13-01", 422, "validation_error"),
        ("?from=hier", 422, "validation_error"),
    ],
)
def test_a_period_that_makes_no_sense_is_refused_in_french(
    camille: Subscriber, query: str, status: int, code: str
) -> None:
    response = camille.get(f"/contracts/{TELERELEVE}/consumption{query}")

    assert (response.status, response.json()["code"]) == (status, code)
    assert response.json()["message"]


def test_the_csv_file_opens_in_a_french_spreadsheet_and_adds_up(camille: Subscriber) -> None:
    response = camille.get(f"/contracts/{TELERELEVE}/consumption.csv?from=2026-10-01&to=2026-10-31")

    assert response.status == 200
    assert response.header("Content-Type") == "text/csv; charset=utf-8"
    assert response.header("Content-Disposition") == (
        f'attachment; filename="consommation-{TELERELEVE}-jour-2026-10-01-au-2026-10-31.csv"'
    )
    raw = response.body.encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8, accents included
    assert b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Date", "Consommation (m³)", "Consommation (litres)", "Jours estimés"]
    assert rows[1][0] == "01/10/2026"
    assert len(rows) == 32
    m3 = sum(Decimal(row[1].replace(",", ".")) for row in rows[1:])
    october = camille.series("?from=2026-10-01&to=2026-10-31")
    assert m3 * 1000 == october["total_litres"] == sum(int(row[2]) for row in rows[1:])

    months = camille.get(f"/contracts/{TELERELEVE}/consumption.csv?granularity=month&from=2026-01-01&to=2026-10-31")
    month_rows = list(csv.reader(io.StringIO(months.body.removeprefix("\ufeff")), delimiter=";"))
    assert month_rows[0][0] == "Mois"
    assert month_rows[-1][0] == "10/2026"
    assert month_rows[-1][2] == str(october["total_litres"])


def test_the_whole_history_fits_in_one_csv_file(camille: Subscriber) -> None:
    response = camille.get(f"/contracts/{TELERELEVE}/consumption.csv?from=2023-10-16&to=2026-11-14")

    assert response.status == 200
    assert response.body.count("\r\n") == 1 + (dt.date(2026, 11, 14) - dt.date(2023, 10, 16)).days + 1


def test_another_accounts_contract_is_not_found_on_any_consumption_route(
    api: Api, mailbox: Mailbox, camille: Subscriber
) -> None:
    other = Subscriber(api, mailbox, "other@example.fr")
    attempts = [
        other.get(f"/contracts/{TELERELEVE}/consumption"),
        other.get(f"/contracts/{TELERELEVE}/consumption.csv"),
        other.put(f"/contracts/{TELERELEVE}/consumption-alerts", {"daily_litres": 300}),
        other.delete(f"/contracts/{TELERELEVE}/consumption-alerts"),
        other.post(f"/contracts/{AGENT}/meter-readings", {"date": "2026-11-17", "index_m3": 2050}),
        other.post(f"/contracts/{TELERELEVE}/leak-attestations", attestation()),
    ]
    assert [(r.status, r.json()["code"]) for r in attempts] == [(404, "contract_not_found")] * len(attempts)
    anonymous = api.request("GET", f"/contracts/{TELERELEVE}/consumption")
    assert anonymous.status == 401


# -- loi Warsmann -----------------------------------------------------------------------------------
def attestation(document: bytes = PDF, content_type: str = "application/pdf", **changes: Any) -> dict[str, Any]:
    return {
        "reading_date": "2026-11-14",
        "repair_date": "2026-11-17",
        "leak_location": "Chasse d'eau des toilettes",
        "plumber": "Plomberie du Cours, Aix-en-Provence",
        "document": {
            "file_name": "attestation.pdf",
            "content_type": content_type,
            "content_base64": base64.b64encode(document).decode("ascii"),
        },
    } | changes


@pytest.fixture
def leak(api: Api, mailbox: Mailbox, camille: Subscriber) -> Subscriber:
    """60 m³ read in a month where 10 are usual: the import finds it."""
    report = import_records(api, with_reading(last_index_m3() + 60), "leak")
    assert report["leak_alerts"] == 1
    return camille


def test_the_demo_history_and_its_old_leak_raise_no_alert(camille: Subscriber) -> None:
    assert camille.dashboard()["leak_alerts"] == []  # a contract's first import is history, not news


def test_a_new_reading_more_than_twice_the_average_alerts_every_linked_account_once(
    api: Api, mailbox: Mailbox, camille: Subscriber
) -> None:
    spouse = Subscriber(api, mailbox, "dominique@example.fr", (TELERELEVE, "7Q4M-2KX9"))

    import_records(api, with_reading(last_index_m3() + 60), "leak")
    again = import_records(api, with_reading(last_index_m3() + 60), "leak-again")
    changed = import_records(api, with_reading(last_index_m3() + 60, holder="Camille et Dominique Martin"), "other")

    assert (again["leak_alerts"], changed["leak_alerts"]) == (0, 0)  # detected once per reading
    for person in (camille, spouse):
        [email] = [e for e in mailbox.to(person.email) if e.subject == LEAK_SUBJECT]
        assert "Consommation mesurée du 15 octobre 2026 au 14 novembre 2026\u00a0: 60,0\u00a0m³" in email.text
        assert "18 décembre 2026" in email.text  # the attestation's deadline: a month after being told
        assert "vérification de votre compteur" in email.text
    [alert] = camille.dashboard()["leak_alerts"]
    assert alert | {"volume_m3": 60, "years": 3, "since": "2026-10-15", "reply_by": "2026-12-18", "open": True} == alert
    assert abs(Decimal(alert["capped_at_m3"]) - 2 * Decimal(alert["average_m3"])) <= Decimal("0.1")
    assert Decimal(alert["capped_at_m3"]) < 60


def test_a_reading_within_twice_the_average_raises_nothing(api: Api, mailbox: Mailbox, camille: Subscriber) -> None:
    report = import_records(api, with_reading(last_index_m3() + 12), "normal")

    assert report["leak_alerts"] == 0
    assert camille.dashboard()["leak_alerts"] == []
    assert not [e for e in mailbox.to(camille.email) if e.subject == LEAK_SUBJECT]


def test_a_reading_that_comes_long_after_it_was_read_is_history_not_news(api: Api, camille: Subscriber) -> None:
    report = import_records(api, with_reading(last_index_m3() + 60, data_as_of="2026-12-20"), "late")

    assert report["leak_alerts"] == 0


def test_an_estimated_reading_raises_nothing(api: Api, camille: Subscriber) -> None:
    records = with_reading(last_index_m3() + 60)
    contract_of(records, TELERELEVE)["readings"][-1] |= {"source": "estimation", "estimated": True}

    assert import_records(api, records, "estimated")["leak_alerts"] == 0


def test_the_attestation_reaches_the_regie_and_closes_the_alert(api: Api, leak: Subscriber, clock: FrozenClock) -> None:
    response = leak.post(f"/contracts/{TELERELEVE}/leak-attestations", attestation())

    assert response.status == 201
    assert "plafonnée" in response.json()["message"]
    [record] = feed_today(clock, "leak_attestation")
    expected = {"contract_number": TELERELEVE, "reading_date": "2026-11-14", "volume_m3": 60,
                "repair_date": "2026-11-17", "plumber": "Plomberie du Cours, Aix-en-Provence"}  # fmt: skip
    assert record | expected == record
    document = record["document"]
    assert document["key"].startswith(f"attestations/{TELERELEVE}/2026-11-14-")
    stored = boto3.client("s3").get_object(Bucket=document["bucket"], Key=document["key"])
    assert (stored["Body"].read(), stored["ContentType"]) == (PDF, "application/pdf")
    [alert] = leak.dashboard()["leak_alerts"]
    assert alert["open"] is False
    assert alert["attestation"]["repair_date"] == "2026-11-17"

    again = leak.post(f"/contracts/{TELERELEVE}/leak-attestations", attestation(PNG, "image/png"))
    assert (again.status, again.json()["code"]) == (409, "attestation_already_sent")


def test_the_attestation_is_taken_for_a_month(leak: Subscriber, clock: FrozenClock) -> None:
    clock.advance(31 * DAY)  # 19 December 2026: the deadline was the 18th
    leak.log_in_again()  # a month is longer than a session

    response = leak.post(f"/contracts/{TELERELEVE}/leak-attestations", attestation())

    assert (response.status, response.json()["code"]) == (409, "reply_period_over")
    assert leak.dashboard()["leak_alerts"][0]["open"] is False


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (attestation(b"Bonjour, ceci n'est pas un PDF"), "document", "wrong_type"),
        (attestation(PDF, "image/png"), "document", "wrong_type"),  # a PDF said to be a photo
        (attestation(b"\x89PNG\r\n\x1a\n" + b"\x00" * (4 * 1024 * 1024), "image/png"), "document", "too_large"),
        (attestation() | {"document": {**attestation()["document"], "content_base64": "pas du base64!"}},
         "document", "unreadable"),
        (attestation(repair_date="2026-11-19"), "repair_date", "out_of_range"),  # tomorrow
        (attestation(repair_date="2026-10-01"), "repair_date", "out_of_range"),  # before the period read
    ],
)  # fmt: skip
def test_an_attestation_is_checked_before_anything_is_kept(
    leak: Subscriber, clock: FrozenClock, body: dict[str, Any], field: str, code: str
) -> None:
    response = leak.post(f"/contracts/{TELERELEVE}/leak-attestations", body)

    assert response.status == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert feed_today(clock, "leak_attestation") == []
    assert leak.dashboard()["leak_alerts"][0]["attestation"] is None


def test_an_attestation_needs_an_alert_and_a_known_document_type(leak: Subscriber) -> None:
    unknown = leak.post(f"/contracts/{TELERELEVE}/leak-attestations", attestation(reading_date="2026-10-15"))
    text = leak.post(f"/contracts/{TELERELEVE}/leak-attestations", attestation(PDF, "text/plain"))
    huge = leak.post(f"/contracts/{TELERELEVE}/leak-attestations", attestation(PDF + b"\x00" * 5 * 1024 * 1024))

    assert (unknown.status, unknown.json()["code"]) == (404, "leak_alert_not_found")
    assert (text.status, text.json()["code"]) == (422, "validation_error")
    assert (huge.status, huge.json()["code"]) == (413, "payload_too_large")
    assert "4\u00a0Mo" in huge.json()["message"]


def test_two_attestations_at_once_make_one(leak: Subscriber, atomic_moto: None, clock: FrozenClock) -> None:
    statuses: list[int] = []
    start = threading.Barrier(2)

    def send() -> None:
        start.wait()
        statuses.append(leak.post(f"/contracts/{TELERELEVE}/leak-attestations", attestation()).status)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201, 409]
    assert len(feed_today(clock, "leak_attestation")) == 1


# -- thresholds -------------------------------------------------------------------------------------
def test_thresholds_are_set_shown_and_removed(camille: Subscriber) -> None:
    path = f"/contracts/{TELERELEVE}/consumption-alerts"

    saved = camille.put(path, {"daily_litres": 500, "monthly_m3": 12})
    assert saved.status == 200
    assert saved.json()["thresholds"] == {"daily_litres": 500, "monthly_m3": 12}
    assert camille.dashboard()["consumption_alerts"] == {"daily_litres": 500, "monthly_m3": 12}
    assert camille.series()["thresholds"] == {"daily_litres": 500, "monthly_m3": 12}
    assert camille.put(path, {"monthly_m3": 9}).json()["thresholds"] == {"daily_litres": None, "monthly_m3": 9}

    assert camille.delete(path).status == 204
    assert camille.dashboard()["consumption_alerts"] is None
    assert (camille.delete(path).status, camille.delete(path).json()["code"]) == (404, "no_threshold")


@pytest.mark.parametrize(
    "body",
    [{}, {"daily_litres": 0}, {"monthly_m3": -1}, {"daily_litres": 10**9}, {"daily_litres": "beaucoup"},
     {"daily_litres": None, "monthly_m3": None}],
)  # fmt: skip
def test_a_threshold_must_be_a_positive_number(camille: Subscriber, body: dict[str, Any]) -> None:
    response = camille.put(f"/contracts/{TELERELEVE}/consumption-alerts", body)

    assert (response.status, response.json()["code"]) == (422, "validation_error")
    assert response.json()["errors"][0]["field"] in ("daily_litres", "monthly_m3")
    assert camille.dashboard()["consumption_alerts"] is None


def with_days(litres_by_day: dict[str, int]) -> list[dict[str, Any]]:
    """The demo export with more days of the first contract's daily index."""
    records = copy.deepcopy(demo_records())
    contract = contract_of(records, TELERELEVE)
    index = contract["daily_index"][-1]["index_l"]
    for day, litres in litres_by_day.items():
        index += litres
        contract["daily_index"].append({"date": day, "index_l": index})
    contract["data_as_of"] = max(litres_by_day)
    return records


def threshold_emails(mailbox: Mailbox, email: str) -> list[str]:
    return sorted(e.subject for e in mailbox.to(email) if e.subject.startswith("Seuil de consommation"))


def test_each_day_and_month_over_a_threshold_is_emailed_once(
    api: Api, mailbox: Mailbox, camille: Subscriber, clock: FrozenClock
) -> None:
    now = clock.current
    clock.current = now - 6 * DAY  # set on 12 November
    camille.put(f"/contracts/{TELERELEVE}/consumption-alerts", {"daily_litres": 600, "monthly_m3": 5})
    clock.current = now
    import_records(api, with_days({"2026-11-15": 250, "2026-11-16": 700, "2026-11-17": 900}), "days")

    api.run_schedule("ConsumptionAlertsFunction")
    api.run_schedule("ConsumptionAlertsFunction")  # the next morning's run, or a retry: nothing new

    assert threshold_emails(mailbox, camille.email) == [
        "Seuil de consommation dépassé le 16 novembre 2026",
        "Seuil de consommation dépassé le 17 novembre 2026",
        "Seuil de consommation mensuel dépassé en novembre 2026",
    ]
    [day] = [e for e in mailbox.to(camille.email) if e.subject.endswith("17 novembre 2026")]
    assert "900\u00a0litres" in day.text
    assert "600\u00a0litres" in day.text


def test_a_new_threshold_does_not_email_about_last_week(
    api: Api, mailbox: Mailbox, camille: Subscriber, clock: FrozenClock
) -> None:
    import_records(api, with_days({"2026-11-15": 900, "2026-11-16": 900, "2026-11-17": 900}), "days")
    camille.put(f"/contracts/{TELERELEVE}/consumption-alerts", {"daily_litres": 600})  # on the 18th

    api.run_schedule("ConsumptionAlertsFunction")

    # The 17th reached the portal last night: it counts; the days before do not.
    assert threshold_emails(mailbox, camille.email) == ["Seuil de consommation dépassé le 17 novembre 2026"]


def test_a_threshold_ends_with_its_link(api: Api, mailbox: Mailbox, camille: Subscriber) -> None:
    spouse = Subscriber(api, mailbox, "dominique@example.fr", (TELERELEVE, "7Q4M-2KX9"))
    spouse.put(f"/contracts/{TELERELEVE}/consumption-alerts", {"daily_litres": 100})
    camille.put(f"/contracts/{TELERELEVE}/consumption-alerts", {"daily_litres": 100})
    assert spouse.delete(f"/me/contracts/{TELERELEVE}").status == 204

    # A new occupant: the import ends Camille's link; the morning's watch forgets her threshold.
    records = with_days({"2026-11-17": 900})
    contract_of(records, TELERELEVE)["payer_id"] = "R-999999"
    records.insert(1, {"type": "payer", "payer_id": "R-999999", "name": "Nouvel occupant"})
    import_records(api, records, "new-payer")
    report = api.run_schedule("ConsumptionAlertsFunction")

    assert report == {"thresholds": 1, "emails": 0, "removed": 1}
    assert threshold_emails(mailbox, camille.email) == threshold_emails(mailbox, spouse.email) == []


# -- autorelève -------------------------------------------------------------------------------------
@pytest.fixture
def agent_read(api: Api, mailbox: Mailbox, demo_billing: None) -> Subscriber:
    return Subscriber(api, mailbox, "camille@example.fr", (AGENT, "P8W3-6ZTR"))


def send_index(person: Subscriber, date: str, index_m3: int, **extra: Any) -> ApiResponse:
    return person.post(f"/contracts/{AGENT}/meter-readings", {"date": date, "index_m3": index_m3, **extra})


def test_a_subscriber_sends_the_index_of_an_agent_read_meter(agent_read: Subscriber, clock: FrozenClock) -> None:
    last = last_index_m3(AGENT)  # read by the agent on 15 October 2026

    response = send_index(agent_read, "2026-11-17", last + 15)

    assert response.status == 201
    assert response.json()["status"] == "transmis, en attente de validation"
    assert agent_read.dashboard(AGENT)["meter_readings_sent"] == [
        {"date": "2026-11-17", "index_m3": last + 15, "status": "transmis, en attente de validation"}
    ]
    [record] = feed_today(clock, "meter_reading")
    assert record | {"contract_number": AGENT, "date": "2026-11-17", "index_m3": last + 15,
                     "confirmed_after_warning": False} == record  # fmt: skip
    again = send_index(agent_read, "2026-11-17", last + 16)  # that day is known now
    assert (again.status, again.json()["errors"][0]["code"]) == (422, "not_after_last_reading")


def test_two_indexes_sent_at_once_for_one_day_make_one(
    agent_read: Subscriber, atomic_moto: None, clock: FrozenClock
) -> None:
    answers: list[tuple[int, str | None]] = []
    start = threading.Barrier(3)

    def send(index: int) -> None:
        start.wait()
        response = send_index(agent_read, "2026-11-17", index)
        answers.append((response.status, response.json().get("code")))

    threads = [threading.Thread(target=send, args=(last_index_m3(AGENT) + n,)) for n in (14, 15, 16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # One is kept; the others lost the race (409) or came after it and met the day it sent (422).
    assert sorted(status for status, _ in answers)[0] == 201
    assert {answer for answer in answers if answer[0] != 201} <= {
        (409, "reading_already_sent"),
        (422, "validation_error"),
    }
    assert [status for status, _ in answers].count(201) == 1
    assert len(feed_today(clock, "meter_reading")) == 1
    assert len(agent_read.dashboard(AGENT)["meter_readings_sent"]) == 1


@pytest.mark.parametrize(
    ("date", "offset", "field", "code"),
    [
        ("2026-11-19", 15, "date", "in_the_future"),  # tomorrow
        ("2026-10-15", 15, "date", "not_after_last_reading"),  # the agent's reading day
        ("2020-01-01", 15, "date", "before_contract"),
        ("2026-11-17", -1, "index_m3", "below_last_index"),
    ],
)
def test_an_index_is_checked_before_it_is_sent(
    agent_read: Subscriber, clock: FrozenClock, date: str, offset: int, field: str, code: str
) -> None:
    response = send_index(agent_read, date, last_index_m3(AGENT) + offset)

    assert response.status == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert feed_today(clock, "meter_reading") == []


def test_an_index_with_a_digit_too_many_asks_for_confirmation(agent_read: Subscriber, clock: FrozenClock) -> None:
    typo = int(f"{last_index_m3(AGENT) + 15}0")  # 20 520 instead of 2 052

    asked = send_index(agent_read, "2026-11-17", typo)
    assert (asked.status, asked.json()["code"]) == (409, "confirmation_required")
    assert "un chiffre en trop" in asked.json()["message"]
    assert agent_read.dashboard(AGENT)["meter_readings_sent"] == []

    confirmed = send_index(agent_read, "2026-11-17", typo, confirmed=True)
    assert confirmed.status == 201
    assert feed_today(clock, "meter_reading")[0]["confirmed_after_warning"] is True


def test_a_telereleve_meter_takes_no_index(camille: Subscriber) -> None:
    response = camille.post(f"/contracts/{TELERELEVE}/meter-readings", {"date": "2026-11-17", "index_m3": 1900})

    assert (response.status, response.json()["code"]) == (409, "remote_read_meter")


def test_a_sent_index_waits_until_the_export_brings_it(api: Api, agent_read: Subscriber) -> None:
    last = last_index_m3(AGENT)
    send_index(agent_read, "2026-11-17", last + 15)

    records = copy.deepcopy(demo_records())
    contract = contract_of(records, AGENT)
    contract["readings"].append({"date": "2026-11-17", "index_m3": last + 15, "source": "autorelève",
                                 "estimated": False})  # fmt: skip
    contract["data_as_of"] = "2026-11-17"
    import_records(api, records, "validated")

    board = agent_read.dashboard(AGENT)
    assert board["meter_readings_sent"] == []
    assert board["consumption"][-1] | {"date": "2026-11-17", "source": "autorelève"} == board["consumption"][-1]
    # The next index is checked against it.
    refused = send_index(agent_read, "2026-11-17", last + 20)
    assert refused.json()["errors"][0]["code"] == "not_after_last_reading"
