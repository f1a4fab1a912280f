"""The import bench (`python -m bench.import_rate`) measures an export the import accepts whole:
generated from the demo contracts, it must keep up with what the export's rules become."""

import pytest

from bench.import_rate import billing_day, generated_records, lines
from espace_abonne.contracts.wiring import billing_import_from
from local_mode.template import Template


@pytest.mark.usefixtures("aws")
def test_the_import_bench_s_export_and_its_billing_day_are_imported_without_a_refusal(template: Template) -> None:
    records = generated_records(4)
    environment = template.functions()["BillingImportFunction"].environment
    importer = billing_import_from(environment, template.secret(template.parameters["ContractKeySecretName"]))

    first = importer.run(lines(records))
    day, new_invoices = billing_day(records)
    second = importer.run(lines(day))

    assert (first.contracts, first.written, first.refused) == (4, 4, [])
    assert (second.written, second.refused, len(new_invoices)) == (1, [], 1)
