"""Hypothesis data for contract tests: base64 text that decodes to JSON.

The spec types the base64 fields as `format: byte`, which says "base64" but not "of a JSON
document", so Schemathesis would generate arbitrary base64 and count the collector's 400 as a
rejected valid request. Registering this strategy for `byte` makes generated requests carry
what real clients send. (Schemathesis depends on Hypothesis, so this adds no dependency.)
"""

from __future__ import annotations

import base64
import json

from hypothesis import strategies as st

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)


def base64_json() -> st.SearchStrategy[str]:
    """Standard base64 of a UTF-8 JSON document, formatting varied like real encoders'."""
    return st.builds(_encode, JSON_VALUES, st.sampled_from([None, 2]), st.booleans())


def _encode(value: object, indent: int | None, ensure_ascii: bool) -> str:
    text = json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def register_schemathesis_formats() -> None:
    """Global in Schemathesis: affects every spec's `format: byte` (only this API uses it)."""
    import schemathesis

    schemathesis.openapi.format("byte", base64_json())
