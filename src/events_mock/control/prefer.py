"""`Prefer: code=409` (and `example=NAME`): answer any documented response, as Prism does.

Client teams want to see how their code handles each response the spec documents without
arranging the state that causes it. The answer is the spec's own example for that status, so
what a client sees is exactly what the contract promises; nothing here repeats the spec.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PARAMETER = re.compile(r"\{[^{}/]+\}")


@dataclass(frozen=True)
class Preference:
    code: int | None = None
    example: str | None = None


def parse_prefer(header: str | None) -> Preference | None:
    """`code=404, example=missing` (RFC 7240 preferences, `;` also accepted) -> a Preference."""
    if not header:
        return None
    values: dict[str, str] = {}
    for item in re.split(r"[,;]", header):
        name, _, value = item.partition("=")
        values[name.strip().lower()] = value.strip().strip('"')
    code = values.get("code")
    example = values.get("example") or None
    if code is not None and not (code.isdigit() and 100 <= int(code) <= 599):
        raise PreferenceRefused(f"Prefer: code={code} is not an HTTP status")
    if code is None and example is None:
        return None
    return Preference(int(code) if code else None, example)


class PreferenceRefused(ValueError):
    """The preference names no documented response; the message says why."""


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str | None
    body: bytes
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    responses: Mapping[str, Any]
    """Status (or "default") -> the response object, references resolved."""

    def answer(self, preference: Preference) -> Answer:
        code = preference.code
        if code is None:
            code = self._code_with_example(preference.example) or self._lowest_success()
        response = self.responses.get(str(code)) or self.responses.get("default")
        if response is None:
            documented = ", ".join(sorted(self.responses))
            raise PreferenceRefused(
                f"Prefer: code={code}: {self.method} {self.template} documents no such "
                f"response (documented: {documented})"
            )
        content_type, media = _pick_media(response.get("content") or {})
        headers = {
            name: str(header["example"])
            for name, header in (response.get("headers") or {}).items()
            if isinstance(header, Mapping) and "example" in header
        }
        if content_type is None:
            return Answer(code, None, b"", headers)
        example = _example(media, preference.example)
        if example is _MISSING:
            raise PreferenceRefused(
                f"{self.method} {self.template} documents no example"
                + (f" named {preference.example!r}" if preference.example else "")
                + f" for {code}"
            )
        if isinstance(example, str) and "json" not in content_type:
            body = example.encode()
        else:
            body = json.dumps(example).encode()
        return Answer(code, content_type, body, headers)

    def _code_with_example(self, name: str | None) -> int | None:
        if name is None:
            return None
        for status in sorted(code for code in self.responses if code.isdigit()):
            _, media = _pick_media(self.responses[status].get("content") or {})
            if name in media.get("examples", {}):
                return int(status)
        return None

    def _lowest_success(self) -> int:
        codes = sorted(int(code) for code in self.responses if code.isdigit())
        return next((code for code in codes if code < 300), codes[0] if codes else 200)


_MISSING = object()


class DocumentedResponses:
    """Every operation of one spec, found by request method and path."""

    def __init__(self, spec: Path) -> None:
        document = yaml.safe_load(spec.read_text())
        servers = document.get("servers") or [{"url": ""}]
        base = urlparse(servers[0].get("url", "")).path.rstrip("/")
        self._operations: list[tuple[re.Pattern[str], Operation]] = []
        for template, item in (document.get("paths") or {}).items():
            full = template if template.startswith(base + "/") else base + template
            pattern = re.compile(
                "".join(
                    "[^/]+" if _PARAMETER.fullmatch(part) else re.escape(part)
                    for part in re.split(r"(\{[^{}/]+\})", full)
                )
                + r"\Z"
            )
            for method in METHODS:
                if method in item:
                    responses = _resolve(item[method].get("responses") or {}, document)
                    operation = Operation(method.upper(), template, responses)
                    self._operations.append((pattern, operation))
        # Literal paths win over templated ones (`/reports/x` before `/reports/{source}`).
        self._operations.sort(key=lambda pair: pair[0].pattern.count("[^/]+"))

    def methods(self, path: str) -> list[str]:
        """The methods documented for a path (with HEAD wherever GET is, as the server does)."""
        found = {op.method for pattern, op in self._operations if pattern.match(path)}
        if "GET" in found:
            found.add("HEAD")
        return sorted(found)

    def find(self, method: str, path: str) -> Operation | None:
        for pattern, operation in self._operations:
            if operation.method == method.upper() and pattern.match(path):
                return operation
        return None


@cache
def documented_responses(spec: Path) -> DocumentedResponses:
    return DocumentedResponses(spec)


def _pick_media(content: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]]:
    """(content type, media object): JSON's where documented; (None, {}) for no content."""
    if not content:
        return None, {}
    for content_type, media in content.items():
        if "json" in content_type:
            return content_type, media or {}
    content_type = next(iter(content))
    return content_type, content[content_type] or {}


def _example(media: Mapping[str, Any], name: str | None) -> Any:
    examples = media.get("examples") or {}
    if name is not None:
        chosen = examples.get(name)
        return chosen.get("value", _MISSING) if isinstance(chosen, Mapping) else _MISSING
    if "example" in media:
        return media["example"]
    for chosen in examples.values():
        if isinstance(chosen, Mapping) and "value" in chosen:
            return chosen["value"]
    schema = media.get("schema") or {}
    return schema.get("example", _MISSING)


def _resolve(node: Any, document: Mapping[str, Any], depth: int = 0) -> Any:
    """Local `$ref`s resolved, a few levels deep: enough for responses, examples and headers."""
    if depth > 8:
        return node
    if isinstance(node, Mapping):
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            target: Any = document
            for part in node["$ref"][2:].split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
            return _resolve(target, document, depth + 1)
        return {key: _resolve(value, document, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item, document, depth + 1) for item in node]
    return node
