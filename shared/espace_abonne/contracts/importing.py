"""The billing import (PRODUCT.md §3, §7): the billing system's export (JSON lines) into BillingTable.

Every record is validated; a refused record is reported with its line number and nothing of it is
written; the others are imported. An imported contract replaces its previous copy: the contract
item remembers the keys its import wrote, so the next import deletes what the export no longer
has, and a change of payer ends the former payer's links (the outbox tells their accounts). For
each invoice that was not in the contract's previous copy, the import copies its PDF from the
inbox to the documents bucket and queues a « Nouvelle facture disponible » task; for each new
measured reading, it applies the loi Warsmann's test (contracts/warsmann.py) and records and
announces an abnormal increase; the details item is written last, so that a failure midway is
taken up again by the next run. Importing the same export again changes nothing and announces
nothing: a reading is tested once, when it first comes.

Run by BillingImportFunction when an export lands in the billing inbox (contracts/inbox.py), by
`python -m importer` for operators, and by local mode for the demo data.

Scale (docs/billing-export.md, "200,000 contracts"):
- a contract the export states exactly as the last import wrote it (same line, payer, règlement and
  clé secret: `source_digest`) is skipped after one read, without validation or write — the daily
  export of a whole base is mostly that;
- previous states are read a hundred contracts at a time (BatchGetItem), and `concurrency` threads
  write contracts while the next lines are parsed;
- `out_of_time` lets a run stop between two chunks; `resume_from_line` carries on from there.
"""

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from espace_abonne.contracts.billing import ContractRecord, ExportRecord, PayerRecord, RegulationRecord
from espace_abonne.contracts.billing_store import (
    BillingStore,
    LeakAlert,
    PreviousImport,
    contract_items,
    item_key,
    payer_contract_item,
    payer_contract_key,
    payer_items,
)
from espace_abonne.contracts.documents import Copy, InvoiceDocuments
from espace_abonne.contracts.keys import is_contract_number, key_digest
from espace_abonne.contracts.linking import FormerPayerLinks
from espace_abonne.contracts.warsmann import REPLY_WITHIN_DAYS, IndexReading, abnormal_increase, one_month_after
from espace_abonne.core.clock import Clock, current_clock, paris_datetime
from espace_abonne.core.money import format_cents
from espace_abonne.core.outbox import LEAK_ALERT, NEW_INVOICE, Outbox

_RECORD: TypeAdapter[RegulationRecord | PayerRecord | ContractRecord] = TypeAdapter(ExportRecord)
# Part of every source digest: a change of what the import writes or checks makes the next import
# rewrite (and re-check) all. "4": clés of 8 characters, which the guessing limits rely on.
IMPORT_FORMAT = "4"
CHUNK = 100  # contracts per BatchGetItem of their previous state (DynamoDB's limit)


@dataclass(frozen=True)
class Refusal:
    """A record the import refused, and why (nothing of it was written)."""

    line: int
    contract: str | None
    problems: list[str]

    def __str__(self) -> str:
        label = f" (contract {self.contract})" if self.contract else ""
        return f"line {self.line}{label}: {'; '.join(self.problems)}"

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "contract": self.contract, "errors": self.problems}


@dataclass(frozen=True)
class MissingPdf:
    """An invoice the export says has a PDF, which the inbox does not have (yet), or too large to serve.
    The invoice is imported without its PDF; the next import copies it once it is there."""

    contract: str
    invoice: str
    reason: str  # "missing" or "too_large"

    def as_json(self) -> dict[str, Any]:
        return {"contract": self.contract, "invoice": self.invoice, "reason": self.reason}


