"""Specs handed to Connexion as parsed dicts resolve exactly as Connexion resolves their files."""

from __future__ import annotations

from pathlib import Path

import pytest
from connexion.spec import Specification

from events_mock.app import connexion_spec

SPECS = sorted((Path(__file__).resolve().parent.parent / "spec").glob("*.yaml"))


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


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_same_resolved_spec_as_from_the_file(path: Path) -> None:
    handed = connexion_spec(path)
    assert isinstance(handed, dict), "parsed once, not by Connexion again"
    assert same(Specification.load(handed).spec, Specification.load(path).spec)
