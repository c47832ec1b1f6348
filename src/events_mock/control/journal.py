"""The journal: the most recent requests the mocked APIs received, as a test would assert them.

It is bounded (a ring buffer) so a mock left running for days does not grow without end, and
it never shows a credential: the journal is readable by anyone who can reach the control plane,
and a multi-tenant API's tenants must not learn each other's secrets from it. Each entry names
its tenant so the control plane can show a caller only its own tenant's requests.

An entry keeps the exchange as the server saw it (`Exchange`, bytes untouched) and makes its
redacted views (query, headers, body) when first read: recording is on every request's path,
reading is rare, so the work is done where it is rare.

What it keeps is bounded by the limits a user sets, not by what a client sends: bodies (the
request's and the answer's) are cut at `body_limit`, each header value (and the path and the
query string) at `value_limit`, and an entry's headers at `headers_limit` in all, each cut
marked in the entry. The journal's total, by its own accounting (`Journal.bytes`: the raw
bytes an entry keeps plus `ENTRY_OVERHEAD`), stays under `max_bytes`, the oldest entries
dropped first. Recording measures lengths only; cutting copies only what is over a limit.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from events_mock import strict_json
from events_mock.control.patterns import PathPattern

REDACTED = "[REDACTED]"
DEFAULT_CAPACITY = 1000
DEFAULT_BODY_LIMIT = 64 * 1024
DEFAULT_VALUE_LIMIT = 8 * 1024
"""Each header value, the path and the query string are cut at this many bytes."""
DEFAULT_HEADERS_LIMIT = 64 * 1024
"""An entry's request headers (names and values) past this many bytes are left out; so are its
answer's."""
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
ENTRY_OVERHEAD = 512
"""What an entry costs besides the bytes it keeps (the objects themselves), in the accounting."""
TRUNCATED_MARK = b" [TRUNCATED]"
"""Ends a header value, path or query string the journal cut."""

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


_QUERY_PAIR = re.compile(r"(?<=[?&])([^=&?]+)=([^&]*)")
"""A query parameter; a name stops at the next `?` too, so a scan never passes another start
(linear in the text, which can be a 64 KiB body)."""


def redact_path(path_with_query: str) -> str:
    """`/exports/JOB-1.csv?token=abc` -> `/exports/JOB-1.csv?token=[REDACTED]`, for logs."""
    return _QUERY_PAIR.sub(
        lambda m: f"{m[1]}={REDACTED}" if is_secret_name(m[1]) else m[0], path_with_query
    )


def redact_text(text: str) -> str:
    """Secret-named query parameters of any URL in a text (a download link) redacted."""
    return redact_path(text) if "=" in text else text


def redact_json(value: Any) -> Any:
    """A copy with every secret-named member's value replaced, and secret query parameters of
    URLs in strings (download links' tokens); iterative, so any depth."""
    if isinstance(value, str):
        return redact_text(value)
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
            elif isinstance(item, str):
                item = redact_text(item)
            if isinstance(target, dict):
                target[key] = item
            else:
                target.append(item)
    return copy


UNREADABLE = "[REDACTED: not JSON the mock accepts, and it may hold a secret]"
"""The view of a JSON body the API refused as not accepted JSON (too deep, NaN, a repeated
key...) in which a secret's name appears: it cannot be parsed to redact, so it is not shown."""


_JSON_MEMBER = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:\s*)("(?:[^"\\]|\\.)*"?|[\[{]|[^,}\]\s]*)')
"""A member of JSON text, `"name": value`: a string (closed or cut), an opening bracket, or
another scalar."""


def redact_json_text(text: str) -> str | None:
    """JSON text that cannot be parsed (it was cut) with secret-named members' values replaced;
    None when that cannot be done safely (a secret-named member holds an object or array)."""
    unsafe = False

    def member(match: re.Match[str]) -> str:
        nonlocal unsafe
        if not is_secret_name(match[1]):
            return match[0]
        if match[3] in ("[", "{"):
            unsafe = True
        return f'"{match[1]}"{match[2]}"{REDACTED}"'

    redacted = _JSON_MEMBER.sub(member, text)
    return None if unsafe else redact_text(redacted)


def body_view(body: bytes, content_type: str, truncated: bool) -> Any:
    """The body as a test wants to assert it: JSON parsed and redacted, anything else as text.

    Never fails: a body the strict decoder refuses is shown as text, or, if a secret's name
    appears in it, as `UNREADABLE`. JSON cut at the journal's limit is shown as text with its
    secret-named members' values redacted (`UNREADABLE` when that cannot be done safely).
    """
    if not body:
        return None
    if "json" in content_type.lower() and truncated:
        if not _MAYBE_SECRET.search(body.lower()):
            return body.decode("utf-8", errors="replace")
        if b"\\u" in body:
            return UNREADABLE
        redacted = redact_json_text(body.decode("utf-8", errors="replace"))
        return UNREADABLE if redacted is None else redacted
    if "json" in content_type.lower():
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
    return redact_text(body.decode("utf-8", errors="replace"))


Headers = tuple[tuple[bytes, bytes], ...]
"""ASGI headers: (lower-cased name, value) byte pairs."""


@dataclass(frozen=True)
class Exchange:
    """What the server saw of one request and its answer, raw; the entry's views come from it."""

    query_string: bytes = b""
    headers: Headers = ()
    body: bytes = b""
    response_headers: Headers = ()
    response_body: bytes = b""


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
    headers_truncated: bool = False
    """The path, the query string or a header value was cut, or headers were left out."""
    response_body_truncated: bool = False
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

    @cached_property
    def response_body(self) -> Any:
        """The answer's body, redacted like the request's: why a request was refused."""
        content_type = self.response_headers.get("content-type", "")
        return body_view(self._exchange.response_body, content_type, self.response_body_truncated)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.time,
            "api": self.api,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "headers_truncated": self.headers_truncated,
            "body": self.body,
            "body_truncated": self.body_truncated,
            "status": self.status,
            "response_headers": self.response_headers,
            "response_body": self.response_body,
            "response_body_truncated": self.response_body_truncated,
            "duration_ms": self.duration_ms,
            "fault": self.fault,
            "tenant": self.tenant,
        }


