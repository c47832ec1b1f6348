"""Group commit: the Redis calls of concurrent requests sent together, the event loop free.

Every request to a mocked API needs two Redis calls of the control plane's: the fault rules'
decision before it is answered, its journal entry before the end of the answer is sent (so a
client that asks the journal next, on any worker, finds it). Made with the synchronous client
on the event loop, each would block every other request for a round trip. Made here, a request
awaits its call while one thread sends every call queued meanwhile in one pipeline: with 32
clients at once, one round trip serves many requests, and the loop parses and answers other
requests in the meantime. Each call still completes before its request goes on, so nothing is
weaker than one call at a time: the pipeline runs the calls in the order they were queued.

Scripts in a pipeline are run by SHA (`EVALSHA`); one Redis lost (a restart) is loaded again
and its calls run again, as `redis.commands.core.Script` does for a single call.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis
from redis.commands.core import Script

from events_mock.stores.redis_client import RedisConnection, StoreUnavailable

__all__ = ["Batcher", "batcher_for", "close_batcher"]

MAX_BATCH = 256
"""Calls sent in one pipeline at most; more wait for the next round trip."""


@dataclass
class _Call:
    script: Script | None
    command: str
    args: Sequence[Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


class Batcher:
    """One thread per connection sending the queued calls; started on first use."""

    def __init__(self, connection: RedisConnection) -> None:
        self.connection = connection
        self._queue: list[_Call] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._closed = False

    async def script(self, script: Script, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        """`script(keys, args)`, sent with the other requests' calls."""
        return await self._call(script, "EVALSHA", [len(keys), *keys, *args])

    async def command(self, command: str, *args: Any) -> Any:
        """A plain command (`GET`, ...), sent with the other requests' calls."""
        return await self._call(None, command, args)

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify()

    async def _call(self, script: Script | None, command: str, args: Sequence[Any]) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        with self._ready:
            if self._thread is None or self._pid != os.getpid():
                # First use, or first in a forked child (the parent's thread is not here).
                self._pid, self._queue = os.getpid(), []
                self._thread = threading.Thread(
                    target=self._run, name="events-mock-redis", daemon=True
                )
                self._thread.start()
            self._queue.append(_Call(script, command, args, future, loop))
            self._ready.notify()
        return await future

    def _run(self) -> None:
        retry = max(1, round(self.connection.retry_after))
        while True:
            with self._ready:
                while not self._queue and not self._closed:
                    self._ready.wait()
                if self._closed:
                    batch, self._queue = self._queue, []
                    for call in batch:
                        _settle(call, None, StoreUnavailable("the mock is closing"))
                    return
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            self._send(batch, retry)

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
    def settle() -> None:
        if call.future.done():
            return
        if error is not None:
            call.future.set_exception(error)
        else:
            call.future.set_result(result)

    with contextlib.suppress(RuntimeError):  # the request's loop closed: nobody waits now
        call.loop.call_soon_threadsafe(settle)


_BATCHERS: weakref.WeakKeyDictionary[RedisConnection, Batcher] = weakref.WeakKeyDictionary()
_BATCHERS_LOCK = threading.Lock()


def batcher_for(connection: RedisConnection) -> Batcher:
    """The connection's one batcher (every world on one connection shares its thread)."""
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
