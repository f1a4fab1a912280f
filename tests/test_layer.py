"""The layer's build (shared/Makefile) drops files of installed packages: the portal must never need them."""

import os
import re
import subprocess
import sys

from local_mode.backend import AWS_ENVIRONMENT
from local_mode.template import ROOT, Template

# Not in the layer: dnspython (email-validator's deliverability check), cffi's compiler and
# pycparser (argon2's bindings are compiled), Swagger UI's assets (Powertools' enable_swagger).
DROPPED_MODULES = ("dns", "cffi", "pycparser")
_EVERY_PATH = """
import importlib, sys
for module in sys.argv[1:]:
    importlib.import_module(module)
from espace_abonne.accounts.passwords import hash_password, verify_password
from espace_abonne.core.email_addresses import email_errors
assert verify_password(hash_password("Ecluse9!Torse"), "Ecluse9!Torse")
assert email_errors("abonne@eauxdupaysdaix.fr") == [] and email_errors("abonne@@x") != []
print(" ".join(sorted({name.partition(".")[0] for name in sys.modules})))
"""


def _sources() -> list[str]:
    files = [*(ROOT / "functions").rglob("*.py"), *(ROOT / "shared" / "espace_abonne").rglob("*.py")]
    return [path.read_text(encoding="utf-8") for path in files]


def test_no_function_serves_swagger_ui_whose_assets_the_layer_drops() -> None:
    assert not any("enable_swagger" in source for source in _sources())


def test_email_addresses_are_checked_without_dns_which_the_layer_drops() -> None:
    calls = [call for source in _sources() for call in re.findall(r"validate_email\([^)]*\)", source)]
    assert calls
    assert all("check_deliverability=False" in call for call in calls)


def test_handlers_hashing_and_email_checks_load_no_module_the_layer_drops(template: Template) -> None:
    modules = [function.handler.rpartition(".")[0] for function in template.functions().values()]
    env = {**os.environ, **AWS_ENVIRONMENT}
    for function in template.functions().values():
        env.update(function.environment)
    result = subprocess.run(
        [sys.executable, "-B", "-c", _EVERY_PATH, *modules],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(result.stdout.split())
    assert {"argon2", "email_validator", "_cffi_backend"} <= loaded
    assert loaded.isdisjoint(DROPPED_MODULES)