def _decoded(headers: Headers) -> Iterator[tuple[str, str]]:
    return ((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers)


def _cut(value: bytes, limit: int) -> bytes:
    return value if len(value) <= limit else value[:limit] + TRUNCATED_MARK


def bounded_headers(
    headers: Headers, value_limit: int, total_limit: int
) -> tuple[Headers, int, bool]:
    """The headers with each name and value cut at `value_limit`, and those that would pass
    `total_limit` bytes in all left out; their size; and whether anything was cut."""
    size = sum(map(len, itertools.chain.from_iterable(headers)))
    if size <= min(value_limit, total_limit):
        return headers, size, False  # the common case: nothing can be over a limit
    kept: list[tuple[bytes, bytes]] = []
    total = 0
    cut = False
    for raw_name, raw_value in headers:
        name, value = _cut(raw_name, value_limit), _cut(raw_value, value_limit)
        cut = cut or name is not raw_name or value is not raw_value
        if total + len(name) + len(value) > total_limit:
            cut = True
            continue  # a later, smaller header (content-type) may still fit
        kept.append((name, value))
        total += len(name) + len(value)
    return tuple(kept), total, cut


class Journal:
    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        body_limit: int = DEFAULT_BODY_LIMIT,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        value_limit: int = DEFAULT_VALUE_LIMIT,
        headers_limit: int = DEFAULT_HEADERS_LIMIT,
    ):
        if capacity < 1:
            raise ValueError("the journal must keep at least one entry")
        if min(max_bytes, body_limit, value_limit, headers_limit) < 0:
            raise ValueError("the journal's byte limits cannot be negative")
        self.capacity = capacity
        self.body_limit = body_limit
        """Request and response bodies are kept up to this many bytes."""
        self.max_bytes = max_bytes
        """The entries' total (`bytes`) stays under this, oldest dropped first; the newest
        entry is always kept."""
        self.value_limit = value_limit
        self.headers_limit = headers_limit
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque()
        self._sizes: deque[int] = deque()
        self._bytes = 0
        self._recorded = 0

    def record(self, **fields: Any) -> JournalEntry:
        """Add an entry; `fields` are `JournalEntry`'s without `id`. What is over a limit is cut
        here, and marked (`headers_truncated`, `body_truncated`, `response_body_truncated`)."""
        exchange, size = self._bounded(fields)
        with self._lock:
            self._recorded += 1
            entry = JournalEntry(id=self._recorded, _exchange=exchange, **fields)
            self._entries.append(entry)
            self._sizes.append(size)
            self._bytes += size
            while len(self._entries) > self.capacity or (
                self._bytes > self.max_bytes and len(self._entries) > 1
            ):
                self._entries.popleft()
                self._bytes -= self._sizes.popleft()
            return entry

    async def record_async(self, **fields: Any) -> JournalEntry:
        """`record`, for the request path: a shared store waits for Redis without holding
        up the event loop (`stores/redis_batch.py`); here, nothing to wait for."""
        return self.record(**fields)

    def _bounded(self, fields: dict[str, Any]) -> tuple[Exchange, int]:
        """The exchange within the limits (changing `fields`' flags and path), and its size."""
        raw: Exchange = fields.pop("_exchange", None) or Exchange()
        headers, headers_bytes, headers_cut = bounded_headers(
            raw.headers, self.value_limit, self.headers_limit
        )
        response_headers, response_headers_bytes, _ = bounded_headers(
            raw.response_headers, self.value_limit, self.headers_limit
        )
        query_string = _cut(raw.query_string, self.value_limit)
        path: str = fields.get("path", "")
        path_cut = len(path) > self.value_limit
        if path_cut:
            fields["path"] = path = path[: self.value_limit] + TRUNCATED_MARK.decode()
        if headers_cut or path_cut or query_string is not raw.query_string:
            fields["headers_truncated"] = True
        body, response_body = raw.body, raw.response_body
        if len(body) > self.body_limit:
            body, fields["body_truncated"] = body[: self.body_limit], True
        if len(response_body) > self.body_limit:
            response_body = response_body[: self.body_limit]
            fields["response_body_truncated"] = True
        exchange = raw
        if (
            headers is not raw.headers
            or response_headers is not raw.response_headers
            or query_string is not raw.query_string
            or body is not raw.body
            or response_body is not raw.response_body
        ):
            exchange = Exchange(query_string, headers, body, response_headers, response_body)
        size = (
            ENTRY_OVERHEAD
            + len(path)
            + len(query_string)
            + headers_bytes
            + response_headers_bytes
            + len(body)
            + len(response_body)
        )
        return exchange, size

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
        pattern = PathPattern(path) if path is not None else None
        selected = [
            entry
            for entry in entries
            if (method is None or entry.method == method.upper())
            and (pattern is None or pattern.matches(entry.path))
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

    @property
    def bytes(self) -> int:
        """What the kept entries hold, by the journal's accounting (see the module docstring)."""
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
            self._bytes = 0
            self._recorded = 0

    def to_json(self, entries: Iterable[JournalEntry] | None = None) -> dict[str, Any]:
        chosen = self.entries() if entries is None else entries
        return {
            "capacity": self.capacity,
            "max_bytes": self.max_bytes,
            "bytes": self.bytes,
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
