"""The documented responses of one API, read from its spec: what coverage is counted against.

A client team asks which of the API's answers its code was never tested against; a contract
tester asks which of them the suite saw. Both questions need the same list, and the spec is the
only place it may come from (nothing here names a status or a code):

- every operation x every status its `responses` document (not `default`);
- for a response whose examples are the error array (`[{"value": {"code": ...}}]`), one entry
  per error code its examples name, since "409" alone hides which of two failures was seen;
- for a response property marked `x-coverage-values: NAME` (Barchart's job `status`), one
  entry per value of its enum, named "NAME VALUE", whichever operation answered it;
- for an operation with `x-link-download` (its answer is a link to a file outside the API),
  one entry per response its `responses` list for following the link.

`ApiModel.find` maps a request (method, path) to its operation; it is what the mock's recorder
calls per request, so the literal paths are a dict lookup and only templated ones a regex.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from events_mock.seam import base_path, load_spec

__all__ = [
    "CODE",
    "DOWNLOAD",
    "RESPONSE",
    "VALUE",
    "ApiModel",
    "Documented",
    "Needle",
    "OperationModel",
    "api_model",
]

RESPONSE = "response"
VALUE = "value"
DOWNLOAD = "download"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PARAMETER = re.compile(r"\{[^{}/]+\}")
FOUND_CACHE = 4096
"""Templated request paths whose operation `ApiModel.find` keeps at most."""


@dataclass(frozen=True)
class Documented:
    """One documented answer: a status (and error code) of an operation, a value, a download."""

    id: str
    """Stable across runs and sides: what two coverage documents are merged and compared by."""
    kind: str
    operation: str | None
    """The operationId; None for a value, which any operation's answer may carry."""
    method: str | None
    path: str | None
    status: int | None
    code: str | None = None
    value: str | None = None
    label: str = ""
    """How a person reads it: `409 EVENT_JOB_GET_FAILED_RUNNING`, `job TIMEOUT`."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "code": self.code,
            "value": self.value,
            "label": self.label,
        }


@dataclass(frozen=True)
class Needle:
    """How to find a property's string value in an answer's bytes without parsing them: a
    plain `find` of `"name":"` (the mock's own JSON is compact), else the pattern."""

    name: str
    """What the value is counted as (`x-coverage-values`: "job")."""
    plain: bytes
    pattern: re.Pattern[bytes]

    @classmethod
    def of(cls, prop: str, name: str) -> Needle:
        quoted = json.dumps(prop).encode()
        return cls(name, quoted + b':"', re.compile(re.escape(quoted) + rb'\s*:\s*"([^"\\]*)"'))

    def search(self, text: bytes) -> str | None:
        start = text.find(self.plain)
        if start >= 0:
            start += len(self.plain)
            end = text.find(b'"', start)
            if end >= 0:  # (an escaped quote would cut it short: no documented value)
                return text[start:end].decode("utf-8", "replace")
        found = self.pattern.search(text)
        return found[1].decode("utf-8", "replace") if found else None


CODE = Needle.of("code", "code")
"""The first error's code in an error array (`value.code` comes before `children`)."""


@dataclass(frozen=True)
class OperationModel:
    operation_id: str
    method: str
    path: str
    statuses: frozenset[int]
    codes: Mapping[int, frozenset[str]]
    """Statuses whose examples are the error array -> the codes they document."""
    values: Mapping[int, tuple[tuple[str, str, frozenset[str]], ...]]
    """Status -> (property, name, its enum) of each `x-coverage-values` property answered."""
    downloads: frozenset[int] = frozenset()
    """Statuses documented for following the link this operation answers (`x-link-download`)."""


@dataclass
class ApiModel:
    """Every documented answer of one API, and the lookup from a request to its operation."""

    name: str
    operations: dict[str, OperationModel]
    documented: tuple[Documented, ...]
    _literal: dict[tuple[str, str], tuple[str | None, str]] = field(
        default_factory=dict, repr=False
    )
    _templated: list[tuple[re.Pattern[str], str, str]] = field(default_factory=list, repr=False)
    _downloads: list[tuple[re.Pattern[str], str]] = field(default_factory=list, repr=False)
    _by_id: dict[str, Documented] = field(default_factory=dict, repr=False)
    download_operation: str | None = None
    """The operation whose answer is a link to follow (`x-link-download`), if any."""

    def __post_init__(self) -> None:
        self._by_id = {item.id: item for item in self.documented}
        self._found: dict[tuple[str, str], tuple[str | None, str]] = dict(self._literal)
        self.reads: dict[tuple[str | None, int], tuple[Needle, ...] | None] = {}
        """(operation, status) -> what its answer's body is read for: None for the error
        code, else a `Needle` per `x-coverage-values` property. Absent: the body is not
        read (the recorder's hot path asks this one dict)."""
        for operation in self.operations.values():
            for status in operation.codes:
                self.reads[(operation.operation_id, status)] = None
            for status, fields in operation.values.items():
                needles = tuple(Needle.of(prop, name) for prop, name, _ in fields)
                self.reads[(operation.operation_id, status)] = needles

    def item(self, item_id: str) -> Documented | None:
        return self._by_id.get(item_id)

    def find(self, method: str, path: str) -> tuple[str | None, str]:
        """(operationId, kind) of a request: RESPONSE for an operation of the spec, DOWNLOAD
        for a link route the API serves outside it; (None, RESPONSE) for neither.

        One dict lookup for a literal path, or a templated one seen lately (a client polls
        one job's path over and over); the templates are matched for the others, and what
        they give is kept, up to `FOUND_CACHE` paths (then forgotten all at once)."""
        found = self._found.get((method, path))
        if found is not None:
            return found
        found = self._match(method, path)
        if len(self._found) - len(self._literal) >= FOUND_CACHE:
            self._found = dict(self._literal)
        self._found[(method, path)] = found
        return found

    def _match(self, method: str, path: str) -> tuple[str | None, str]:
        literal = self._literal.get((method, path))
        if literal is not None:
            return literal
        if method == "HEAD":
            literal = self._literal.get(("GET", path))
            if literal is not None:
                return literal
        for pattern, wanted, operation_id in self._templated:
            if (wanted == method or (method == "HEAD" and wanted == "GET")) and pattern.match(path):
                return operation_id, RESPONSE
        if method in ("GET", "HEAD"):
            for pattern, operation_id in self._downloads:
                if pattern.match(path):
                    return operation_id, DOWNLOAD
        return None, RESPONSE

    def classify(
        self, operation_id: str | None, kind: str, status: int | None, code: str | None
    ) -> str | None:
        """The id of the documented answer a response of `operation_id` with `status` (and
        error `code`) is, or None if the spec documents no such answer."""
        operation = self.operations.get(operation_id) if operation_id else None
        if operation is None or status is None:
            return None
        if kind == DOWNLOAD:
            return (
                download_id(operation.operation_id, status)
                if status in operation.downloads
                else None
            )
        if status not in operation.statuses:
            return None
        codes = operation.codes.get(status)
        if codes:
            return response_id(operation.operation_id, status, code) if code in codes else None
        return response_id(operation.operation_id, status, None)


def response_id(operation_id: str, status: int, code: str | None) -> str:
    return f"{operation_id} {status}" + (f" {code}" if code else "")


def value_id(name: str, value: str) -> str:
    return f"{name}={value}"


def download_id(operation_id: str, status: int) -> str:
    return f"{operation_id} download {status}"


@cache
def api_model(name: str, spec: Path, extra_routes: tuple[str, ...] = ()) -> ApiModel:
    """The model of the API `name` served from `spec`; `extra_routes` are the path templates
    it serves outside the spec (`MockApi.extra_routes`): the link downloads. Made once."""
    return build_model(name, load_spec(spec), extra_routes)


def build_model(
    name: str, document: Mapping[str, Any], extra_routes: Sequence[str] = ()
) -> ApiModel:
    base = base_path(document)
    operations: dict[str, OperationModel] = {}
    documented: list[Documented] = []
    values: dict[str, Documented] = {}
    literal: dict[tuple[str, str], tuple[str | None, str]] = {}
    templated: list[tuple[re.Pattern[str], str, str]] = []
    download_operation: str | None = None
    for template, item in (document.get("paths") or {}).items():
        full = base + template
        for method in METHODS:
            raw = (item or {}).get(method)
            if not isinstance(raw, Mapping) or "operationId" not in raw:
                continue
            operation_id = str(raw["operationId"])
            verb = method.upper()
            model = _operation(document, operation_id, verb, template, raw)
            operations[operation_id] = model
            if _PARAMETER.search(full):
                templated.append((_template_regex(full), verb, operation_id))
            else:
                literal[(verb, full)] = (operation_id, RESPONSE)
            documented.extend(_documented(model, raw))
            for fields in model.values.values():
                for _, value_name, enum in fields:
                    for value in sorted(enum):
                        values.setdefault(
                            value_id(value_name, value),
                            Documented(
                                id=value_id(value_name, value),
                                kind=VALUE,
                                operation=None,
                                method=None,
                                path=None,
                                status=None,
                                value=value,
                                label=f"{value_name} {value}",
                            ),
                        )
            if model.downloads and download_operation is None:
                download_operation = operation_id
    # Literal paths win over templated ones (`/reports/x` before `/reports/{source}`).
    templated.sort(key=lambda entry: entry[0].pattern.count("[^/]+"))
    downloads = (
        [(_template_regex(base + route), download_operation) for route in extra_routes]
        if download_operation is not None
        else []
    )
    return ApiModel(
        name=name,
        operations=operations,
        documented=(*documented, *values.values()),
        _literal=literal,
        _templated=templated,
        _downloads=downloads,
        download_operation=download_operation,
    )


def _documented(model: OperationModel, raw: Mapping[str, Any]) -> Iterable[Documented]:
    for status in sorted(model.statuses):
        codes: list[str | None] = [*sorted(model.codes.get(status, ()))] or [None]
        for code in codes:
            yield Documented(
                id=response_id(model.operation_id, status, code),
                kind=RESPONSE,
                operation=model.operation_id,
                method=model.method,
                path=model.path,
                status=status,
                code=code,
                label=f"{status} {code}" if code else str(status),
            )
    download = raw.get("x-link-download") or {}
    for status in sorted(model.downloads):
        description = ((download.get("responses") or {}).get(str(status)) or {}).get(
            "description", "download"
        )
        yield Documented(
            id=download_id(model.operation_id, status),
            kind=DOWNLOAD,
            operation=model.operation_id,
            method=model.method,
            path=model.path,
            status=status,
            label=f"download {status} {' '.join(str(description).split())}",
        )


def _operation(
    document: Mapping[str, Any],
    operation_id: str,
    method: str,
    template: str,
    raw: Mapping[str, Any],
) -> OperationModel:
    statuses: set[int] = set()
    codes: dict[int, frozenset[str]] = {}
    values: dict[int, tuple[tuple[str, str, frozenset[str]], ...]] = {}
    for key, response in (raw.get("responses") or {}).items():
        if not str(key).isdigit():
            continue
        status = int(key)
        statuses.add(status)
        response = _resolve(response, document)
        found: set[str] = set()
        fields: list[tuple[str, str, frozenset[str]]] = []
        for media_type, media in (response.get("content") or {}).items():
            if "json" not in media_type or not isinstance(media, Mapping):
                continue
            for example in _examples(media):
                found.update(_error_codes(example))
            fields.extend(_value_fields(_resolve(media.get("schema") or {}, document), document))
        if found:
            codes[status] = frozenset(found)
        if fields:
            values[status] = tuple(fields)
    download = raw.get("x-link-download") or {}
    downloads = frozenset(
        int(key) for key in (download.get("responses") or {}) if str(key).isdigit()
    )
    return OperationModel(
        operation_id, method, template, frozenset(statuses), codes, values, downloads
    )


def _examples(media: Mapping[str, Any]) -> Iterable[Any]:
    if "example" in media:
        yield media["example"]
    for example in (media.get("examples") or {}).values():
        if isinstance(example, Mapping) and "value" in example:
            yield example["value"]


def _error_codes(example: Any) -> Iterable[str]:
    """The codes of an example in the error-array shape (`[{"value": {"code": ...}}]`)."""
    if not isinstance(example, list):
        return
    for entry in example:
        value = entry.get("value") if isinstance(entry, Mapping) else None
        if isinstance(value, Mapping) and isinstance(value.get("code"), str):
            yield value["code"]


def error_code(body: Any) -> str | None:
    """The first error's code of an answer in the error-array shape, else None."""
    codes = list(_error_codes(body))
    return codes[0] if codes else None


def _value_fields(
    schema: Mapping[str, Any], document: Mapping[str, Any]
) -> Iterable[tuple[str, str, frozenset[str]]]:
    for name, prop in (schema.get("properties") or {}).items():
        prop = _resolve(prop, document)
        label = prop.get("x-coverage-values") if isinstance(prop, Mapping) else None
        if isinstance(label, str) and isinstance(prop.get("enum"), list):
            yield name, label, frozenset(str(value) for value in prop["enum"])


def _resolve(node: Any, document: Mapping[str, Any]) -> Any:
    """A local `$ref` followed (a few times over): enough for responses and their schemas."""
    for _ in range(8):
        if not (isinstance(node, Mapping) and isinstance(node.get("$ref"), str)):
            return node
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
        node = target
    return node


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile(
        "".join(
            "[^/]+" if _PARAMETER.fullmatch(part) else re.escape(part)
            for part in re.split(r"(\{[^{}/]+\})", template)
        )
        + r"\Z"
    )
