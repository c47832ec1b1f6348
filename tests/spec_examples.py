"""Find every example in a spec and check it against the schema it illustrates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

BASE_URI = "urn:spec"
SCHEMA_KEYS = {"type", "allOf", "anyOf", "oneOf", "$ref", "enum", "properties", "items"}


def examples(node: Any, pointer: str = "") -> Iterator[tuple[str, str, Any]]:
    """(where the example is, pointer to its schema, example) for every example in the spec:
    next to a schema (media types, parameters) or inside one."""
    if isinstance(node, dict):
        if isinstance(node.get("schema"), dict):
            if "example" in node:
                yield f"{pointer}/example", f"{pointer}/schema", node["example"]
            for name, example in (node.get("examples") or {}).items():
                if "value" in example:
                    yield f"{pointer}/examples/{name}", f"{pointer}/schema", example["value"]
        elif "example" in node and SCHEMA_KEYS & node.keys():
            yield f"{pointer}/example", pointer, node["example"]
        for key, value in node.items():
            if key not in ("example", "examples"):
                yield from examples(value, f"{pointer}/{escape(key)}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from examples(value, f"{pointer}/{index}")


def _retrieve_file(uri: str) -> Resource:
    path = Path(urlparse(uri).path)
    return Resource.from_contents(yaml.safe_load(path.read_text()), default_specification=DRAFT4)


def escape(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def example_errors(spec: dict[str, Any], uri: str = BASE_URI) -> Iterator[tuple[str, str]]:
    """(where, message) for every example that does not validate against its schema.

    `uri` is where the spec lives: a `file:` URI lets `$ref`s to sibling spec files resolve.
    """
    registry = Registry(retrieve=_retrieve_file).with_resource(
        uri, Resource.from_contents(spec, default_specification=DRAFT4)
    )
    for where, schema_pointer, example in examples(spec):
        validator = OAS30Validator(
            {"$ref": f"{uri}#{schema_pointer}"},
            registry=registry,
            format_checker=OAS30Validator.FORMAT_CHECKER,
        )
        for error in validator.iter_errors(example):
            yield where, error.message
