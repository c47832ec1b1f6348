"""`strict_json.loads` equals `json.loads` on accepted JSON and refuses the rest with a reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events_mock import strict_json
from events_mock.strict_json import MAX_DEPTH, MAX_INTEGER_DIGITS, NotAcceptedJSON


def nested(depth: int, inner: str = "1") -> str:
    """`depth` arrays and objects alternating around `inner`."""
    text = inner
    for level in range(depth):
        text = f"[{text}]" if level % 2 else f'{{"k":{text}}}'
    return text


REFUSED = {
    "NaN": ('{"rate": NaN}', "NaN is not JSON"),
    "Infinity": ("[Infinity]", "Infinity is not JSON"),
    "-Infinity": ("-Infinity", "-Infinity is not JSON"),
    "overflowing float": ("[1e400]", "not a finite number"),
    "overflowing negative float": ("-1" + "0" * 400 + ".5", "not a finite number"),
    "huge integer": ("1" * (MAX_INTEGER_DIGITS + 1), f"at most {MAX_INTEGER_DIGITS}"),
    "huge negative integer": ("-" + "9" * (MAX_INTEGER_DIGITS + 1), "too large"),
    "too deep": (nested(MAX_DEPTH + 1), f"more than {MAX_DEPTH} levels"),
    "stack deep": ("[" * 100_000 + "]" * 100_000, f"more than {MAX_DEPTH} levels"),
    "lone surrogate": (
        '{"context": ["a", "\\ud800"]}',
        "lone surrogate (such as \\ud800) is not one - 'context/1'",
    ),
    "lone low surrogate": ('["\\udfff"]', "- '0'"),
    "surrogate in a key": ('{"a": {"\\udc00x": 1}}', "lone surrogate"),
    "raw surrogate in text": ('["\ud800"]', "lone surrogate"),
    "repeated key": ('{"a": 1, "b": 2, "a": 3}', "the key 'a' appears twice"),
    "repeated key deep inside": ('[{"x": {"k": 1, "k": 1}}]', "the key 'k' appears twice"),
    "not JSON": ("{", "Expecting property name"),
    "not UTF-8": (b'["\xff"]', "not valid UTF-8"),
}


@pytest.mark.parametrize(("text", "reason"), REFUSED.values(), ids=REFUSED.keys())
def test_refused_with_the_reason(text: str | bytes, reason: str) -> None:
    with pytest.raises(NotAcceptedJSON) as refused:
        strict_json.loads(text)
    assert reason in str(refused.value)
    assert isinstance(refused.value, ValueError)  # callers catching ValueError still do


ACCEPTED = {
    "as deep as allowed": nested(MAX_DEPTH),
    "brackets in strings": json.dumps([["[[[" * 200, "]]]", "{{", '\\"[']]),
    "escaped quotes and backslashes": json.dumps([["a\\", '"', "\\\\"], {"k\\": ['\\"[[']}]),
    "a surrogate pair": '["\\ud83d\\ude00"]',
    "escaped backslash before ud800": '["\\\\ud800"]',
    "largest integer": "9" * MAX_INTEGER_DIGITS,
    "largest float": "1.7976931348623157e308",
    "tiny float": "1e-400",
    "equal keys in different objects": '[{"a": 1}, {"a": 2}, {"b": {"a": 3}}]',
    "empty containers": '{"a": [], "b": {}, "c": [[], {}]}',
}


@pytest.mark.parametrize("text", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted_as_json_loads_reads_it(text: str) -> None:
    assert strict_json.loads(text) == json.loads(text)
    assert strict_json.loads(text.encode()) == json.loads(text)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=40,
)


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_every_document_within_the_rules_reads_as_json_loads_reads_it(
    value: Any, ensure_ascii: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ensure_ascii)
    assert strict_json.loads(text) == json.loads(text)


@settings(max_examples=200, deadline=None)
@given(
    JSON_VALUES, st.integers(min_value=MAX_DEPTH - 3, max_value=MAX_DEPTH + 3), st.text(max_size=5)
)
def test_depth_is_counted_exactly(value: Any, levels: int, noise: str) -> None:
    """Brackets and quotes inside strings never confuse the depth scan."""
    document: Any = [value, noise + '["{\\', {"s": noise + "]]}}"}]
    while depth(document) < levels:
        document = [document, "[[" + noise] if depth(document) % 2 else {"k": document, "v": "}"}
    text = json.dumps(document)
    if depth(document) > MAX_DEPTH:
        with pytest.raises(NotAcceptedJSON, match="levels deep"):
            strict_json.loads(text)
    else:
        assert strict_json.loads(text) == document
