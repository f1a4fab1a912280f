"""The shape of shared/espace_abonne (STYLE.md §1): one package per domain over a small core,
imports pointing one way, no import cycle — `TYPE_CHECKING` imports included."""

import ast
from collections import defaultdict
from pathlib import Path

from local_mode.template import ROOT

PACKAGE = ROOT / "shared" / "espace_abonne"
# Each domain may import the core, itself and the domains before it; never one after it.
LAYERS = ["core", "accounts", "sessions", "contracts", "requests", "payments", "invoices", "consumption", "my_account"]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every espace_abonne module this file imports, at any depth of the file (lazy ones too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("espace_abonne"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py").exists()
                          else node.module)  # fmt: skip
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("espace_abonne")}
    return found


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        edges[module_name(path)] |= imports_of(path) - {module_name(path)}
    return edges


def domain_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "core"


def test_the_package_is_organised_by_domain() -> None:
    top = {p.name for p in PACKAGE.iterdir() if p.suffix == ".py"}
    assert top == {"__init__.py"}, "modules belong in a domain package or in core/"
    for package in (p for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"):
        assert package.name in LAYERS, f"{package.name}: a new domain needs its place in LAYERS"


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for module, targets in graph().items():
        source = domain_of(module)
        for target in targets:
            other = domain_of(target)
            if other == source:
                continue
            if LAYERS.index(other) > LAYERS.index(source):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = "visiting"
        for target in sorted(edges.get(module, ())):
            if state.get(target) == "visiting":
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    return cycles


def test_there_is_no_import_cycle() -> None:
    assert find_cycles(graph()) == []


def test_a_cycle_through_a_type_checking_import_is_found(tmp_path: Path) -> None:
    """The detector itself, on the shape issue 13 removed (email_messages <-> requests_service)."""
    emails = tmp_path / "emails.py"
    emails.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from espace_abonne.requests import service\n",
        encoding="utf-8",
    )
    edges = {
        "espace_abonne.requests.emails": imports_of(emails),
        "espace_abonne.requests.service": {"espace_abonne.requests.emails"},
    }
    assert edges["espace_abonne.requests.emails"] == {"espace_abonne.requests.service"}
    assert find_cycles(edges) == [
        ["espace_abonne.requests.emails", "espace_abonne.requests.service", "espace_abonne.requests.emails"]
    ]