@dataclass
class ImportReport:
    lines: int = 0
    regulations: int = 0
    payers: int = 0
    contracts: int = 0  # accepted: written, or unchanged since the last import
    written: int = 0
    unchanged: int = 0
    links_ended: int = 0  # links of contracts that changed payer
    new_invoices: int = 0  # announced to the linked accounts
    leak_alerts: int = 0  # loi Warsmann: abnormal increases found in new readings
    pdfs_copied: int = 0
    missing_pdfs: list[MissingPdf] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    seconds: float = 0.0
    resume_from_line: int | None = None  # the run stopped for lack of time: carry on from this line

    def refuse(self, line: int, problems: list[str], contract: str | None = None) -> None:
        self.refused.append(Refusal(line, contract, problems))

    @property
    def errors(self) -> list[str]:
        """One line of text per refused record."""
        return [str(refusal) for refusal in sorted(self.refused, key=lambda r: r.line)]

    @property
    def rate(self) -> float:
        return self.contracts / self.seconds if self.seconds else 0.0

    def add(self, part: "ImportReport") -> None:
        """Counts a chunk's (or an earlier run's) results in."""
        for name in (
            "regulations", "payers", "contracts", "written", "unchanged", "links_ended", "new_invoices", "leak_alerts"
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(part, name))
        self.pdfs_copied += part.pdfs_copied
        self.missing_pdfs += part.missing_pdfs
        self.refused += part.refused

    def as_json(self) -> dict[str, Any]:
        return {
            "imported": self.contracts,
            "written": self.written,
            "unchanged": self.unchanged,
            "payers": self.payers,
            "regulations": self.regulations,
            "links_ended": self.links_ended,
            "new_invoices": self.new_invoices,
            "leak_alerts": self.leak_alerts,
            "pdfs_copied": self.pdfs_copied,
            "missing_pdfs": [m.as_json() for m in self.missing_pdfs],
            "refused": [r.as_json() for r in sorted(self.refused, key=lambda r: r.line)],
            "lines": self.lines,
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "ImportReport":
        return cls(
            lines=int(value["lines"]),
            regulations=int(value["regulations"]),
            payers=int(value["payers"]),
            contracts=int(value["imported"]),
            written=int(value["written"]),
            unchanged=int(value["unchanged"]),
            links_ended=int(value["links_ended"]),
            new_invoices=int(value["new_invoices"]),
            leak_alerts=int(value.get("leak_alerts", 0)),
            pdfs_copied=int(value["pdfs_copied"]),
            missing_pdfs=[MissingPdf(m["contract"], m["invoice"], m["reason"]) for m in value["missing_pdfs"]],
            refused=[Refusal(r["line"], r["contract"], list(r["errors"])) for r in value["refused"]],
            seconds=float(value["seconds"]),
        )


@dataclass(frozen=True)
class _ContractLine:
    """A contract line, parsed but not yet validated, with what the lines before it declared."""

    line: int
    value: dict[str, Any]
    contract: str | None
    payer: PayerRecord | None
    regulation: RegulationRecord | None
    digest: str | None  # None: cannot be compared with the last import (validation will say why)
    problem: str | None  # found across lines (a contract or an invoice number twice)


def _describe(error: ValidationError) -> list[str]:
    parts = []
    for problem in error.errors():
        location = ".".join(str(p) for p in problem["loc"] if p not in ("regulation", "payer", "contract"))
        parts.append(f"{location or 'record'}: {problem['msg']}")
    return parts


def _never() -> bool:
    return False


class BillingImport:
    def __init__(
        self,
        billing: BillingStore,
        key_secret: str,
        former_payer_links: FormerPayerLinks,
        outbox: Outbox,
        documents: InvoiceDocuments,
        concurrency: int = 1,
        chunk: int | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._billing = billing
        self._clock = clock or current_clock()
        self._key_secret = key_secret
        self._former_payer_links = former_payer_links
        self._outbox = outbox
        self._documents = documents
        self._concurrency = concurrency
        self._chunk = chunk or CHUNK
        self._payers_written: set[str] = set()
        self._lock = threading.Lock()

    # -- reading the export (one thread) --------------------------------------------------------
    def run(
        self,
        lines: Iterable[str | bytes],
        *,
        out_of_time: Callable[[], bool] = _never,
        resume_from_line: int = 0,
        report: ImportReport | None = None,
        on_progress: Callable[[ImportReport], None] | None = None,
    ) -> ImportReport:
        """Imports an export (from `resume_from_line` on, counting into `report` when it carries on
        an earlier run). Stops between two chunks once `out_of_time()` says so — after one chunk at
        least, so that every run moves on — and says where to carry on (`resume_from_line`)."""
        run = _Run(self, report or ImportReport(), on_progress)
        try:
            for number, raw in enumerate(lines, start=1):
                if not run.read(number, raw, counted=number >= resume_from_line, out_of_time=out_of_time):
                    break
            run.finish()
        finally:
            run.close()
        return run.report

    @property
    def concurrency(self) -> int:
        return self._concurrency

    @property
    def chunk(self) -> int:
        return self._chunk

    @staticmethod
    def parse(raw: str | bytes) -> dict[str, Any] | str | None:
        """The line's JSON object; a problem (str) when it is not one; None for a blank line."""
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                return "not UTF-8"
        text = raw.strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            return f"not valid JSON ({error.msg})"
        return value if isinstance(value, dict) else "record: not a JSON object"

    @staticmethod
    def declaration(
        number: int,
        value: dict[str, Any],
        counted: bool,
        payers: dict[str, tuple[PayerRecord, str]],
        regulations: dict[str, tuple[RegulationRecord, str]],
        report: ImportReport,
    ) -> None:
        """A règlement or a payer, which the contracts after it refer to."""
        try:
            record = _RECORD.validate_python(value)
        except ValidationError as error:
            if counted:
                report.refuse(number, _describe(error))
            return
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        if isinstance(record, RegulationRecord):
            regulations[record.version] = (record, text)
            report.regulations += counted
        elif isinstance(record, PayerRecord):
            payers[record.payer_id] = (record, text)
            report.payers += counted

    def contract_line(
        self,
        number: int,
        value: dict[str, Any],
        payers: dict[str, tuple[PayerRecord, str]],
        regulations: dict[str, tuple[RegulationRecord, str]],
        seen_contracts: dict[str, int],
        seen_invoices: dict[str, str],
    ) -> _ContractLine:
        contract = value.get("number") if isinstance(value.get("number"), str) else None
        payer = payers.get(str(value.get("payer_id")))
        regulation = regulations.get(str(value.get("regulation_version")))
        problem = None
        if contract is not None:
            if contract in seen_contracts:
                problem = f"contract {contract} is already on line {seen_contracts[contract]}"
            else:
                seen_contracts[contract] = number
            invoices = value.get("invoices")
            for invoice in invoices if isinstance(invoices, list) else []:
                invoice_number = invoice.get("number") if isinstance(invoice, dict) else None
                if not isinstance(invoice_number, str):
                    continue
                owner = seen_invoices.setdefault(invoice_number, contract)
                if owner != contract and problem is None:
                    problem = f"invoice {invoice_number} is already an invoice of contract {owner}"
        digest = None
        if contract is not None and payer is not None and regulation is not None:
            source = "\n".join(
                [IMPORT_FORMAT, regulation[1], payer[1], json.dumps(value, ensure_ascii=False, sort_keys=True)]
            )
            digest = hmac.new(self._key_secret.encode(), source.encode(), hashlib.sha256).hexdigest()
        return _ContractLine(
            line=number,
            value=value,
            contract=contract[:40] if contract else None,
            payer=payer[0] if payer else None,
            regulation=regulation[0] if regulation else None,
            digest=digest,
            problem=problem,
        )

    # -- writing contracts (threads) ------------------------------------------------------------
    def import_chunk(self, lines: list[_ContractLine]) -> ImportReport:
        part = ImportReport()
        numbers = sorted({line.contract for line in lines if line.contract and is_contract_number(line.contract)})
        previous = self._billing.previous_imports(numbers) if numbers else {}
        for line in lines:
            before = previous.get(line.contract or "", PreviousImport())
            if line.problem is None and line.digest is not None and self._unchanged(line, before):
                part.contracts += 1
                part.unchanged += 1
                continue
            try:
                record = ContractRecord.model_validate(line.value)
            except ValidationError as error:
                part.refuse(line.line, _describe(error), line.contract)
                continue
            problem = line.problem
            if line.payer is None:
                problem = f"payer {record.payer_id} is not declared on an earlier line"
            elif line.regulation is None:
                problem = f"regulation {record.regulation_version} is not declared on an earlier line"
            if problem is not None or line.payer is None or line.regulation is None:
                part.refuse(line.line, [problem or "incomplete"], record.number)
                continue
            self._write_contract(record, line.payer, line.regulation, line.digest, before, part)
            part.contracts += 1
            part.written += 1
        return part

    @staticmethod
    def _unchanged(line: _ContractLine, before: PreviousImport) -> bool:
        """The export says what the last import wrote, and every PDF it names is in the portal."""
        if before.source_digest != line.digest:
            return False
        invoices = line.value.get("invoices") or []
        return all(i.get("number") in before.pdf_keys for i in invoices if isinstance(i, dict) and i.get("pdf") is True)

    def _write_contract(
        self,
        record: ContractRecord,
        payer: PayerRecord,
        regulation: RegulationRecord,
        digest: str | None,
        before: PreviousImport,
        part: ImportReport,
    ) -> None:
        number = record.number
        with_pdf = {invoice.number for invoice in record.invoices if invoice.pdf}
        pdf_keys = set(before.pdf_keys & with_pdf)
        for invoice_number in sorted(with_pdf - pdf_keys):
            outcome = self._documents.copy_from_inbox(number, invoice_number)
            if outcome is Copy.COPIED:
                pdf_keys.add(invoice_number)
                part.pdfs_copied += 1
            else:
                part.missing_pdfs.append(MissingPdf(number, invoice_number, outcome.value))

        items = contract_items(
            record, payer, regulation, key_digest(self._key_secret, number, record.key), frozenset(pdf_keys), digest
        )
        new_keys = {item["sk"] for item in items}
        stale = [item_key(number, sk) for sk in before.item_keys if sk not in new_keys]
        if before.payer_id and before.payer_id != record.payer_id:  # the contract changed payer (a new occupant)
            stale.append(payer_contract_key(before.payer_id, number))
            # Before the new payer's data is written: if this fails, the next import tries again.
            part.links_ended += self._former_payer_links.end(number, record.payer_id)
        puts = items[:-1]
        with self._lock:
            if payer.payer_id not in self._payers_written:
                self._payers_written.add(payer.payer_id)
                puts = [*puts, *payer_items(payer)]
        self._billing.write(puts, stale)
        # Announced before the details item records them as known: a failure in between announces
        # them again at the next run, and the worker sends each email once (core/once.py).
        new = [invoice for invoice in record.invoices if invoice.number not in before.invoice_numbers]
        if before.exists and new:
            self._outbox.enqueue_all(
                NEW_INVOICE,
                [
                    {
                        "contract_number": number,
                        "payer_id": record.payer_id,
                        "service_address": record.service_address,
                        "invoice_number": invoice.number,
                        "issue_date": invoice.issue_date.isoformat(),
                        "due_date": invoice.due_date.isoformat(),
                        "amount": format_cents(invoice.amount_ttc),
                    }
                    for invoice in new
                ],
            )
            part.new_invoices += len(new)
        if before.exists:
            part.leak_alerts += self._detect_leaks(record, before)
        # The details item goes last: a contract becomes linkable once everything else is there.
        self._billing.write([items[-1], payer_contract_item(record)], [])

    def _detect_leaks(self, record: ContractRecord, before: PreviousImport) -> int:
        """The loi Warsmann's test on each measured reading this import brings (not on a contract's
        first import, nor on a reading older than the reply period: history is not news). Each alert
        is recorded once per reading and announced; the worker emails each account once."""
        history = [IndexReading(r.date, r.index_m3, r.estimated) for r in record.readings]
        recent = record.data_as_of - dt.timedelta(days=REPLY_WITHIN_DAYS)
        found = 0
        for reading in record.readings:
            if reading.estimated or reading.date < recent or f"READING#{reading.date}" in before.item_keys:
                continue
            increase = abnormal_increase(history, reading.date)
            if increase is None:
                continue
            now = self._clock.now()
            alert = LeakAlert(
                reading_date=increase.reading_date.isoformat(),
                since=increase.since.isoformat(),
                volume_m3=increase.volume_m3,
                average_l=round(increase.average_m3 * 1000),
                years=increase.years,
                detected_at=now,
                reply_by=one_month_after(paris_datetime(now).date()).isoformat(),
            )
            self._billing.record_leak_alert(record.number, alert)  # once: a retry keeps the first
            # Queued even when a retry finds it recorded: the worker emails each account once.
            self._outbox.enqueue_all(
                LEAK_ALERT,
                [
                    {
                        "contract_number": record.number,
                        "payer_id": record.payer_id,
                        "service_address": record.service_address,
                        "reading_date": alert.reading_date,
                    }
                ],
            )
            found += 1
        return found


class _Run:
    """One run over an export: what the lines so far declared, the chunk being filled, the chunks
    being written."""

    def __init__(
        self, importer: BillingImport, report: ImportReport, on_progress: Callable[[ImportReport], None] | None
    ) -> None:
        self.importer = importer
        self.report = report
        report.resume_from_line = None
        self._on_progress = on_progress
        self._started, self._earlier_seconds = time.perf_counter(), report.seconds
        self._regulations: dict[str, tuple[RegulationRecord, str]] = {}
        self._payers: dict[str, tuple[PayerRecord, str]] = {}
        self._seen_contracts: dict[str, int] = {}
        self._seen_invoices: dict[str, str] = {}
        self._chunk: list[_ContractLine] = []
        self._in_flight: deque[Future[ImportReport]] = deque()
        self._submitted = 0
        concurrency = importer.concurrency
        self._pool = ThreadPoolExecutor(max_workers=concurrency) if concurrency > 1 else None

    def read(self, number: int, raw: str | bytes, counted: bool, out_of_time: Callable[[], bool]) -> bool:
        """One line; False once the run must stop for lack of time. Lines before the resume line
        (`counted` False) only declare règlements and payers again: the earlier run reported them."""
        report = self.report
        report.lines = max(report.lines, number)
        parsed = self.importer.parse(raw)
        if isinstance(parsed, str):
            if counted:
                report.refuse(number, [parsed])
            return True
        if parsed is None:
            return True
        if parsed.get("type") != "contract":
            self.importer.declaration(number, parsed, counted, self._payers, self._regulations, report)
            return True
        line = self.importer.contract_line(
            number, parsed, self._payers, self._regulations, self._seen_contracts, self._seen_invoices
        )
        if counted:
            self._chunk.append(line)
        if len(self._chunk) < self.importer.chunk:
            return True
        if self._submitted and out_of_time():
            report.resume_from_line = self._chunk[0].line
            self._chunk = []
            return False
        self._submit()
        return True

    def finish(self) -> None:
        if self._chunk:
            self._submit()
        while self._in_flight:
            self._merge(self._in_flight.popleft().result())
        self.report.seconds = self._earlier_seconds + time.perf_counter() - self._started

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self) -> None:
        work, self._chunk = self._chunk, []
        self._submitted += 1
        if self._pool is None:
            self._merge(self.importer.import_chunk(work))
            return
        self._in_flight.append(self._pool.submit(self.importer.import_chunk, work))
        while len(self._in_flight) > 2 * self.importer.concurrency:  # read ahead, not the whole export
            self._merge(self._in_flight.popleft().result())

    def _merge(self, part: ImportReport) -> None:
        self.report.add(part)
        if self._on_progress:
            self.report.seconds = self._earlier_seconds + time.perf_counter() - self._started
            self._on_progress(self.report)
