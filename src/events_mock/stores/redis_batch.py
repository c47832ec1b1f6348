"""Group commit: the Redis calls of concurrent requests sent together, the event loop free.

Every request to a mocked API needs two Redis calls of the control plane's: the fault rules'
decision before it is answered, its journal entry before the end of the answer is sent (so a
client that asks the journal next, on any worker, finds it). Made with the synchronous client
on the event loop, each would block every other request for a round trip. Made here, a request
awaits its call while one thread sends every call queued meanwhile in one pipeline: with 32
clients at once, one round trip serves many requests, and the loop parses and answers other
requests in the meantime. Each call still completes before its request goes on, so nothing is
weaker than one call at a time: the pipeline runs the calls in the order they were queued.

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
import os
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import redis
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


@dataclass
class _Call:
    script: Script | None
    command: str
    args: Sequence[Any]
    future: asyncio.Future[Any] | None
    """None: deferred, nobody waits for its answer."""
    loop: asyncio.AbstractEventLoop | None
    carries: bool = False
    """A script that applies counts (`apply_counts`): the pending ones ride on it."""


class Batcher:
    """One thread per connection sending the queued calls; started on first use."""

    def __init__(self, connection: RedisConnection) -> None:
        self.connection = connection
        self._queue: list[_Call] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._closed = False
        self._awaited = 0
        """Queued calls someone waits for: the thread sends as soon as there is one."""
        self._counts: dict[tuple[Any, bytes], int] = {}
        """(hash key, field) -> the increment waiting for a call to carry it."""
        self._counts_alone = connection.script(apply_counts(0, 0))

    async def script(
        self, script: Script, keys: Sequence[Any], args: Sequence[Any], *, carries: bool = False
    ) -> Any:
        """`script(keys, args)`, sent with the other requests' calls; with `carries`, a script
        that runs `apply_counts(len(keys), len(args))`, and takes the pending counts along."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._enqueue(_Call(script, "EVALSHA", [len(keys), *keys, *args], future, loop, carries))
        return await future

    async def command(self, command: str, *args: Any) -> Any:
        """A plain command (`GET`, ...), sent with the other requests' calls."""
        return await self._call(command, args)

    def count(self, key: Any, field: bytes, amount: int = 1) -> None:
        """`HINCRBY key field amount`, nobody waiting: carried by the next carrying script
        sent (the journal entry's), else after `DEFER_SECONDS` alone. Lost, not raised, when
        Redis is unavailable: the call it rode on reports the outage to its own request."""
        with self._ready:
            self._started()
            if not self._counts and not self._queue:
                self._ready.notify()  # the thread waits for at most DEFER_SECONDS from now
            counted = (key, field)
            self._counts[counted] = self._counts.get(counted, 0) + amount

    def defer(self, command: str, *args: Any) -> None:
        """A plain command whose answer nobody waits for, sent with the next call queued (or
        after `DEFER_SECONDS`, alone). Its failure is logged (debug) and dropped: the call it
        went with reports the outage to its own request."""
        self._enqueue(_Call(None, command, args, None, None))

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify()

    async def _call(self, command: str, args: Sequence[Any]) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._enqueue(_Call(None, command, args, future, loop))
        return await future

    def _enqueue(self, call: _Call) -> None:
        with self._ready:
            self._started()
            if call.future is not None:
                self._awaited += 1
                self._ready.notify()
            elif not self._queue and not self._counts:
                self._ready.notify()  # the thread waits for at most DEFER_SECONDS from now
            self._queue.append(call)

    def _started(self) -> None:
        """The sending thread, started on first use (called holding `_ready`)."""
        if self._thread is None or self._pid != os.getpid():
            # First use, or first in a forked child (the parent's thread is not here).
            self._pid, self._queue, self._awaited, self._counts = os.getpid(), [], 0, {}
            self._thread = threading.Thread(target=self._run, name="events-mock-redis", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        retry = max(1, round(self.connection.retry_after))
        while True:
            with self._ready:
                alone = False
                while not self._awaited and not self._closed:
                    if not self._queue and not self._counts:
                        self._ready.wait()
                    elif not self._ready.wait(DEFER_SECONDS) and not self._awaited:
                        alone = True  # deferred calls or counts only, and nothing came
                        break
                if self._closed:
                    batch, self._queue, self._awaited = self._queue, [], 0
                    for call in batch:
                        _settle(call, None, StoreUnavailable("the mock is closing"))
                    return
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                self._awaited -= sum(1 for call in batch if call.future is not None)
                counts: dict[tuple[Any, bytes], int] = {}
                if self._counts and (alone or any(call.carries for call in batch)):
                    counts, self._counts = self._counts, {}
            if counts:
                batch = self._carried(batch, counts)
            self._send(batch, retry)

    def _carried(self, batch: list[_Call], counts: dict[tuple[Any, bytes], int]) -> list[_Call]:
        """`batch` with `counts` on its first carrying call, or on a script of their own."""
        for index, call in enumerate(batch):
            if call.carries:
                carrier = replace(call, args=_with_counts(call.args, counts))
                return [*batch[:index], carrier, *batch[index + 1 :]]
        alone = _Call(self._counts_alone, "EVALSHA", _with_counts([0], counts), None, None)
        return [alone, *batch]

    def _send(self, batch: list[_Call], retry: int) -> None:
        try:
            results = self.connection.run(lambda client: _execute(client, batch, retry))
        except BaseException as error:  # noqa: BLE001 - handed to every waiting request
            for call in batch:
                _settle(call, None, error)
            return
        for call, result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                _settle(call, None, result)
            else:
                _settle(call, result, None)


def _with_counts(args: Sequence[Any], counts: dict[tuple[Any, bytes], int]) -> list[Any]:
    """EVALSHA's `numkeys, keys..., args...` with the counts' keys after the keys and each
    count's field and amount after the args (`apply_counts`)."""
    own = int(args[0])
    keys = [key for key, _ in counts]
    fields = [part for (_, field), amount in counts.items() for part in (field, amount)]
    return [own + len(keys), *args[1 : own + 1], *keys, *args[own + 1 :], *fields]


_TRANSIENT = ("LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN")
"""What a restarting Redis answers (as `redis_client` reads them): 503, not 500."""


def _execute(client: redis.Redis, batch: list[_Call], retry: int) -> list[Any]:
    pipe = client.pipeline(transaction=False)
    for call in batch:
        if call.script is not None:
            pipe.execute_command("EVALSHA", call.script.sha, *call.args)
        else:
            pipe.execute_command(call.command, *call.args)
    results = list(pipe.execute(raise_on_error=False))
    for index, (call, result) in enumerate(zip(batch, results, strict=True)):
        if isinstance(result, redis.exceptions.NoScriptError) and call.script is not None:
            # Redis restarted empty: load the script, run the call again (in order: later
            # calls of this batch already ran, as they would have behind a slow call).
            client.script_load(call.script.script)
            results[index] = client.execute_command("EVALSHA", call.script.sha, *call.args)
        elif isinstance(result, (redis.ConnectionError, redis.TimeoutError)):
            raise result
        elif isinstance(result, redis.ResponseError) and str(result).startswith(_TRANSIENT):
            results[index] = StoreUnavailable(f"the Redis store is not ready: {result}", retry)
    return results


def _settle(call: _Call, result: Any, error: BaseException | None) -> None:
    future, loop = call.future, call.loop
    if future is None or loop is None:
        if error is not None:
            logger.debug("deferred %s not applied: %s", call.command, error)
        return

    def settle() -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    with contextlib.suppress(RuntimeError):  # the request's loop closed: nobody waits now
        loop.call_soon_threadsafe(settle)


_BATCHERS: weakref.WeakKeyDictionary[RedisConnection, Batcher] = weakref.WeakKeyDictionary()
_BATCHERS_LOCK = threading.Lock()


def batcher_for(connection: RedisConnection) -> Batcher:
    """The connection's one batcher (every world on one connection shares its thread)."""
    batcher = _BATCHERS.get(connection)  # once made, found without the lock: on every request
    if batcher is not None:
        return batcher
    with _BATCHERS_LOCK:
        batcher = _BATCHERS.get(connection)
        if batcher is None:
            batcher = _BATCHERS[connection] = Batcher(connection)
        return batcher


def close_batcher(connection: RedisConnection) -> None:
    """Stops the connection's batcher thread, if it has one (`EventsMock.close`)."""
    with _BATCHERS_LOCK:
        batcher = _BATCHERS.pop(connection, None)
    if batcher is not None:
        batcher.close()
