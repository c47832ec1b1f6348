"""Group commit: the Redis calls of concurrent requests sent together, the event loop free.

Every request to a mocked API needs two Redis calls of the control plane's: the fault rules'
decision before it is answered, its journal entry before the end of the answer is sent (so a
client that asks the journal next, on any worker, finds it). Made with the synchronous client
on the event loop, each would block every other request for a round trip. Made here, a request
awaits its call; the calls queued while one pipeline is in flight go together in the next, on
the event loop's own `redis.asyncio` client: with 32 clients at once, one round trip serves
many requests, and the loop parses and answers other requests in the meantime. Each call still
completes before its request goes on, so nothing is weaker than one call at a time: a pipeline
runs its calls in the order they were queued.

No thread: a sending thread would have to win the GIL back from the busy event loop for every
answer (a convoy that cost more than the round trip it saved, `bench/README.md`).

Counts nobody waits for (`count`: coverage's, a hash field incremented) ride on the next call
that carries them (`script(..., carries=True)`: the journal entry's, whose script applies them,
`apply_counts`), so they cost no round trip and no command of their own; counted before it,
they have run by the time that journal entry is answered. A plain command nobody waits for
(`defer`) goes in the next pipeline. Either is sent alone only when nothing comes to carry it
within `DEFER_SECONDS`.

Scripts in a pipeline are run by SHA (`EVALSHA`); one Redis lost (a restart) is loaded again
and its calls run again, as `redis.commands.core.Script` does for a single call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import redis
import redis.asyncio
from redis.commands.core import Script

from events_mock.stores.redis_client import RedisConnection, StoreUnavailable

__all__ = ["Batcher", "apply_counts", "batcher_for", "close_batcher"]

MAX_BATCH = 256
"""Calls sent in one pipeline at most; more wait for the next round trip."""
DEFER_SECONDS = 0.005
"""How long deferred calls and counts wait for a call to go with before they are sent alone."""

logger = logging.getLogger("events_mock.store")


def apply_counts(keys: int, args: int) -> str:
    """The Lua a carrying script runs (anywhere before it returns) to apply the counts it
    carries: after its own `keys` KEYS and `args` ARGV, each further key with a field and an
    amount (`Batcher.count`). `pcall`: a count never fails the call it rides on."""
    return f"""
for i = {keys + 1}, #KEYS do
  local at = {args} + 2 * (i - {keys})
  redis.pcall('HINCRBY', KEYS[i], ARGV[at - 1], ARGV[at])
end
"""


PendingCounts = dict[tuple[Any, bytes], int]
"""(hash key, field) -> the increment waiting for a call to carry it."""


@dataclass
class _Call:
    script: Script | None
    command: str
    args: Sequence[Any]
    future: asyncio.Future[Any] | None
    """None: deferred, nobody waits for its answer."""
    carries: bool = False
    """A script that applies counts (`apply_counts`): the pending ones ride on it."""


@dataclass
class _Link:
    """One event loop's client and the calls waiting for its next round trip."""

    client: redis.asyncio.Redis
    keeper: asyncio.Task[None]
    """Closes the client when cancelled: by `Batcher.close`, or by the loop's own shutdown
    (`asyncio.run` cancels what is left), so no connection outlives its loop."""
    queued: list[_Call] = field(default_factory=list)
    sender: asyncio.Task[None] | None = None
    waiting: asyncio.TimerHandle | None = None
    """Sends deferred calls and counts alone if nothing comes to carry them."""


