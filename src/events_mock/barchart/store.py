"""Barchart's in-memory event store: batches of events, indexed by (customer, product).

Events arrive in batches from many concurrent clients; a batch is stored whole or not at all,
and reports read a consistent snapshot, so every mutation and every selection holds one lock.
Events are kept as tuples indexed by (customer, product), the only way reports select them.

A mock in a CI job may hold millions of events, so each is kept compact (about 1.3x its JSON
size rather than 3.8x): customer and product are the index key, codes and versions are shared
strings, and the context is one string, each value followed by a separator none contains (a
tuple otherwise, as when a value is `null`, which the vendor's SDK sends for a value nobody
supplied: None cannot be joined into a string, and kept in a tuple it comes back as None).
`select`, `add_batch` and `to_json` hand out ordinary `StoredEvent`s. Events are
kept in sealed chunks (`Bucket`) so the garbage collector's full passes, which walk every list
item, do not slow down as the store grows (they paused requests for 15 ms at 1M events).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain
from operator import itemgetter
from typing import Any, NamedTuple, overload

from events_mock.limits import StoreFull


class StoredEvent(NamedTuple):
    customer: str
    product: str
    type: str
    timestamp: int
    context: tuple[str | None, ...]
    version: str | None
    batch: str
    sequence: int

    def to_json(self) -> dict[str, Any]:
        event: dict[str, Any] = {
            "customer": self.customer,
            "product": self.product,
            "type": self.type,
            "timestamp": self.timestamp,
            "context": list(self.context),
        }
        if self.version is not None:
            event["version"] = self.version
        event["sequence"] = self.sequence
        event["batch"] = self.batch
        return event

    @classmethod
    def from_json(cls, event: Mapping[str, Any]) -> StoredEvent:
        return cls(
            customer=event["customer"],
            product=event["product"],
            type=event["type"],
            timestamp=int(event["timestamp"]),
            context=tuple(event["context"]),
            version=event.get("version"),
            batch=event["batch"],
            sequence=int(event["sequence"]),
        )


SEPARATOR = "\x1f"
"""ASCII unit separator: joins a context's values when none of them contains it."""
MAX_SHARED_NAMES = 10_000
"""Distinct codes and versions kept as shared strings (a fuzzer may send endless versions)."""

Record = tuple[int, str, "str | tuple[str | None, ...]", "str | None", str, int]
"""(timestamp, type, packed context, version, batch, sequence) of one stored event."""


def pack(context: tuple[str | None, ...]) -> str | tuple[str | None, ...]:
    """One string, each value followed by the separator, where it can be split back exactly;
    else (a value holds the separator, or is None) the tuple itself. (Split, the trailing empty
    item is a free blank for the export.)"""
    if not context:
        return ()
    try:
        joined = SEPARATOR.join(context)  # type: ignore[arg-type]
    except TypeError:  # a None among the values
        return context
    return joined + SEPARATOR if joined.count(SEPARATOR) == len(context) - 1 else context


def unpack(packed: str | tuple[str | None, ...]) -> tuple[str | None, ...]:
    return packed if isinstance(packed, tuple) else tuple(packed[:-1].split(SEPARATOR))


by_timestamp = itemgetter(0)
CHUNK = 4096


class Window(NamedTuple):
    """A mark of the store: its first `mark` events of one (customer, product), in arrival
    order, in the store's `generation` (see `EventStore.window`)."""

    generation: int
    mark: int


class Bucket:
    """The records of one (customer, product), in arrival order.

    Full chunks are sealed into tuples; a tuple holding only untracked tuples is itself
    untracked by the garbage collector, which then skips all 4096 records at once.
    """

    __slots__ = ("chunks", "tail")

    def __init__(self) -> None:
        self.chunks: list[tuple[Record, ...]] = []
        self.tail: list[Record] = []

    def __len__(self) -> int:
        return len(self.chunks) * CHUNK + len(self.tail)

    def append(self, record: Record) -> None:
        self.tail.append(record)
        if len(self.tail) >= CHUNK:
            self.chunks.append(tuple(self.tail))
            self.tail = []

    def snapshot(self) -> list[Record]:
        return [*chain.from_iterable(self.chunks), *self.tail]

    def prefix(self, count: int) -> list[Sequence[Record]]:
        """The first `count` records, as the sealed chunks themselves and a copy of the rest:
        no record list as long as the bucket is built (callers hold the store's lock)."""
        full, rest = divmod(min(count, len(self)), CHUNK)
        parts: list[Sequence[Record]] = list(self.chunks[:full])
        if rest:
            parts.append((self.chunks[full] if full < len(self.chunks) else self.tail)[:rest])
        return parts


