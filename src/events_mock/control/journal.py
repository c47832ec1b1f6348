"""The journal: the most recent requests the mocked APIs received, as a test would assert them.

It is bounded (a ring buffer) so a mock left running for days does not grow without end, and
it never shows a credential: the journal is readable by anyone who can reach the control plane,
and a multi-tenant API's tenants must not learn each other's secrets from it. Each entry names
its tenant so the control plane can show a caller only its own tenant's requests.

An entry keeps the exchange as the server saw it (`Exchange`, bytes untouched) and makes its
redacted views (query, headers, body) when first read: recording is on every request's path,
reading is rare, so the work is done where it is rare.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from events_mock import strict_json
from events_mock.control.patterns import path_matches

REDACTED = "[REDACTED]"
DEFAULT_CAPACITY = 1000
DEFAULT_BODY_LIMIT = 64 * 1024

_ALWAYS_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
_SECRET_NAME = re.compile(
    r"token|secret|passw|pwd|(api|access|private)[-_]?key|credential|signature|session"
    r"|(^|[-_])auth($|[-_])",
    re.I,
)
_AUTH_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9._~+/-]*)\s+\S")


# Every name `is_secret_name` flags contains one of these (case aside). An ASCII body without
# them, and without \u escapes (the only way a JSON key's letters can hide), has no secret key.
_MAYBE_SECRET = re.compile(
    rb"token|secret|passw|pwd|key|credential|signature|session|auth|cookie"
)  # searched in the lower-cased body


def is_secret_name(name: str) -> bool:
    if len(name) <= 64:
        return _is_secret_name(name)  # the same few keys in every request: remembered
    return name.lower() in _ALWAYS_SECRET_HEADERS or bool(_SECRET_NAME.search(name))


@functools.lru_cache(maxsize=1024)
def _is_secret_name(name: str) -> bool:
    return name.lower() in _ALWAYS_SECRET_HEADERS or bool(_SECRET_NAME.search(name))


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased names; repeated headers joined with ', '; secrets replaced."""
    result: dict[str, str] = {}
    for raw_name, value in headers:
        name = raw_name.lower()
        if is_secret_name(name):
            # Keep the scheme of Authorization: "Basic" vs "Bearer" is worth asserting.
            scheme = _AUTH_SCHEME.match(value) if name.endswith("authorization") else None
            value = f"{scheme.group(1)} {REDACTED}" if scheme else REDACTED
        result[name] = f"{result[name]}, {value}" if name in result else value
    return result


def redact_query(query_string: str) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        query.setdefault(name, []).append(REDACTED if is_secret_name(name) else value)
    return query


_QUERY_PAIR = re.compile(r"(?<=[?&])([^=&]+)=([^&]*)")


def redact_path(path_with_query: str) -> str:
    """`/exports/JOB-1.csv?token=abc` -> `/exports/JOB-1.csv?token=[REDACTED]`, for logs."""
    return _QUERY_PAIR.sub(
        lambda m: f"{m[1]}={REDACTED}" if is_secret_name(m[1]) else m[0], path_with_query
    )


def redact_json(value: Any) -> Any:
    """A copy with every secret-named member's value replaced; iterative, so any depth."""
    if not isinstance(value, dict | list):
        return value
    copy: dict[Any, Any] | list[Any] = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, copy)]
    while stack:
        source, target = stack.pop()
        members = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in members:
            if isinstance(source, dict) and is_secret_name(str(key)):
                item = REDACTED
            elif isinstance(item, dict | list):
                child: Any = {} if isinstance(item, dict) else []
                stack.append((item, child))
                item = child
            if isinstance(target, dict):
                target[key] = item
            else:
                target.append(item)
    return copy


UNREADABLE = "[REDACTED: not JSON the mock accepts, and it may hold a secret]"
"""The view of a JSON body the API refused as not accepted JSON (too deep, NaN, a repeated
key...) in which a secret's name appears: it cannot be parsed to redact, so it is not shown."""


