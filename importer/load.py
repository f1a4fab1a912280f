"""Validates every record of an export and writes each valid contract's partition, replacing it."""

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from espace_abonne.contracts.billing import ContractRecord, ExportRecord, PayerRecord, RegulationRecord
from espace_abonne.contracts.billing_store import (
    contract_items,
    contract_pk,
    payer_contract_item,
    payer_items,
    payer_pk,
)
from espace_abonne.contracts.keys import key_digest
from espace_abonne.contracts.linking import FormerPayerLinks
from espace_abonne.core import aws
from espace_abonne.core.dynamo import from_item, to_item

_RECORD = TypeAdapter(ExportRecord)
BATCH = 25


@dataclass(frozen=True)
class Refusal:
    """A record the import refused, and why (nothing of it was written)."""

    line: int
    contract: str | None
    problems: list[str]

    def __str__(self) -> str:
        label = f" (contract {self.contract})" if self.contract else ""
        return f"line {self.line}{label}: {'; '.join(self.problems)}"

    def as_json(self) -> dict[str, object]:
        return {"line": self.line, "contract": self.contract, "errors": self.problems}


@dataclass
class ImportReport:
    lines: int = 0
    regulations: int = 0
    payers: int = 0
    contracts: int = 0
    links_ended: int = 0  # links of contracts that changed payer
    refused: list["Refusal"] = field(default_factory=list)
    seconds: float = 0.0

    def refuse(self, line: int, problems: list[str], contract: str | None = None) -> None:
        self.refused.append(Refusal(line, contract, problems))

    @property
    def errors(self) -> list[str]:
        """One line of text per refused record."""
        return [str(refusal) for refusal in self.refused]

    @property
    def rate(self) -> float:
        return self.contracts / self.seconds if self.seconds else 0.0


def _describe(error: ValidationError) -> list[str]:
    parts = []
    for problem in error.errors():
        location = ".".join(str(p) for p in problem["loc"] if p not in ("regulation", "payer", "contract"))
        parts.append(f"{location or 'record'}: {problem['msg']}")
    return parts


class _Writer:
    """BatchWriteItem in groups of 25, retrying what DynamoDB leaves unprocessed."""

    def __init__(self, table: str) -> None:
        self._table = table

    def write(self, puts: list[dict[str, Any]], deletes: list[dict[str, Any]]) -> None:
        requests: list[Any] = [{"DeleteRequest": {"Key": key}} for key in deletes]
        requests += [{"PutRequest": {"Item": to_item(item)}} for item in puts]
        client = aws.dynamodb()
        for start in range(0, len(requests), BATCH):
            pending: dict[str, Any] = {self._table: requests[start : start + BATCH]}
            for attempt in range(8):
                unprocessed = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not unprocessed:
                    break
                pending = dict(unprocessed)
                time.sleep(min(0.05 * 2**attempt, 2))  # back off while DynamoDB is throttling us
            else:
                raise RuntimeError("DynamoDB kept items unprocessed; run the import again")

    def previous_import(self, number: str) -> tuple[list[str], str | None]:
        """The sort keys the last import of a contract wrote, and its payer then (one GetItem)."""
        response = aws.dynamodb().get_item(
            TableName=self._table,
            Key=to_item({"pk": contract_pk(number), "sk": "CONTRACT"}),
            ProjectionExpression="item_keys, payer_id",
            ConsistentRead=True,
        )
        previous = from_item(response.get("Item", {}))
        return list(previous.get("item_keys", [])), previous.get("payer_id")


def import_records(
    lines: Iterable[str],
    table: str,
    key_secret: str,
    former_payer_links: FormerPayerLinks,
    on_progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Imports an export. A bad record is reported with its line number and nothing of it is
    written; the others are imported. Importing the same export again changes nothing."""
    report = ImportReport()
    started = time.perf_counter()
    writer = _Writer(table)
    regulations: dict[str, RegulationRecord] = {}
    payers: dict[str, PayerRecord] = {}
    for number, line in enumerate(lines, start=1):
        report.lines = number
        if not line.strip():
            continue
        try:
            record = _RECORD.validate_python(json.loads(line))
        except json.JSONDecodeError as error:
            report.refuse(number, [f"not valid JSON ({error.msg})"])
            continue
        except ValidationError as error:
            report.refuse(number, _describe(error), _contract_number(line))
            continue
        if isinstance(record, RegulationRecord):
            regulations[record.version] = record
            report.regulations += 1
        elif isinstance(record, PayerRecord):
            payers[record.payer_id] = record
            writer.write(payer_items(record), [])
            report.payers += 1
        else:
            problem = _write_contract(writer, record, payers, regulations, key_secret, former_payer_links, report)
            if problem:
                report.refuse(number, [problem], record.number)
            else:
                report.contracts += 1
        if on_progress and number % 100 == 0:
            report.seconds = time.perf_counter() - started
            on_progress(report)
    report.seconds = time.perf_counter() - started
    return report


def _contract_number(line: str) -> str | None:
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return None
    if isinstance(value, dict) and isinstance(value.get("number"), str):
        return str(value["number"])[:40]
    return None


def _write_contract(
    writer: _Writer,
    record: ContractRecord,
    payers: dict[str, PayerRecord],
    regulations: dict[str, RegulationRecord],
    key_secret: str,
    former_payer_links: FormerPayerLinks,
    report: ImportReport,
) -> str | None:
    payer = payers.get(record.payer_id)
    if payer is None:
        return f"payer {record.payer_id} is not declared on an earlier line"
    regulation = regulations.get(record.regulation_version)
    if regulation is None:
        return f"regulation {record.regulation_version} is not declared on an earlier line"

    items = contract_items(record, payer, regulation, key_digest(key_secret, record.number, record.key))
    previous_keys, old_payer = writer.previous_import(record.number)
    pk = contract_pk(record.number)
    new_keys = {item["sk"] for item in items}
    stale = [to_item({"pk": pk, "sk": sk}) for sk in previous_keys if sk not in new_keys]
    if old_payer and old_payer != record.payer_id:  # the contract changed payer (a new occupant)
        stale.append(to_item({"pk": payer_pk(old_payer), "sk": f"CONTRACT#{record.number}"}))
        # Before the new payer's data is written: if this fails, the next import tries again.
        report.links_ended += former_payer_links.end(record.number, record.payer_id)
    # The details item goes last: a contract becomes linkable once everything else is there.
    writer.write(items[:-1], stale)
    writer.write([items[-1], payer_contract_item(record)], [])
    return None
