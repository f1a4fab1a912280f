"""The return feed's file (PRODUCT.md §7, issue 15): every night ReturnFeedFunction writes the Paris
day that just ended as one JSON-lines file in the bucket the billing system reads — that day's
records and nothing else, under a name that is the day's, the same file however often it is written."""

import datetime as dt
import json
from typing import Any

import boto3
import pytest

from espace_abonne.core.clock import paris_epoch
from tests.accounts import activated_account, log_in, session_cookie_of
from tests.conftest import Api, FrozenClock, Mailbox

BUCKET = "returnfeedbucket"


def at_paris(clock: FrozenClock, day: str, time: str) -> None:
    clock.current = paris_epoch(dt.datetime.fromisoformat(f"{day}T{time}"))


def contact(api: Api, subject: str) -> str:
    response = api.post(
        "/contact-messages",
        {"name": "Léa", "email": "lea@example.fr", "subject": "autre", "message": subject},
        source_ip=f"198.51.100.{len(subject)}",
    )
    assert response.status == 202
    return str(response.json()["reference"])


def read_file(key: str) -> bytes:
    return bytes(boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())


def lines_of(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.decode("utf-8").splitlines()]


@pytest.mark.usefixtures("mailbox")
def test_a_days_file_holds_that_days_records_and_nothing_else(
    api: Api, clock: FrozenClock, demo_billing: None, mailbox: Mailbox
) -> None:
    at_paris(clock, "2026-11-28", "23:50")
    before = contact(api, "la veille")
    # Two records of 29 November (Paris): just after midnight, and at 23:59 — in UTC, 28 and 29 November.
    at_paris(clock, "2026-11-29", "00:05")
    first = contact(api, "juste après minuit")
    activated_account(api, mailbox, "camille@example.fr")
    cookie = {"Cookie": session_cookie_of(log_in(api, "camille@example.fr", remember_me=True))}
    api.post("/contracts/links", {"contract_number": "11301.11377.01", "key": "7Q4M-2KX9"}, headers=cookie)
    at_paris(clock, "2026-11-29", "23:59")
    api.put("/contracts/11301.11377.01/paperless-billing", {"enabled": True}, headers=cookie)
    at_paris(clock, "2026-11-30", "00:01")
    after = contact(api, "le lendemain")

    at_paris(clock, "2026-11-30", "02:15")  # the nightly schedule
    written = api.run_schedule("ReturnFeedFunction")

    assert written == {"day": "2026-11-29", "key": "2026/11/espace-abonne-2026-11-29.jsonl", "records": 2}
    lines = lines_of(read_file(written["key"]))
    assert [(line["type"], line["at"]) for line in lines] == [
        ("contact_message", "2026-11-28T23:05:00+00:00"),
        ("paperless_billing", "2026-11-29T22:59:00+00:00"),
    ]
    assert lines[0]["reference"] == lines[0]["id"] == first
    assert lines[1] == {
        "type": "paperless_billing",
        "id": lines[1]["id"],
        "at": "2026-11-29T22:59:00+00:00",
        "contract_number": "11301.11377.01",
        "paperless_billing": True,
        "payer_id": "R-113010",
        "requested_by": "camille@example.fr",
    }
    content = read_file(written["key"]).decode()
    assert before not in content
    assert after not in content


@pytest.mark.usefixtures("mailbox")
def test_writing_a_day_again_gives_the_same_file(api: Api, clock: FrozenClock) -> None:
    at_paris(clock, "2026-11-29", "10:00")
    for subject in ("compteur", "facture", "abonnement"):
        contact(api, subject)
        clock.advance(1)
    at_paris(clock, "2026-12-03", "09:00")

    first = api.call("ReturnFeedFunction", {"day": "2026-11-29"})
    content = read_file(first["key"])
    second = api.call("ReturnFeedFunction", {"day": "2026-11-29"})

    assert first == second
    assert read_file(second["key"]) == content
    assert [line["message"] for line in lines_of(content)] == ["compteur", "facture", "abonnement"]
    versions = boto3.client("s3").list_object_versions(Bucket=BUCKET, Prefix=first["key"])["Versions"]
    assert len(versions) == 2  # the bucket is versioned: a rewrite keeps the file the billing system read


@pytest.mark.usefixtures("aws")
def test_a_day_without_records_gets_an_empty_file(api: Api, clock: FrozenClock) -> None:
    at_paris(clock, "2026-12-25", "02:15")

    written = api.run_schedule("ReturnFeedFunction")

    assert written == {"day": "2026-12-24", "key": "2026/12/espace-abonne-2026-12-24.jsonl", "records": 0}
    assert read_file(written["key"]) == b""  # written all the same: the billing system knows the day is done


@pytest.mark.parametrize("day", ["2026-13-01", "20261129", "2026-11-29/../x", "", 20261129])
@pytest.mark.usefixtures("aws")
def test_an_operator_run_names_a_real_day(api: Api, day: Any) -> None:
    with pytest.raises(ValueError, match="day must be YYYY-MM-DD"):
        api.call("ReturnFeedFunction", {"day": day})


@pytest.mark.parametrize("day", ["2026-11-30", "2026-11-29"], ids=["not begun", "today"])
@pytest.mark.usefixtures("aws")
def test_a_day_that_is_not_over_is_not_written(api: Api, clock: FrozenClock, day: str) -> None:
    """Today's file written now would lack the rest of the day, then be replaced by the nightly run's
    under the same name: the billing system could read two different files for one day."""
    at_paris(clock, "2026-11-29", "23:59")

    with pytest.raises(ValueError, match=rf"{day} is not over yet \(Paris time\)"):
        api.call("ReturnFeedFunction", {"day": day})

    assert boto3.client("s3").list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


@pytest.mark.usefixtures("aws")
def test_a_day_can_be_written_by_hand_as_soon_as_it_is_over(api: Api, clock: FrozenClock) -> None:
    at_paris(clock, "2026-11-30", "00:00")  # midnight in Paris: 23:00 UTC on the 29th

    written = api.call("ReturnFeedFunction", {"day": "2026-11-29"})

    assert written["key"] == "2026/11/espace-abonne-2026-11-29.jsonl"