class Batcher:
    """The calls of every request on one connection, pipelined per event loop."""

    def __init__(self, connection: RedisConnection) -> None:
        self.connection = connection
        self._links: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Link] = (
            weakref.WeakKeyDictionary()
        )
        self._closed = False
        self._counts: PendingCounts = {}
        """Pending for the whole process: whichever loop sends a carrier next takes them."""
        self._counts_lock = threading.Lock()
        self._counts_alone = connection.script(apply_counts(0, 0))

    async def script(
        self, script: Script, keys: Sequence[Any], args: Sequence[Any], *, carries: bool = False
    ) -> Any:
        """`script(keys, args)`, sent with the other requests' calls; with `carries`, a script
        that runs `apply_counts(len(keys), len(args))`, and takes the pending counts along."""
        call = _Call(script, "EVALSHA", [script.sha, len(keys), *keys, *args], None, carries)
        return await self._call(call)

    async def command(self, command: str, *args: Any) -> Any:
        """A plain command (`GET`, ...), sent with the other requests' calls."""
        return await self._call(_Call(None, command, args, None))

    def count(self, key: Any, field: bytes, amount: int = 1) -> None:
        """`HINCRBY key field amount`, nobody waiting: carried by the next carrying script
        sent (the journal entry's), else after `DEFER_SECONDS` alone. Lost, not raised, when
        Redis is unavailable: the call it rode on reports the outage to its own request."""
        counted = (key, field)
        with self._counts_lock:
            self._counts[counted] = self._counts.get(counted, 0) + amount
        link = self._link()
        if link is not None:  # outside a loop: the next carrier of any loop takes it
            self._wait_for_carrier(link)

    def defer(self, command: str, *args: Any) -> None:
        """A plain command whose answer nobody waits for, sent with the next call queued (or
        after `DEFER_SECONDS`, alone). Its failure is logged (debug) and dropped: the call it
        went with reports the outage to its own request."""
        link = self._link()
        if link is None:  # outside a loop: now, on this thread
            with contextlib.suppress(StoreUnavailable, redis.ResponseError):
                self.connection.run(lambda client: client.execute_command(command, *args))
            return
        link.queued.append(_Call(None, command, args, None))
        self._wait_for_carrier(link)

    def close(self) -> None:
        """No new calls; each loop's client is closed on its loop once its calls are sent."""
        self._closed = True
        for loop, link in list(self._links.items()):
            if not loop.is_closed():
                loop.call_soon_threadsafe(link.keeper.cancel)

    async def _call(self, call: _Call) -> Any:
        if self._closed:
            raise StoreUnavailable("the mock is closing")
        self.connection.check_up()
        link = self._link()
        assert link is not None
        future = call.future = asyncio.get_running_loop().create_future()
        link.queued.append(call)
        self._send_soon(link)
        return await future

    def _link(self) -> _Link | None:
        """The running loop's link (made on first use); None outside a loop or once closed."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        link = self._links.get(loop)
        if link is None and not self._closed:
            client = self.connection.async_client()
            link = self._links[loop] = _Link(client, loop.create_task(_keep(client)))
        return link

    def _send_soon(self, link: _Link) -> None:
        if link.sender is None:
            # Sent from a task of its own, on the next turn of the loop: every call queued
            # until then goes in the same round trip.
            link.sender = asyncio.get_running_loop().create_task(self._send_queued(link))

    def _wait_for_carrier(self, link: _Link) -> None:
        if link.waiting is None and link.sender is None:
            loop = asyncio.get_running_loop()
            link.waiting = loop.call_later(DEFER_SECONDS, self._send_alone, link)

    def _send_alone(self, link: _Link) -> None:
        link.waiting = None
        if link.queued or self._counts:
            self._send_soon(link)

    async def _send_queued(self, link: _Link) -> None:
        if link.waiting is not None:
            link.waiting.cancel()
            link.waiting = None
        try:
            while link.queued or self._counts:
                batch, link.queued = link.queued[:MAX_BATCH], link.queued[MAX_BATCH:]
                batch = self._carried(batch)
                try:
                    results = await self._execute(link.client, batch)
                except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
                    unavailable = self.connection.failed(error)
                    for call in batch:
                        _settle(call, None, unavailable)
                    continue
                except Exception as error:  # noqa: BLE001 - handed to every waiting request
                    for call in batch:
                        _settle(call, None, error)
                    continue
                for call, result in zip(batch, results, strict=True):
                    if isinstance(result, Exception):
                        _settle(call, None, result)
                    else:
                        _settle(call, result, None)
        finally:
            link.sender = None

    def _carried(self, batch: list[_Call]) -> list[_Call]:
        """`batch` with the pending counts on its first carrying call, or on a script of their
        own (this send is the one that was due to carry them)."""
        if not self._counts:
            return batch
        with self._counts_lock:
            counts, self._counts = self._counts, {}
        for index, call in enumerate(batch):
            if call.carries:
                batch[index] = _Call(
                    call.script, call.command, _with_counts(call.args, counts, 2), call.future, True
                )
                return batch
        script = self._counts_alone
        alone = _Call(script, "EVALSHA", _with_counts([script.sha, 0], counts, 2), None)
        return [alone, *batch]

    async def _execute(self, client: redis.asyncio.Redis, batch: list[_Call]) -> list[Any]:
        pipe = client.pipeline(transaction=False)
        for call in batch:
            pipe.execute_command(call.command, *call.args)
        results = list(await pipe.execute(raise_on_error=False))
        for index, (call, result) in enumerate(zip(batch, results, strict=True)):
            if isinstance(result, redis.exceptions.NoScriptError) and call.script is not None:
                # Redis restarted empty: load the script, run the call again (in order: later
                # calls of this batch already ran, as they would have behind a slow call).
                await client.script_load(call.script.script)
                results[index] = await client.execute_command(call.command, *call.args)
            elif isinstance(result, (redis.ConnectionError, redis.TimeoutError)):
                raise result
            elif isinstance(result, redis.ResponseError) and str(result).startswith(_TRANSIENT):
                retry = max(1, round(self.connection.retry_after))
                results[index] = StoreUnavailable(f"the Redis store is not ready: {result}", retry)
        return results


_TRANSIENT = ("LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN")
"""What a restarting Redis answers (as `redis_client` reads them): 503, not 500."""


def _with_counts(args: Sequence[Any], counts: PendingCounts, at: int) -> list[Any]:
    """A call's `numkeys, keys..., args...` (from `args[at - 1]`) with the counts' keys after
    its keys and each count's field and amount after its args (`apply_counts`)."""
    own = int(args[at - 1])
    keys = [key for key, _ in counts]
    fields = [part for (_, name), amount in counts.items() for part in (name, amount)]
    head, rest = args[: at - 1], args[at:]
    return [*head, own + len(keys), *rest[:own], *keys, *rest[own:], *fields]


