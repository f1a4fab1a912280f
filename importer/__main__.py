"""python -m importer EXPORT.jsonl [--table NAME]

Reads BILLING_TABLE, LINKS_TABLE, OUTBOX_QUEUE_URL and CONTRACT_KEY_SECRET from the environment
(the stack's outputs, and the same secret as the deployed ContractsFunction), and AWS credentials
as boto3 does. Links of contracts that changed payer end, and their accounts are told (through
the outbox queue).
"""

import argparse
import os
import sys
from pathlib import Path

from espace_abonne.contracts.linking import FormerPayerLinks
from espace_abonne.contracts.links_store import LinkStore
from espace_abonne.core.outbox import Outbox
from importer.load import ImportReport, import_records


def _progress(total: int) -> "callable":  # type: ignore[valid-type]
    def show(report: ImportReport) -> None:
        percent = 100 * report.lines / total if total else 100
        sys.stderr.write(
            f"\r{report.lines}/{total} lines ({percent:5.1f} %) · {report.contracts} contracts · "
            f"{report.rate:.0f} contracts/s · {len(report.errors)} errors"
        )
        sys.stderr.flush()

    return show


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m importer", description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path, help="the billing export, one JSON object per line")
    parser.add_argument("--table", default=os.environ.get("BILLING_TABLE"), help="default: $BILLING_TABLE")
    args = parser.parse_args(argv)
    secret = os.environ.get("CONTRACT_KEY_SECRET", "")
    links_table, queue_url = os.environ.get("LINKS_TABLE"), os.environ.get("OUTBOX_QUEUE_URL")
    if not args.table or len(secret) < 32 or not links_table or not queue_url:
        parser.error(
            "set BILLING_TABLE (or --table), LINKS_TABLE, OUTBOX_QUEUE_URL "
            "and CONTRACT_KEY_SECRET (32 characters or more)"
        )
    former_payer_links = FormerPayerLinks(LinkStore(links_table), Outbox(queue_url))

    with args.export.open(encoding="utf-8") as lines:
        total = sum(1 for _ in lines)
    with args.export.open(encoding="utf-8") as lines:
        report = import_records(lines, args.table, secret, former_payer_links, on_progress=_progress(total))
    _progress(total)(report)
    sys.stderr.write("\n")
    for error in report.errors:
        print(error, file=sys.stderr)
    print(
        f"{report.contracts} contracts, {report.payers} payers, {report.regulations} regulations imported "
        f"from {report.lines} lines in {report.seconds:.1f} s ({report.rate:.0f} contracts/s); "
        f"{report.links_ended} links ended by a change of payer; {len(report.errors)} records refused."
    )
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
