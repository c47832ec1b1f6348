"""One self-contained document from a spec that refers into other spec files.

spec/control.yaml reuses the mocked APIs' schemas with references such as
`barchart-events.yaml#/components/schemas/EventFull`. A reader of the served JSON (the Swagger
UI, Schemathesis pointed at the mock's URL) would resolve those against the URL and find
nothing, so the mock serves the spec with every such schema copied into its own
`components/schemas`, named `<file stem>.<schema>`, and the references pointed there.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from events_mock.seam import load_spec

__all__ = ["SCHEMAS", "bundle", "bundled"]

SCHEMAS = "#/components/schemas/"


def bundle(spec_file: Path) -> dict[str, Any]:
    """The spec of `spec_file` with no reference leaving the document; a new copy on every
    call (the rewrite rebuilds every object and list), which its caller may change.

    The mock hands this to Connexion too, so Connexion validates against the very document it
    serves: a reference resolves the same way for the mock as for a reader of the served spec.
    `tests/test_spec_loading.py` checks Connexion resolves it as it resolves the spec's file.
    """
    imported: dict[str, Any] = {}
    spec = _rewrite(load_spec(spec_file), spec_file, None, imported)
    if imported:
        spec.setdefault("components", {}).setdefault("schemas", {}).update(imported)
    return spec


@cache
def bundled(spec_file: Path) -> dict[str, Any]:
    """`bundle(spec_file)`, made once: the served spec (not to be changed)."""
    return bundle(spec_file)


def _rewrite(node: Any, here: Path, prefix: str | None, imported: dict[str, Any]) -> Any:
    """`node` with its references local; `prefix` names the file `node` was copied from."""
    if isinstance(node, list):
        return [_rewrite(item, here, prefix, imported) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        return {**node, "$ref": _local(ref, here, prefix, imported)}
    return {key: _rewrite(value, here, prefix, imported) for key, value in node.items()}


def _local(ref: str, here: Path, prefix: str | None, imported: dict[str, Any]) -> str:
    file, _, pointer = ref.partition("#")
    if not file and prefix is None:
        return ref  # the root document's own reference
    source = here.parent / file if file else here
    if not pointer.startswith("/components/schemas/"):
        raise ValueError(f"{here.name}: cannot bundle {ref}: only schemas can be shared")
    name = pointer.removeprefix("/components/schemas/")
    local = f"{source.stem}.{name}"
    if local not in imported:
        imported[local] = {}  # claimed first: a schema may refer to itself
        schema = load_spec(source)["components"]["schemas"][name]
        imported[local] = _rewrite(schema, source, source.stem, imported)
    return SCHEMAS + local
