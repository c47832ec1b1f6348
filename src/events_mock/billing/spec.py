"""The Billing Care spec as data: the one source of truth for the record shape.

The data set loader validates records against the spec's `Event` schema rather than a copy of
it in Python, so a record the mock accepts is always a record the spec documents.
"""

from __future__ import annotations

import functools
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker

from events_mock.seam import load_spec as load_yaml_spec
from events_mock.seam import spec_path

SPEC_FILE = "billing-care-events.yaml"


def load_spec() -> dict[str, Any]:
    return load_yaml_spec(spec_path(SPEC_FILE))


@functools.cache
def schema_validator(component: str) -> OAS30Validator:
    """A validator for `#/components/schemas/<component>`, resolving refs within the spec."""
    schema = {
        "$ref": f"#/components/schemas/{component}",
        "components": load_spec()["components"],
    }
    return OAS30Validator(schema, format_checker=oas30_format_checker)
