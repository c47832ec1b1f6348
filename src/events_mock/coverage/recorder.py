"""Counting which documented answers were given: cheap per response, named when read.

The mock records every exchange of a mocked API here (`control.middleware`), so recording is
on the hot path: it finds the operation (a dict lookup for literal paths), reads the body only
for an answer whose kind the spec splits further (an error array's code, a job's status), and
adds one to a counter keyed by a small tuple. Turning the counters into documented answers,
labels and totals (`coverage.document`) happens only when someone asks.

`verify` records into the same kind of recorder, with the checks each answer passed or failed
(`record_response(..., checks=...)`), so both sides give one document format.

The counters are plain dict updates on the thread that serves the request (the event loop);
they are not state: neither `/__mock/state` nor `/__mock/reset` touch them.

`Recorder` is what the control plane needs of one world's recorder, whichever store made it:
`CoverageRecorder` counts in this process (the in-memory store, and `verify`);
`stores/redis_coverage.py` counts on Redis, so every worker and replica adds to one set of
counts. Both find the answer's `Key` the same way (`Classifier`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from events_mock.coverage.model import CODE, ApiModel, api_model, error_code

__all__ = [
    "API",
    "FAULT",
    "PREFER",
    "Classifier",
    "CoverageRecorder",
    "Counts",
    "Key",
    "Recorder",
    "ServedApi",
    "fault_effect",
]

API = "api"
"""The API's own answer."""
PREFER = "prefer"
"""A documented example answered for a `Prefer` header."""
FAULT = "fault"
"""An answer a fault rule shaped (its status, or the API's answer cut short)."""


class Key(NamedTuple):
    api: str
    operation: str | None
    kind: str
    status: int | None
    code: str | None
    values: tuple[tuple[str, str], ...]
    """(value name, value) of each `x-coverage-values` property the answer carried."""
    via: str


class ServedApi(Protocol):
    """What the recorder needs of a `MockApi`."""

    @property
    def name(self) -> str: ...
    @property
    def spec(self) -> Any: ...
    @property
    def extra_routes(self) -> tuple[tuple[str, str], ...]: ...


class Counts(NamedTuple):
    """A recorder's counts at one moment: what `coverage.document` makes the document of."""

    counts: Mapping[Any, int]
    """`Key`s (as plain tuples) -> how often."""
    checks: Mapping[Any, int]
    """(answer, check name, passed) -> how often: `verify`'s side only."""
    faults: Mapping[tuple[str, str], int]
    """(api, fault rule id) -> how often it fired."""
    fault_effects: Mapping[str, str]
    """Fault rule id -> what it did (`fault_effect`), as first recorded."""


class Recorder(Protocol):
    """One world's coverage, as the control plane records, reads and clears it."""

    def model(self, api: ServedApi) -> ApiModel: ...

    def record_exchange(
        self,
        api: ServedApi,
        method: str,
        path: str,
        status: int | None,
        body: Sequence[bytes],
        via: str,
        fault: Any = None,
    ) -> None:
        """One exchange the mock answered; never raises for the store (a count lost instead)."""
        ...

    def counted(self) -> Counts: ...

    def clear(self) -> None: ...


class Classifier:
    """Each API's model, read from its spec once, and the `Key` of an exchange by it."""

    def __init__(self) -> None:
        self.models: dict[str, ApiModel] = {}

    def model(self, api: ServedApi) -> ApiModel:
        model = self.models.get(api.name)
        if model is None:
            routes = tuple(path for path, _ in api.extra_routes)
            model = self.models[api.name] = api_model(api.name, api.spec, routes)
        return model

    def exchange_key(
        self,
        api: ServedApi,
        method: str,
        path: str,
        status: int | None,
        body: Sequence[bytes],
        via: str,
    ) -> tuple[Any, ...]:
        """The exchange's `Key`, as a plain tuple (cheaper to make than a `Key`).

        The hot path: the body searched (not parsed) only for an answer the spec splits by
        code or value. The mock's answers are its own compact JSON, so the first
        `"code":"..."` is the first error's code and a property's first `"name":"..."` its
        value; a wrong guess is still checked against the spec when the document is made.
        """
        name = api.name
        model = self.models.get(name) or self.model(api)
        operation, kind = model.find(method, path)
        code: str | None = None
        values: tuple[tuple[str, str], ...] = ()
        if status is not None:
            reads = model.reads.get((operation, status), _NOTHING)
            if reads is None or (
                reads is _NOTHING and status >= 400 and body and body[0][:1] == b"["
            ):
                # An error array, documented here or not: its code says which failure it was.
                code = CODE.search(body[0] if len(body) == 1 else b"".join(body))
            elif reads is not _NOTHING:
                text = body[0] if len(body) == 1 else b"".join(body)
                for needle in reads:
                    value = needle.search(text)
                    if value is not None:
                        values += ((needle.name, value),)
        return (name, operation, kind, status, code, values, via)


