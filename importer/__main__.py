"""python -m importer EXPORT.jsonl [--table NAME] [--concurrency N]

Runs the billing import (the code BillingImportFunction runs) on a local export file. Reads the
stack's outputs from the environment — BILLING_TABLE, LINKS_TABLE, OUTBOX_QUEUE_URL,
BILLING_INBOX_BUCKET (the invoices' PDFs), DOCUMENTS_BUCKET — and CONTRACT_KEY_SECRET_ID, the
name of the clé secret, read from Secrets Manager: the secret itself is never in the environment.
AWS credentials as boto3 finds them. Links of contracts that changed payer end, and new invoices
are announced, through the outbox queue.

The usual way needs no command: drop the export into the billing inbox (docs/operations.md).
"""

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from espace_abonne.contracts.importing import ImportReport
from espace_abonne.contracts.wiring import billing_import_from
from espace_abonne.core import aws

SETTINGS = ("LINKS_TABLE", "OUTBOX_QUEUE_URL", "BILLING_INBOX_BUCKET", "DOCUMENTS_BUCKET", "CONTRACT_KEY_SECRET_ID")


def _progress(total: int) -> Callable[[ImportReport], None]:
    def show(report: ImportReport) -> None:
        percent = 100 * report.lines / total if total else 100
        sys.stderr.write(
            f"\r{report.lines}/{total} lines ({percent:5.1f} %) · {report.contracts} contracts · "
            f"{report.rate:.0f} contracts/s · {len(report.refused)} errors"
        )
        sys.stderr.flush()

    return show


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m importer", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("export", type=Path, help="the billing export, one JSON object per line")
    parser.add_argument("--table", default=os.environ.get("BILLING_TABLE"), help="default: $BILLING_TABLE")
    parser.add_argument("--concurrency", type=int, default=8, help="contracts written at once (default 8)")
    args = parser.parse_args(argv)
    missing = [name for name in SETTINGS if not os.environ.get(name)]
    if not args.table or missing:
        parser.error(f"set BILLING_TABLE (or --table) and {', '.join(SETTINGS)} (missing: {', '.join(missing)})")
    importer = billing_import_from(
        {**os.environ, "BILLING_TABLE": args.table},
        aws.secret_value(os.environ["CONTRACT_KEY_SECRET_ID"]),
        concurrency=max(1, args.concurrency),
    )

    with args.export.open(encoding="utf-8") as lines:
        total = sum(1 for _ in lines)
    with args.export.open(encoding="utf-8") as lines:
        report = importer.run(lines, on_progress=_progress(total))
    _progress(total)(report)
    sys.stderr.write("\n")
    for error in report.errors:
        print(error, file=sys.stderr)
    for missing_pdf in report.missing_pdfs:
        print(
            f"PDF {missing_pdf.reason}: invoice {missing_pdf.invoice} of contract {missing_pdf.contract}",
            file=sys.stderr,
        )
    summary = [
        f"{report.contracts} contracts ({report.written} written, {report.unchanged} unchanged)",
        f"{report.payers} payers, {report.regulations} regulations imported from {report.lines} lines",
        f"in {report.seconds:.1f} s ({report.rate:.0f} contracts/s); {report.links_ended} links ended",
        f"by a change of payer; {report.new_invoices} new invoices announced; {report.pdfs_copied} PDFs copied;",
        f"{len(report.refused)} records refused.",
    ]
    print(" ".join(summary))
    return 1 if report.refused else 0


if __name__ == "__main__":
    sys.exit(main())