class LazyRecords(Sequence[Record]):
    """Records a store reads only when iterated (a Redis store's, a page at a time), so an
    export of any size streams: a `Selection` keeps them as they are, never copied."""

    __slots__ = ()


class Selection(Sequence[StoredEvent]):
    """Selected events, held as the store holds them; `StoredEvent`s made on access.

    A report's export is rendered straight from the records (`export.render_export`), and no
    `StoredEvent` (a named tuple, which the garbage collector never untracks) is made for
    it. Report jobs keep no selection: they keep a `Window` and select when downloaded.
    """

    __slots__ = ("customer", "product", "records")

    def __init__(self, customer: str, product: str, records: Iterable[Record]) -> None:
        self.customer = customer
        self.product = product
        self.records: Sequence[Record] = (
            records if isinstance(records, LazyRecords) else tuple(records)
        )
        """A tuple (untracked by the garbage collector), or `LazyRecords` as given."""

    def __len__(self) -> int:
        return len(self.records)

    def event(self, r: Record) -> StoredEvent:
        """The `StoredEvent` of one of `records`."""
        return StoredEvent._make((self.customer, self.product, r[1], r[0], unpack(r[2]), *r[3:]))

    @overload
    def __getitem__(self, index: int) -> StoredEvent: ...
    @overload
    def __getitem__(self, index: slice) -> Selection: ...
    def __getitem__(self, index: int | slice) -> StoredEvent | Selection:
        if isinstance(index, slice):
            return Selection(self.customer, self.product, self.records[index])
        return self.event(self.records[index])

    def __iter__(self) -> Iterator[StoredEvent]:
        return map(self.event, self.records)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Selection, list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Selection({list(self)!r})"


EVENT_OVERHEAD_BYTES = 100
"""The record itself, its codes (shared strings), timestamp, batch id and sequence."""


def event_bytes(context: Iterable[str | None], version: str | None) -> int:
    """What one event costs the store's byte budget: the characters of its context values and
    version (what a client chooses the size of) plus `EVENT_OVERHEAD_BYTES`."""
    size = EVENT_OVERHEAD_BYTES + (len(version) if isinstance(version, str) else 0)
    for value in context:
        if isinstance(value, str):  # None, or what a Python caller stored
            size += len(value)
    return size


def as_batch(
    events: Iterable[Mapping[str, Any]], name: Callable[[str], str] = str
) -> tuple[list[StoredEvent], int]:
    """Validated events as one batch (one batch id, sequences 1..n) and what they cost the byte
    budget; `name` is applied to each code and version (the in-memory store shares them)."""
    batch = str(uuid.uuid4())
    stored = []
    size = 0
    for n, e in enumerate(events, start=1):
        version = e.get("version")
        size += event_bytes(e["context"], version)
        stored.append(
            StoredEvent(
                name(e["customer"]),
                name(e["product"]),
                name(e["type"]),
                e["timestamp"],
                tuple(e["context"]),
                name(version) if version is not None else None,
                batch,
                n,
            )
        )
    return stored, size


