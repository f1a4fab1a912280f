"""Import rate: a generated export of N contracts (default 10,000) through the real importer
into moto's DynamoDB. `python -m bench.import_rate [N]`."""

import io
import json
import os
import sys
import time

from scripts.demo_export import CONTRACTS, DATA_AS_OF, PAYERS, REGULATION, _billing, _readings


def generated_export(contracts: int) -> str:
    """Copies of the demo contracts under new numbers and payers: realistic sizes, figures that add up."""
    lines = [json.dumps(REGULATION, ensure_ascii=False)]
    for n in range(contracts):
        template = CONTRACTS[n % len(CONTRACTS)]
        number = f"{20000 + n // 100:05d}.{n % 100:05d}.01"
        payer_id = f"R-{n:06d}"
        lines.append(json.dumps({**PAYERS[0], "payer_id": payer_id}, ensure_ascii=False))
        _, _, key, address, holder, meter, remote, monthly, start, factor = template
        readings = _readings(remote, factor)
        invoices, payments = _billing(number, readings, monthly)
        record = {
            "type": "contract", "number": number, "payer_id": payer_id, "key": key, "status": "actif",
            "start_date": start, "service_address": address, "holder": holder,
            "meter": {"number": meter, "remote_reading": remote}, "monthly_payment": monthly,
            "regulation_version": REGULATION["version"], "data_as_of": DATA_AS_OF.isoformat(),
            "readings": readings, "invoices": invoices, "payments": payments,
        }  # fmt: skip
        lines.append(json.dumps(record, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def main() -> int:
    from moto import mock_aws

    from local_mode.backend import AWS_ENVIRONMENT, create_resources, import_export
    from local_mode.template import load_template

    contracts = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    os.environ.update(AWS_ENVIRONMENT)
    export = generated_export(contracts)
    with mock_aws():
        from espace_abonne.core import aws

        aws.reset_clients()
        template = load_template({"FrontendUrl": "https://x.fr"})
        create_resources(template)
        started = time.perf_counter()
        report = import_export(template, io.StringIO(export))
        seconds = time.perf_counter() - started
    items = sum(1 + len(json.loads(line).get("readings", [])) for line in export.splitlines() if '"contract"' in line)
    print(
        f"{report.contracts} contracts ({len(export) / 2**20:.1f} MiB, ≥{items} items) imported in {seconds:.1f} s: "
        f"{report.contracts / seconds:.0f} contracts/s into moto; {len(report.errors)} refused"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