def body_view(body: bytes, content_type: str, truncated: bool) -> Any:
    """The body as a test wants to assert it: JSON parsed and redacted, anything else as text.

    Never fails: a body the strict decoder refuses is shown as text, or, if a secret's name
    appears in it, as `UNREADABLE`.
    """
    if not body:
        return None
    if "json" in content_type.lower() and not truncated:
        try:
            parsed = strict_json.loads(body)
        except (strict_json.NotAcceptedJSON, RecursionError, MemoryError):
            if not body.isascii() or b"\\u" in body or _MAYBE_SECRET.search(body.lower()):
                return UNREADABLE
        else:
            if body.isascii() and b"\\u" not in body and not _MAYBE_SECRET.search(body.lower()):
                return parsed  # no key can be a secret's: nothing to redact
            return redact_json(parsed)
    if "x-www-form-urlencoded" in content_type.lower() and not truncated:
        return redact_query(body.decode("latin-1"))
    return body.decode("utf-8", errors="replace")


Headers = tuple[tuple[bytes, bytes], ...]
"""ASGI headers: (lower-cased name, value) byte pairs."""


@dataclass(frozen=True)
class Exchange:
    """What the server saw of one request and its answer, raw; the entry's views come from it."""

    query_string: bytes = b""
    headers: Headers = ()
    body: bytes = b""
    response_headers: Headers = ()


@dataclass(frozen=True)
class JournalEntry:
    id: int
    time: int
    """Mock-clock milliseconds when the request arrived."""
    api: str
    method: str
    path: str
    body_truncated: bool = False
    status: int | None = None
    """None when the connection closed without an answer."""
    duration_ms: float = 0.0
    fault: str | None = None
    tenant: str | None = None
    _exchange: Exchange = field(default=Exchange(), repr=False, compare=False)
    """Raw, credentials included: read only through the redacted views below."""

    @cached_property
    def query(self) -> dict[str, list[str]]:
        return redact_query(self._exchange.query_string.decode("latin-1"))

    @cached_property
    def headers(self) -> dict[str, str]:
        return redact_headers(_decoded(self._exchange.headers))

    @cached_property
    def body(self) -> Any:
        content_type = self.headers.get("content-type", "")
        return body_view(self._exchange.body, content_type, self.body_truncated)

    @cached_property
    def response_headers(self) -> dict[str, str]:
        return redact_headers(_decoded(self._exchange.response_headers))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.time,
            "api": self.api,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "body_truncated": self.body_truncated,
            "status": self.status,
            "response_headers": self.response_headers,
            "duration_ms": self.duration_ms,
            "fault": self.fault,
            "tenant": self.tenant,
        }


def _decoded(headers: Headers) -> Iterator[tuple[str, str]]:
    return ((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers)


class Journal:
    def __init__(self, capacity: int = DEFAULT_CAPACITY, body_limit: int = DEFAULT_BODY_LIMIT):
        if capacity < 1:
            raise ValueError("the journal must keep at least one entry")
        self.capacity = capacity
        self.body_limit = body_limit
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
        self._recorded = 0

    def record(self, **fields: Any) -> JournalEntry:
        """Add an entry; `fields` are `JournalEntry`'s without `id`."""
        with self._lock:
            self._recorded += 1
            entry = JournalEntry(id=self._recorded, **fields)
            self._entries.append(entry)
            return entry

    def entries(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        api: str | None = None,
        tenant: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """Oldest first; every filter narrows, `limit` keeps the most recent matches."""
        with self._lock:
            entries = list(self._entries)
        selected = [
            entry
            for entry in entries
            if (method is None or entry.method == method.upper())
            and (path is None or path_matches(path, entry.path))
            and (status is None or entry.status == status)
            and (api is None or entry.api == api)
            and (tenant is None or entry.tenant == tenant)
            and (since is None or entry.id > since)
        ]
        return selected[-limit:] if limit else selected

    @property
    def recorded(self) -> int:
        """Requests recorded since the start or the last clear, including forgotten ones."""
        return self._recorded

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._recorded = 0

    def to_json(self, entries: Iterable[JournalEntry] | None = None) -> dict[str, Any]:
        chosen = self.entries() if entries is None else entries
        return {
            "capacity": self.capacity,
            "recorded": self.recorded,
            "entries": [entry.to_json() for entry in chosen],
        }

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __getitem__(self, index: int) -> JournalEntry:
        with self._lock:
            return self._entries[index]
