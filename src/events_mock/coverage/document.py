"""The coverage document: one JSON format for both sides, merged, summarised, read back.

`GET /__mock/coverage` answers it for what clients drove on the mock (`"side": "mock"`);
`events-mock verify --coverage FILE` writes it for what the suite proved on a target
(`"side": "verify"`, each answer with the checks it passed and failed); the pytest plugin
merges the documents of every test's mock into one. Its schema is `Coverage` in
spec/control.yaml.

Every documented answer of an API is listed, seen or not (`count` 0), so a reader needs no spec
to see the gaps; answers the spec does not document are listed apart (`undocumented`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from events_mock.coverage.model import DOWNLOAD, ApiModel, value_id
from events_mock.coverage.recorder import API, FAULT, PREFER, Key, Recorder

__all__ = [
    "FORMAT",
    "VERSION",
    "CoverageError",
    "build_document",
    "empty_document",
    "exercised_ratio",
    "load_document",
    "merge_documents",
    "summary_lines",
]

FORMAT = "events-mock/coverage"
VERSION = 1
VIAS = (API, PREFER, FAULT)


class CoverageError(ValueError):
    """A file is not a coverage document this version reads."""


def empty_document(side: str) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "side": side, "apis": {}}


def build_document(recorder: Recorder, models: Iterable[ApiModel], side: str) -> dict[str, Any]:
    """The document of `recorder`'s counts over the APIs of `models` (each listed in full),
    read once (`Recorder.counted`: on Redis, one read)."""
    document = empty_document(side)
    counted = recorder.counted()
    by_api: dict[str, list[tuple[Key, int]]] = {}
    for raw, count in list(counted.counts.items()):
        key = Key._make(raw)  # recorded as plain tuples, the cheapest key to make
        by_api.setdefault(key.api, []).append((key, count))
    checks: dict[Key, list[tuple[str, bool, int]]] = {}
    for (raw, name, passed), count in list(counted.checks.items()):
        checks.setdefault(Key._make(raw), []).append((name, passed, count))
    faults_by_api = sorted(counted.faults.items())
    for model in models:
        faults = [
            {"rule": rule, "effect": counted.fault_effects.get(rule, ""), "count": count}
            for (api, rule), count in faults_by_api
            if api == model.name
        ]
        document["apis"][model.name] = _api_document(
            model, by_api.get(model.name, []), checks, faults, with_checks=side == "verify"
        )
    return document


def _api_document(
    model: ApiModel,
    counts: list[tuple[Key, int]],
    checks: Mapping[Key, list[tuple[str, bool, int]]],
    faults: list[dict[str, Any]],
    *,
    with_checks: bool,
) -> dict[str, Any]:
    items: dict[str, dict[str, Any]] = {}
    for documented in model.documented:
        item = {**documented.to_json(), "count": 0, "via": dict.fromkeys(VIAS, 0)}
        if with_checks:
            item["checks"] = {"passed": {}, "failed": {}}
        items[documented.id] = item
    undocumented: Counter[tuple[str | None, str, int | None, str | None]] = Counter()
    requests = 0
    for key, count in counts:
        requests += count
        found = [model.classify(key.operation, key.kind, key.status, key.code)]
        for name, value in key.values:
            value_item = value_id(name, value)
            if value_item in items:
                found.append(value_item)
            else:
                undocumented[(key.operation, key.kind, key.status, f"{name} {value}")] += count
        if found[0] is None:
            undocumented[(key.operation, key.kind, key.status, key.code)] += count
        for item_id in filter(None, found):
            item = items[item_id]
            item["count"] += count
            item["via"][key.via] += count
            if with_checks:
                for name, passed, times in checks.get(key, ()):
                    side = item["checks"]["passed" if passed else "failed"]
                    side[name] = side.get(name, 0) + times
    listed = list(items.values())
    return {
        "documented": len(listed),
        "exercised": sum(1 for item in listed if item["count"]),
        "requests": requests,
        "responses": listed,
        "undocumented": [
            {
                "operation": operation,
                "kind": kind,
                "status": status,
                "code": code,
                "count": count,
                "label": _undocumented_label(operation, kind, status, code),
            }
            for (operation, kind, status, code), count in sorted(
                undocumented.items(), key=lambda pair: tuple(str(part) for part in pair[0])
            )
        ],
        "faults": faults,
    }


def _undocumented_label(
    operation: str | None, kind: str, status: int | None, code: str | None
) -> str:
    where = operation or "a path no operation has"
    if kind == DOWNLOAD:
        where += " download"
    answer = "no answer (dropped)" if status is None else str(status)
    return f"{where} {answer}" + (f" {code}" if code else "")


def merge_documents(
    documents: Iterable[Mapping[str, Any]], side: str | None = None
) -> dict[str, Any]:
    """One document adding up several of one side (every test's mock, every xdist worker)."""
    documents = list(documents)
    merged = empty_document(side or (documents[0]["side"] if documents else "mock"))
    for document in documents:
        for name, api in document.get("apis", {}).items():
            into = merged["apis"].get(name)
            if into is None:
                merged["apis"][name] = json.loads(json.dumps(api))
                continue
            _merge_api(into, api)
    return merged


def _merge_api(into: dict[str, Any], api: Mapping[str, Any]) -> None:
    items = {item["id"]: item for item in into["responses"]}
    for item in api["responses"]:
        mine = items.get(item["id"])
        if mine is None:
            mine = items[item["id"]] = json.loads(json.dumps(item))
            into["responses"].append(mine)
            continue
        mine["count"] += item["count"]
        for via, count in item.get("via", {}).items():
            mine["via"][via] = mine["via"].get(via, 0) + count
        if "checks" in item:
            checks = mine.setdefault("checks", {"passed": {}, "failed": {}})
            for outcome in ("passed", "failed"):
                for name, count in item["checks"][outcome].items():
                    checks[outcome][name] = checks[outcome].get(name, 0) + count
    undocumented = {_undocumented_key(entry): entry for entry in into["undocumented"]}
    for entry in api["undocumented"]:
        mine = undocumented.get(_undocumented_key(entry))
        if mine is None:
            into["undocumented"].append(dict(entry))
        else:
            mine["count"] += entry["count"]
    faults = {(fault["rule"], fault["effect"]): fault for fault in into["faults"]}
    for fault in api["faults"]:
        mine = faults.get((fault["rule"], fault["effect"]))
        if mine is None:
            into["faults"].append(dict(fault))
        else:
            mine["count"] += fault["count"]
    into["requests"] += api["requests"]
    into["documented"] = len(into["responses"])
    into["exercised"] = sum(1 for item in into["responses"] if item["count"])


def _undocumented_key(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    return (entry["operation"], entry["kind"], entry["status"], entry["code"])


def exercised_ratio(document: Mapping[str, Any], *, used_only: bool = True) -> float:
    """Percent of the documented answers exercised, over the APIs that were called at all
    (`used_only`), or over every API listed; 100 when there is nothing to count."""
    documented = exercised = 0
    for api in document.get("apis", {}).values():
        if used_only and not api["requests"]:
            continue
        documented += api["documented"]
        exercised += api["exercised"]
    return 100.0 * exercised / documented if documented else 100.0


def summary_lines(document: Mapping[str, Any], *, used_only: bool = True) -> list[str]:
    """`barchart: 11 of 35 documented responses exercised; never: 409 ..., job TIMEOUT`."""
    lines = []
    for name, api in sorted(document.get("apis", {}).items()):
        if used_only and not api["requests"]:
            continue
        never = [_item_label(item) for item in api["responses"] if not item["count"]]
        line = f"{name}: {api['exercised']} of {api['documented']} documented responses exercised"
        if never:
            line += "; never: " + ", ".join(never)
        lines.append(line)
    return lines


def _item_label(item: Mapping[str, Any]) -> str:
    """Unique within an API: the operation's name too, where a status alone is ambiguous."""
    if item["kind"] == "value":
        return str(item["label"])
    return f"{item['operation']} {item['label']}"


def load_document(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CoverageError(f"cannot read {path}: {error}") from None
    if not (
        isinstance(document, dict)
        and document.get("format") == FORMAT
        and document.get("version") == VERSION
        and isinstance(document.get("apis"), dict)
    ):
        raise CoverageError(f"{path} is not an {FORMAT} document of version {VERSION}")
    return document
