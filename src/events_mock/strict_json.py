"""The one JSON decoder for everything a client or a file hands the mock.

Python's `json.loads` accepts more than JSON (NaN, Infinity), builds what the rest of the
mock cannot carry (lone surrogates, which no UTF-8 encoder writes; integers past the
interpreter's digit limit; nesting deep enough to exhaust the stack in whatever walks the
document next) and silently keeps the last of two equal keys. Each of those once made the
mock answer 500 (or store what it could never export). So every request body, state file,
data file and embedded payload is decoded here, and anything outside these rules is refused
with `NotAcceptedJSON`, whose message says what and where:

- nesting: at most `MAX_DEPTH` arrays and objects inside one another;
- numbers: finite (no NaN, Infinity, -Infinity literals, no float literal that overflows to
  infinity); integers of at most `MAX_INTEGER_DIGITS` digits;
- strings and keys: Unicode scalar values only (no lone surrogate, escaped or raw);
- objects: every key once (RFC 8259 says names SHOULD be unique; a client that sends one twice
  has a bug the real services would hide by keeping one of them).

Decoding costs what `json.loads` costs plus one Python call per object and per number (about
5% of a 10-event `POST /events`); the depth and surrogate checks run only when a cheap scan
of the text says they could fail.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_INTEGER_DIGITS", "NotAcceptedJSON", "loads"]

MAX_DEPTH = 128
"""Arrays and objects inside one another, the outermost counted (serde_json's default limit)."""
MAX_INTEGER_DIGITS = 4300
"""Digits of an integer literal: CPython's default `int` conversion limit, fixed here so an
interpreter setting cannot change what the mock accepts."""


class NotAcceptedJSON(ValueError):
    """The text is not JSON, or is JSON outside the rules above; the message says which."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise NotAcceptedJSON(f"the key {_quoted(key)} appears twice in one object")
            seen.add(key)
    return document


def _integer(literal: str) -> int:
    digits = len(literal) - literal.startswith("-")
    if digits > MAX_INTEGER_DIGITS:
        raise NotAcceptedJSON(
            f"an integer of {digits} digits is too large: at most {MAX_INTEGER_DIGITS} are accepted"
        )
    return int(literal)


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise NotAcceptedJSON(f"the number {literal[:40]} is too large: it is not a finite number")
    return value


def _constant(name: str) -> Any:
    raise NotAcceptedJSON(f"{name} is not JSON: numbers must be finite")


_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique_keys,
    parse_int=_integer,
    parse_float=_float,
    parse_constant=_constant,
)
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_QUOTES_OR_BRACKETS = bytes(set(range(256)) - set(b'"[]{}'))
_SURROGATE = re.compile("[\ud800-\udfff]")


def loads(text: str | bytes) -> Any:
    """The document in `text` (bytes: UTF-8), or `NotAcceptedJSON` saying why not."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            raise NotAcceptedJSON(f"not valid UTF-8: {error.reason}") from None
    try:
        document = _DECODER.decode(text)
    except NotAcceptedJSON:
        raise
    except RecursionError:
        raise NotAcceptedJSON(_too_deep()) from None
    except ValueError as error:  # JSONDecodeError, or an int conversion limit set lower
        raise NotAcceptedJSON(str(error)) from None
    if text.count("[") + text.count("{") > MAX_DEPTH and _deeper_than(text, MAX_DEPTH):
        raise NotAcceptedJSON(_too_deep())
    if _may_hold_surrogates(text):
        where = _surrogate_path(document)
        if where is not None:
            place = f" - '{where}'" if where else ""
            raise NotAcceptedJSON(
                "text must be Unicode scalar values: a lone surrogate (such as \\ud800) is "
                f"not one{place}"
            )
    return document


def _too_deep() -> str:
    return f"arrays and objects are nested more than {MAX_DEPTH} levels deep"


def _deeper_than(text: str, limit: int) -> bool:
    """Whether valid JSON `text` nests more than `limit` levels, in a few C-speed passes."""
    data = text.encode("utf-8", "surrogatepass")
    # With escaped backslashes and quotes gone, every '"' opens or closes a string; keeping
    # only quotes and brackets, '""' (an empty string, or two strings with nothing between)
    # changes nothing outside strings, and what is left splits into outside, inside, outside.
    data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    data = data.translate(_BRACKETS, _NOT_QUOTES_OR_BRACKETS).replace(b'""', b"")
    brackets = b"".join(data.split(b'"')[::2])
    for _ in range(limit):  # each pass removes the innermost level everywhere
        if not brackets:
            return False
        brackets = brackets.replace(b"[]", b"")
    return bool(brackets)


def _may_hold_surrogates(text: str) -> bool:
    if text.isascii():  # then only an escape can make one
        return "\\ud" in text or "\\uD" in text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return "\\ud" in text or "\\uD" in text


def _surrogate_path(document: Any) -> str | None:
    """The slash-separated path of the first string or key holding a lone surrogate."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return "/".join(str(part) for part in path)
        elif isinstance(value, dict):
            for key in value:
                if _SURROGATE.search(key):
                    return "/".join(str(part) for part in (*path, _quoted(key)))
            stack.extend((value[key], (*path, key)) for key in reversed(value))
        elif isinstance(value, list):
            stack.extend((value[i], (*path, i)) for i in reversed(range(len(value))))
    return None


def _quoted(key: str) -> str:
    """A key for a message: short, and printable even if it holds a lone surrogate."""
    return repr(key if len(key) <= 60 else key[:60] + "…")  # repr escapes surrogates
