"""Path patterns shared by fault rules and journal filters.

Client teams write the paths they see in the spec (`/reports/{source}/availability`), or glob
them (`/reports/*`, `/reports/**`), so both forms mean the same: `{name}` and `*` match one
segment, `**` any number of segments, and `*` inside a segment any characters of that segment.
Every string is a valid pattern, so a rule can never be refused for its path.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TEMPLATE = re.compile(r"\{[^{}/]*\}")


@lru_cache(maxsize=512)
def compile_path(pattern: str) -> re.Pattern[str]:
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
    return compile_path(pattern).match(path) is not None
