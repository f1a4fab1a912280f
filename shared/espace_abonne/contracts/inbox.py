"""The billing inbox: the S3 bucket the billing system drops its files into (PRODUCT.md §7).

    invoices/<invoice number>.pdf               the invoices' PDFs, dropped first
    exports/<name>.jsonl                        the export: its arrival starts the import (S3 event)
    exports/<name>.jsonl.report.json            the import's report, written beside it
    exports/<name>.jsonl.pass-<n>.resume.json   where a run that ran out of time stopped (S3 event:
                                                the next run carries on from there)

The report says what was imported, the refused records with their errors, the links ended, the new
invoices and the PDFs that were missing; the operators are alerted (SNS) when records were refused
or PDFs were missing.
"""

import json
from collections.abc import Callable, Iterator
from typing import Any

from espace_abonne.contracts.importing import BillingImport, ImportReport
from espace_abonne.core import aws
from espace_abonne.core.alerts import OperatorAlerts
from espace_abonne.core.clock import Clock, iso_time

EXPORTS = "exports/"
EXPORT_SUFFIX = ".jsonl"
REPORT_SUFFIX = ".report.json"
RESUME_SUFFIX = ".resume.json"
LINE_BUFFER = 1 << 20  # read the export a megabyte at a time
ALERTED_REFUSALS = 20  # the alert quotes the first ones; the report has them all


def report_key(export_key: str) -> str:
    return export_key + REPORT_SUFFIX


def is_export(key: str) -> bool:
    return key.startswith(EXPORTS) and key.endswith(EXPORT_SUFFIX)


def is_resume(key: str) -> bool:
    return key.startswith(EXPORTS) and key.endswith(RESUME_SUFFIX)


class BillingInbox:
    def __init__(self, bucket: str, importer: BillingImport, alerts: OperatorAlerts, clock: Clock) -> None:
        self._bucket = bucket
        self._importer = importer
        self._alerts = alerts
        self._clock = clock

    @property
    def bucket(self) -> str:
        return self._bucket

    def receive(self, key: str, version_id: str | None, out_of_time: Callable[[], bool]) -> dict[str, Any] | None:
        """An object created in the inbox: an export starts an import, a resume marker carries one
        on. Returns the report written (None for any other object). The inbox is versioned: both
        are read at the version S3's event names (the export's stays in the markers), never a
        later drop under the same name."""
        if is_resume(key):
            state = json.loads(self._read(key, version_id))
            export, version = str(state["export"]), state.get("version_id")
            passes, resume_from = int(state["pass"]), int(state["resume_from_line"])
            earlier: ImportReport | None = ImportReport.from_json(state["report"])
        elif is_export(key):
            export, version, passes, resume_from, earlier = key, version_id, 1, 0, None
        else:
            return None
        report = self._importer.run(
            self._lines(export, version), out_of_time=out_of_time, resume_from_line=resume_from, report=earlier
        )
        complete = report.resume_from_line is None
        written = {
            "export": export,
            "version_id": version,
            "complete": complete,
            "passes": passes,
            "finished_at": iso_time(self._clock.now()) if complete else None,
            **report.as_json(),
        }
        self._put(report_key(export), written)
        if not complete:
            self._put(
                f"{export}.pass-{passes + 1}{RESUME_SUFFIX}",
                {
                    "export": export,
                    "version_id": version,
                    "pass": passes + 1,
                    "resume_from_line": report.resume_from_line,
                    "report": report.as_json(),
                },
            )
        elif report.refused or report.missing_pdfs:
            self._alert(export, report)
        return written

    def _lines(self, key: str, version_id: str | None) -> Iterator[bytes]:
        extra = {"VersionId": version_id} if version_id else {}
        body = aws.s3().get_object(Bucket=self._bucket, Key=key, **extra)["Body"]  # type: ignore[arg-type]
        yield from body.iter_lines(chunk_size=LINE_BUFFER)

    def _read(self, key: str, version_id: str | None) -> bytes:
        extra = {"VersionId": version_id} if version_id else {}
        return aws.s3().get_object(Bucket=self._bucket, Key=key, **extra)["Body"].read()  # type: ignore[arg-type]

    def _put(self, key: str, value: dict[str, Any]) -> None:
        aws.s3().put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8"),
            ContentType="application/json; charset=utf-8",
        )

    def _alert(self, export: str, report: ImportReport) -> None:
        refused, missing = len(report.refused), len(report.missing_pdfs)
        parts = [f"{refused} record{'s' * (refused != 1)} refused"] if refused else []
        parts += [f"{missing} PDF{'s' * (missing != 1)} missing"] if missing else []
        lines = [
            f"The billing import of s3://{self._bucket}/{export} finished with problems: {', '.join(parts)}.",
            f"{report.contracts} contracts imported ({report.written} written, {report.unchanged} unchanged), "
            f"{report.new_invoices} new invoices announced.",
            "",
            *report.errors[:ALERTED_REFUSALS],
        ]
        if refused > ALERTED_REFUSALS:
            lines.append(f"… and {refused - ALERTED_REFUSALS} more.")
        lines += [f"PDF {m.reason}: invoice {m.invoice} of contract {m.contract}" for m in report.missing_pdfs[:20]]
        lines += ["", f"Full report: s3://{self._bucket}/{report_key(export)}"]
        self._alerts.send(f"Billing import: {', '.join(parts)}", "\n".join(lines))
