"""Every spec is valid OpenAPI 3.0 and every example in it validates against its own schema."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from tests.spec_examples import example_errors, examples

SPEC_DIR = Path(__file__).resolve().parent.parent / "spec"
SPECS = sorted(SPEC_DIR.glob("*.yaml"))


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_there_are_specs() -> None:
    assert {"barchart-events.yaml", "event-collector.yaml", "billing-care-events.yaml"} <= {
        path.name for path in SPECS
    }


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_spec_is_valid_openapi_3_0(path: Path) -> None:
    spec = load(path)
    assert spec["openapi"].startswith("3.0."), "Connexion 3 does not load OpenAPI 3.1"
    validate(spec, base_uri=path.as_uri())


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_example_validates_against_its_schema(path: Path) -> None:
    spec = load(path)
    assert len(list(examples(spec))) >= 5, f"{path.name} has hardly any examples"
    assert list(example_errors(spec, path.as_uri())) == []


def test_a_wrong_example_is_caught() -> None:
    spec = load(SPEC_DIR / "barchart-events.yaml")
    broken = copy.deepcopy(spec)
    media = broken["paths"]["/events"]["post"]["requestBody"]["content"]["application/json"]
    media["example"]["events"][0]["type"] = "NOT-A-TYPE"
    broken["components"]["schemas"]["Timestamp"]["example"] = -1
    assert [where for where, _ in example_errors(broken)] == [
        "/paths/~1events/post/requestBody/content/application~1json/example",
        "/components/schemas/Timestamp/example",
    ]
