"""Path patterns shared by fault rules and journal filters.

Client teams write the paths they see in the spec (`/reports/{source}/availability`), or glob
them (`/reports/*`, `/reports/**`), so both forms mean the same: `{name}` and `*` match one
segment, `**` any number of segments, and `*` inside a segment any characters of that segment.
Every string is a valid pattern, so a rule can never be refused for its path.

A `PathPattern` is compiled once, when it is made (a fault rule: when the rule is added), and
kept by its owner. Nothing relies on a cache (`re`'s own holds 512 patterns): with more rules
than a cache holds, every request would compile every rule again.
"""

from __future__ import annotations

import re

_TEMPLATE = re.compile(r"\{[^{}/]*\}")
_WILDCARD = re.compile(r"\*|\{[^{}/]*\}")


class PathPattern:
    """One pattern, compiled; a pattern without wildcards is compared as a plain string."""

    __slots__ = ("pattern", "_literal", "_regex")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._literal: str | None = None if _WILDCARD.search(pattern) else pattern
        self._regex = None if self._literal is not None else compile_path(pattern)

    def matches(self, path: str) -> bool:
        if self._regex is None:
            return path == self._literal
        return self._regex.match(path) is not None

    def __repr__(self) -> str:
        return f"PathPattern({self.pattern!r})"


def compile_path(pattern: str) -> re.Pattern[str]:
    """The pattern as a regex matching whole paths; compiles on every call (callers keep it)."""
    parts: list[str | None] = []  # None: a `**` segment
    for segment in pattern.split("/"):
        if segment == "**":
            parts.append(None)
        elif _TEMPLATE.fullmatch(segment):
            parts.append("[^/]+")
        else:
            parts.append(re.escape(segment).replace(r"\*", "[^/]*"))
    regex = ""
    for index, part in enumerate(parts):
        if part is None:
            # `/**` also matches nothing at all, so `/reports/**` matches `/reports`.
            regex += "(?:/.*)?" if index else ".*"
        else:
            regex += ("/" if index else "") + part
    return re.compile(regex + r"\Z", re.S)


def path_matches(pattern: str, path: str) -> bool:
    """One-off check; to match many paths, make a `PathPattern` once."""
    return PathPattern(pattern).matches(path)
