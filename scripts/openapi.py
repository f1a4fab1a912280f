"""Writes openapi.json from the functions' routes (`--check`: fail if the committed file differs)."""

import json
import os
import sys
from pathlib import Path
from typing import Any

from local_mode.server import load_handlers
from local_mode.template import ROOT, load_template

OUTPUT = ROOT / "openapi.json"


def build_document() -> dict[str, Any]:
    import importlib

    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    template = load_template({"FrontendUrl": "https://monespace.eauxdupaysdaix.fr"})
    load_handlers(template)
    document: dict[str, Any] = {}
    # Functions behind API Gateway; workers (queues, S3 events, schedules) have no route.
    api_functions = {route.function for route in template.routes()}
    for function in template.functions().values():
        if function.name not in api_functions:
            continue
        module = importlib.import_module(function.handler.rpartition(".")[0])
        schema = json.loads(
            module.app.get_openapi_json_schema(
                title="Espace abonné — API",
                version="1.0.0",
                description="API de l'espace abonné de la Régie des Eaux du Pays d'Aix.",
            )
        )
        if not document:
            document = {**schema, "paths": {}, "components": {"schemas": {}}}
        for path, operations in schema.get("paths", {}).items():  # one path may span functions (GET/DELETE /me)
            document["paths"].setdefault(path, {}).update(operations)
        document["components"]["schemas"].update(schema.get("components", {}).get("schemas", {}))
    document["paths"] = dict(sorted(document["paths"].items()))
    schemas = document["components"]["schemas"]
    document["components"]["schemas"] = {name: schemas[name] for name in sorted(_referenced(document, schemas))}
    return document


def _referenced(document: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    """Schemas reachable from the paths (drops Powertools' unused default error models)."""
    prefix = '"#/components/schemas/'
    found: set[str] = set()
    pending = [json.dumps(document["paths"])]
    while pending:
        text = pending.pop()
        for chunk in text.split(prefix)[1:]:
            name = chunk.split('"', 1)[0]
            if name not in found:
                found.add(name)
                pending.append(json.dumps(schemas[name]))
    return found


def main() -> int:
    text = json.dumps(build_document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if "--check" in sys.argv:
        if not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != text:
            print("openapi.json is out of date: run `make openapi` and commit it.", file=sys.stderr)
            return 1
        print("openapi.json is up to date.")
        return 0
    Path(OUTPUT).write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
