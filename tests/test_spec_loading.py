"""The spec handed to Connexion (the served, bundled one) resolves exactly as Connexion resolves
the spec's file: same paths, same components, only the schemas copied in from other files
(named `<file stem>.<schema>`) added."""

from __future__ import annotations

from pathlib import Path

import pytest
from connexion.spec import Specification

from events_mock.bundle import bundle

SPECS = sorted((Path(__file__).resolve().parent.parent / "spec").glob("*.yaml"))
REFERS_OUT = {"control.yaml"}
"""The specs that refer into other files: others must come out of the bundling unchanged."""


def same(a: object, b: object, seen: set | None = None) -> bool:
    """Structural equality that also holds for the cycles Connexion makes of recursive $refs."""
    seen = set() if seen is None else seen
    if isinstance(a, dict) and isinstance(b, dict):
        if (id(a), id(b)) in seen:
            return True
        seen.add((id(a), id(b)))
        return a.keys() == b.keys() and all(same(a[k], b[k], seen) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, seen) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def without_imported(spec: dict, from_files: set[str]) -> dict:
    """`spec` without the schemas `bundle` copied in from the other spec files."""
    schemas = spec.get("components", {}).get("schemas", {})
    own = {k: v for k, v in schemas.items() if k.split(".", 1)[0] not in from_files}
    return {**spec, "components": {**spec["components"], "schemas": own}}


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_same_resolved_spec_as_from_the_file(path: Path) -> None:
    handed = bundle(path)
    assert isinstance(handed, dict), "parsed once, not by Connexion again"
    stems = {p.stem for p in SPECS if p != path}
    resolved = Specification.load(handed).spec
    imported = set(resolved["components"].get("schemas", {})) - set(
        without_imported(resolved, stems)["components"].get("schemas", {})
    )
    assert bool(imported) == (path.name in REFERS_OUT)
    assert same(without_imported(resolved, stems), Specification.load(path).spec)