class CoverageRecorder(Classifier):
    """What one world's clients (or one `verify` run) got answered, by documented answer, in
    this process's memory."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[Key] = Counter()
        """Plain tuples in `Key`'s order (a tuple is cheaper to make than a `Key`)."""
        self.checks: Counter[tuple[Key, str, bool]] = Counter()
        """(answer, check name, passed) -> how often: `verify`'s side only."""
        self.faults: Counter[tuple[str, str]] = Counter()
        """(api, fault rule id) -> how often it fired."""
        self.fault_effects: dict[str, str] = {}

    def record_exchange(
        self,
        api: ServedApi,
        method: str,
        path: str,
        status: int | None,
        body: Sequence[bytes],
        via: str,
        fault: Any = None,
    ) -> None:
        """One exchange the mock answered (`body`: the answer's chunks, as kept): one
        counter update (`Classifier.exchange_key` says what is read)."""
        self.counts[self.exchange_key(api, method, path, status, body, via)] += 1  # type: ignore[index]
        if fault is not None:
            self.faults[(api.name, fault.id)] += 1
            if fault.id not in self.fault_effects:
                self.fault_effects[fault.id] = fault_effect(fault)

    def record_response(
        self,
        model: ApiModel,
        operation: str | None,
        kind: str,
        status: int | None,
        body: Any,
        checks: Iterable[tuple[str, bool]] = (),
    ) -> None:
        """One answer `verify` judged (`body`: parsed JSON, or None), with its checks."""
        spec = model.operations.get(operation) if operation else None
        code: str | None = None
        values: tuple[tuple[str, str], ...] = ()
        if spec is not None and status is not None and kind == "response":
            if status in spec.codes:
                code = error_code(body)
            elif status in spec.values:
                values = _values(body, spec.values[status])
        self.models.setdefault(model.name, model)
        key = Key(model.name, operation, kind, status, code, values, API)
        self.counts[key] += 1
        for name, passed in checks:
            self.checks[(key, name, passed)] += 1

    def counted(self) -> Counts:
        return Counts(self.counts, self.checks, self.faults, self.fault_effects)

    def clear(self) -> None:
        self.counts.clear()
        self.checks.clear()
        self.faults.clear()
        self.fault_effects.clear()


_NOTHING: Any = object()
"""`ApiModel.reads` has nothing for the answer: its body is not read."""


def _values(
    body: Any, fields: Iterable[tuple[str, str, frozenset[str]]]
) -> tuple[tuple[str, str], ...]:
    if not isinstance(body, dict):
        return ()
    return tuple(
        (name, str(body[prop])) for prop, name, _ in fields if isinstance(body.get(prop), str)
    )


def fault_effect(fault: Any) -> str:
    """What a fault rule does, in a few words (`status 503, Retry-After 5`)."""
    effects = []
    if fault.latency_ms:
        effects.append(f"latency {fault.latency_ms} ms")
    if fault.drop:
        effects.append("drop")
    if fault.malformed:
        effects.append("malformed body")
    if fault.status is not None:
        effects.append(f"status {fault.status}")
    if fault.retry_after is not None:
        effects.append(f"Retry-After {fault.retry_after}")
    method = "" if fault.method == "*" else f"{fault.method} "
    return f"{method}{fault.path}: {', '.join(effects) or 'none'}"
