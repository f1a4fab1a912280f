"""The operators' import command: `python -m importer EXPORT.jsonl` (`make import FILE=…`).

The import itself lives in the layer (espace_abonne/contracts/importing.py), where
BillingImportFunction runs it when the billing system drops an export in the billing inbox; this
command runs the same code from an operator's machine. Never packaged into a function.
"""
