"""Hypothesis data for contract tests: base64 text that decodes to JSON; bodies whose
mutation the generator cannot draw, declined.

The spec types the base64 fields as `format: byte`, which says "base64" but not "of a JSON
document", so Schemathesis would generate arbitrary base64 and count the collector's 400 as a
rejected valid request. Registering this strategy for `byte` makes generated requests carry
what real clients send. (Schemathesis depends on Hypothesis, so this adds no dependency.)
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st
from schemathesis.core.errors import InvalidSchema

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


UNDRAWABLE_ARRAY = "Cannot generate an array with"
"""How Schemathesis (4.32) says it met an array whose demanded element no value satisfies."""


def declining_undrawable(context: Any, strategy: st.SearchStrategy) -> st.SearchStrategy:
    """A `before_generate_body` hook: a body that cannot be drawn is declined, not an error.

    Schemathesis' negative generation negates one part of a schema. Negating an object that
    holds arrays (`State.apis`: `not` of its closed properties) asks each array for an element
    outside its `items` and inside them at once; the engine sees that nothing meets it only
    after building, inside a `$ref` target, and raises `InvalidSchema` instead of declining
    that mutation as it does ones it cannot model. The spec is satisfiable (the fuzzed
    `PUT /state` and `POST /sandboxes` bodies are drawn from every other mutation), so only
    this one draw is rejected and Hypothesis draws another; any other `InvalidSchema` is the
    spec's and is raised.
    """

    @st.composite
    def declined(draw: st.DrawFn) -> Any:
        try:
            return draw(strategy)
        except InvalidSchema as error:
            if UNDRAWABLE_ARRAY not in str(error):
                raise
            reject()

    return declined()