def _settle(call: _Call, result: Any, error: BaseException | None) -> None:
    future = call.future
    if future is None:
        if error is not None:
            logger.debug("deferred %s not applied: %s", call.command, error)
        return
    if future.done():  # its request was cancelled (the client went away)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


async def _keep(client: redis.asyncio.Redis) -> None:
    try:
        await asyncio.Event().wait()
    finally:
        await client.aclose()


_BATCHERS: weakref.WeakKeyDictionary[RedisConnection, Batcher] = weakref.WeakKeyDictionary()
_BATCHERS_LOCK = threading.Lock()


def batcher_for(connection: RedisConnection) -> Batcher:
    """The connection's one batcher (every world on one connection shares it)."""
    batcher = _BATCHERS.get(connection)  # once made, found without the lock: on every request
    if batcher is not None:
        return batcher
    with _BATCHERS_LOCK:
        batcher = _BATCHERS.get(connection)
        if batcher is None:
            batcher = _BATCHERS[connection] = Batcher(connection)
        return batcher


def close_batcher(connection: RedisConnection) -> None:
    """Closes the connection's batcher, if it has one (`EventsMock.close`)."""
    with _BATCHERS_LOCK:
        batcher = _BATCHERS.pop(connection, None)
    if batcher is not None:
        batcher.close()
