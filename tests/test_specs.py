"""Every spec is valid OpenAPI 3.0 and every example in it validates against its own schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_DIR = Path(__file__).resolve().parent.parent / "spec"
SPECS = sorted(SPEC_DIR.glob("*.yaml"))
BASE_URI = "urn:spec"


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def examples(node: object, pointer: str = "") -> Iterator[tuple[str, str, object]]:
    """(location, pointer to the schema, example) for every example next to a schema."""
    if isinstance(node, dict):
        if "schema" in node and isinstance(node["schema"], dict):
            if "example" in node:
                yield pointer, f"{pointer}/schema", node["example"]
            for name, example in (node.get("examples") or {}).items():
                if "value" in example:
                    yield f"{pointer}/examples/{name}", f"{pointer}/schema", example["value"]
        for key, value in node.items():
            yield from examples(value, f"{pointer}/{str(key).replace('/', '~1')}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from examples(value, f"{pointer}/{index}")


def test_there_are_specs() -> None:
    assert any(path.name == "barchart-events.yaml" for path in SPECS)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_spec_is_valid_openapi_3_0(path: Path) -> None:
    spec = load(path)
    assert spec["openapi"].startswith("3.0."), "Connexion 3 does not load OpenAPI 3.1"
    validate(spec)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_example_validates_against_its_schema(path: Path) -> None:
    spec = load(path)
    registry = Registry().with_resource(
        BASE_URI, Resource.from_contents(spec, default_specification=DRAFT4)
    )
    found = list(examples(spec))
    assert found, f"{path.name} has no examples"
    for location, schema_pointer, example in found:
        validator = OAS30Validator(
            {"$ref": f"{BASE_URI}#{schema_pointer}"},
            registry=registry,
            format_checker=OAS30Validator.FORMAT_CHECKER,
        )
        errors = [e.message for e in validator.iter_errors(example)]
        assert not errors, f"{path.name}{location}: {json.dumps(example)[:200]} -> {errors}"


def test_example_checker_catches_a_bad_example() -> None:
    spec = load(SPEC_DIR / "barchart-events.yaml")
    media = spec["paths"]["/events"]["post"]["requestBody"]["content"]["application/json"]
    media["example"]["events"][0]["type"] = "NOT-A-TYPE"
    registry = Registry().with_resource(
        BASE_URI, Resource.from_contents(spec, default_specification=DRAFT4)
    )
    (location, pointer, example) = next(
        e for e in examples(spec) if e[0].startswith("/paths/~1events/post/requestBody")
    )
    validator = OAS30Validator({"$ref": f"{BASE_URI}#{pointer}"}, registry=registry)
    assert list(validator.iter_errors(example))