class EventStore:
    def __init__(self, capacity: int | None = None, max_bytes: int | None = None) -> None:
        self.capacity = capacity
        self.max_bytes = max_bytes
        """Most `event_bytes` held in all; `add_batch` raises `StoreFull` past it."""
        self._lock = threading.Lock()
        self._by_source: dict[tuple[str, str], Bucket] = {}
        self._names: dict[str, str] = {}
        self._count = 0
        self._generation = 0
        self._bytes = 0

    @property
    def stored_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return self._count

    def _shared(self, name: str) -> str:
        if type(name) is not str:
            return name
        shared = self._names.get(name)
        if shared is None:
            if len(self._names) >= MAX_SHARED_NAMES:
                return name
            shared = self._names.setdefault(name, name)
        return shared

    def add_batch(self, events: Iterable[Mapping[str, Any]]) -> list[StoredEvent]:
        """Store already-validated events as one batch: one batch id, sequences 1..n."""
        stored, size = as_batch(events, self._shared)
        with self._lock:
            if self.capacity is not None and self._count + len(stored) > self.capacity:
                raise StoreFull(
                    f"the store holds {self._count} of at most {self.capacity} events; "
                    f"{len(stored)} more do not fit"
                )
            if self.max_bytes is not None and self._bytes + size > self.max_bytes:
                raise StoreFull(
                    f"the store holds {self._bytes} of at most {self.max_bytes} bytes of events; "
                    f"{size} more do not fit"
                )
            self._count += _fill(self._by_source, stored)
            self._bytes += size
        return stored

    async def add_batch_async(self, events: Iterable[Mapping[str, Any]]) -> list[StoredEvent]:
        """`add_batch` for a handler: the Redis store awaits its script with other requests'
        calls (`stores/redis_batch.py`); here, nothing to wait for."""
        return self.add_batch(events)

    def select(
        self,
        customer: str,
        product: str,
        types: frozenset[str] | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> list[StoredEvent]:
        """Matching events ordered by timestamp (ties keep arrival order); bounds inclusive."""
        return list(self.selection(customer, product, types, start, end))

    def selection(
        self,
        customer: str,
        product: str,
        types: frozenset[str] | None = None,
        start: int | None = None,
        end: int | None = None,
        *,
        window: Window | None = None,
    ) -> Selection:
        """What `select` answers, held compactly; within `window` (see `window`) if given:
        only the events stored before it was taken, nothing if the store was replaced since."""
        with self._lock:
            bucket = self._by_source.get((customer, product))
            if bucket is None or (window is not None and window.generation != self._generation):
                parts: list[Sequence[Record]] = []
            else:
                parts = bucket.prefix(len(bucket) if window is None else window.mark)
        matches = [
            r
            for r in chain.from_iterable(parts)
            if (types is None or r[1] in types)
            and (start is None or r[0] >= start)
            and (end is None or r[0] <= end)
        ]
        matches.sort(key=by_timestamp)
        return Selection(self._shared(customer), self._shared(product), matches)

    def window(
        self,
        customer: str,
        product: str,
        types: frozenset[str] | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> tuple[Window, int]:
        """A mark of what is stored now for (customer, product), and how many of those events
        match: what a report job keeps instead of the events (see `selection`'s `window`).

        The events of one (customer, product) are only ever appended, in arrival order, until
        the whole store is cleared or replaced (which starts a new generation), so the events
        stored before the mark stay exactly the first `mark` ones. Counted without building
        a list of the matches.
        """
        unfiltered = types is None and start is None and end is None
        with self._lock:
            bucket = self._by_source.get((customer, product))
            mark = len(bucket) if bucket is not None else 0
            parts = bucket.prefix(mark) if bucket is not None and not unfiltered else []
            window = Window(self._generation, mark)
        if unfiltered:
            return window, mark
        matching = sum(
            1
            for r in chain.from_iterable(parts)
            if (types is None or r[1] in types)
            and (start is None or r[0] >= start)
            and (end is None or r[0] <= end)
        )
        return window, matching

    @property
    def generation(self) -> int:
        """Changes whenever the whole content is cleared or replaced (never on appends)."""
        return self._generation

    def sizes(self) -> dict[tuple[str, str], int]:
        """How many events each (customer, product) holds: how far a window may reach."""
        with self._lock:
            return {key: len(bucket) for key, bucket in self._by_source.items()}

    def clear(self) -> None:
        with self._lock:
            self._by_source.clear()
            self._names.clear()
            self._count = 0
            self._generation += 1
            self._bytes = 0

    def to_json(self) -> list[dict[str, Any]]:
        with self._lock:
            buckets = [(key, bucket.snapshot()) for key, bucket in self._by_source.items()]
        return [
            StoredEvent(customer, product, r[1], r[0], unpack(r[2]), *r[3:]).to_json()
            for (customer, product), records in buckets
            for r in records
        ]

    def restore(self, events: Iterable[StoredEvent]) -> None:
        """Add events the store held before (a write log's replay): batch ids and sequences
        kept, no capacity check (they were accepted once)."""
        shared = self._shared
        shared_events = [
            e._replace(customer=shared(e.customer), product=shared(e.product), type=shared(e.type))
            for e in events
        ]
        with self._lock:
            self._count += _fill(self._by_source, shared_events)

    def frozen(self) -> list[tuple[str, str, list[tuple[Record, ...]]]]:
        """Every (customer, product)'s records as immutable chunks, in the order `to_json`
        answers them: a consistent view in O(chunks), to be encoded later in another thread
        (sealed chunks are never changed; the tail is copied)."""
        with self._lock:
            return [
                (customer, product, [*bucket.chunks, tuple(bucket.tail)])
                for (customer, product), bucket in self._by_source.items()
            ]

    def prepare_exported(self, events: Iterable[Mapping[str, Any]]) -> Callable[[], None]:
        """`replace` for events exactly as `to_json` exported them (the mock's own snapshot),
        in one pass with no `StoredEvent` made: 1M events in about a second rather than 12.
        Builds everything now, raising `KeyError`/`TypeError` on a malformed event; the
        function answered swaps it in."""
        names: dict[str, str] = {}
        by_source: dict[tuple[str, str], Bucket] = {}
        count = 0
        batch = ""
        for e in events:
            key = (e["customer"], e["product"])
            bucket = by_source.get(key)
            if bucket is None:
                key = (names.setdefault(key[0], key[0]), names.setdefault(key[1], key[1]))
                bucket = by_source[key] = Bucket()
            version = e.get("version")
            if version is not None:
                version = names.setdefault(version, version)
            if e["batch"] != batch:  # events of one batch come together: one string each
                batch = e["batch"]
            bucket.append(
                (
                    int(e["timestamp"]),
                    names.setdefault(e["type"], e["type"]),
                    pack(tuple(e["context"])),
                    version,
                    batch,
                    int(e["sequence"]),
                )
            )
            count += 1

        def commit() -> None:
            with self._lock:
                self._by_source = by_source
                self._names = names if len(names) <= MAX_SHARED_NAMES else {}
                self._count = count

        return commit

    def load_json(self, events: Iterable[Mapping[str, Any]]) -> None:
        """Replace the whole content with previously exported events."""
        self.replace(StoredEvent.from_json(raw) for raw in events)

    def replace(self, events: Iterable[StoredEvent]) -> None:
        """Replace the whole content at once (readers see the old or the new, never a mix)."""
        names: dict[str, str] = {}
        by_source: dict[tuple[str, str], Bucket] = {}
        size = 0

        def shared(name: Any) -> Any:
            return names.setdefault(name, name) if type(name) is str else name

        def counted(event: StoredEvent) -> StoredEvent:
            nonlocal size
            size += event_bytes(event.context, event.version)
            return event

        count = _fill(
            by_source,
            (
                e._replace(
                    customer=shared(e.customer),
                    product=shared(e.product),
                    type=shared(e.type),
                    version=shared(e.version),
                )
                for e in map(counted, events)
            ),
        )
        with self._lock:
            self._by_source = by_source
            self._names = names if len(names) <= MAX_SHARED_NAMES else {}
            self._count = count
            self._generation += 1
            self._bytes = size


def _fill(by_source: dict[tuple[str, str], Bucket], events: Iterable[StoredEvent]) -> int:
    """Add the events' records to `by_source`; answer how many."""
    count = 0
    for e in events:
        record = (e.timestamp, e.type, pack(e.context), e.version, e.batch, e.sequence)
        bucket = by_source.get((e.customer, e.product))
        if bucket is None:
            bucket = by_source[(e.customer, e.product)] = Bucket()
        bucket.append(record)
        count += 1
    return count
