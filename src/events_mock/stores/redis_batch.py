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

Scripts in a pipeline are run by SHA (`EVALSHA`); one Redis lost (a restart) is loaded again
and its calls run again, as `redis.commands.core.Script` does for a single call.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import redis
import redis.asyncio
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


@dataclass
class _Link:
    """One event loop's client and the calls waiting for its next round trip."""

    client: redis.asyncio.Redis
    keeper: asyncio.Task[None]
    """Closes the client when cancelled: by `Batcher.close`, or by the loop's own shutdown
    (`asyncio.run` cancels what is left), so no connection outlives its loop."""
    queued: list[_Call] = field(default_factory=list)
    sender: asyncio.Task[None] | None = None


class Batcher:
    """The calls of every request on one connection, pipelined per event loop."""

    def __init__(self, connection: RedisConnection) -> None:
        self.connection = connection
        self._links: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Link] = (
            weakref.WeakKeyDictionary()
        )
        self._closed = False

    async def script(self, script: Script, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        """`script(keys, args)`, sent with the other requests' calls."""
        return await self._call(script, "EVALSHA", [script.sha, len(keys), *keys, *args])

    async def command(self, command: str, *args: Any) -> Any:
        """A plain command (`GET`, ...), sent with the other requests' calls."""
        return await self._call(None, command, args)

    def close(self) -> None:
        """No new calls; each loop's client is closed on its loop once its calls are sent."""
        self._closed = True
        for loop, link in list(self._links.items()):
            if not loop.is_closed():
                loop.call_soon_threadsafe(link.keeper.cancel)

    async def _call(self, script: Script | None, command: str, args: Sequence[Any]) -> Any:
        if self._closed:
            raise StoreUnavailable("the mock is closing")
        self.connection.check_up()
        loop = asyncio.get_running_loop()
        link = self._links.get(loop)
        if link is None:
            client = self.connection.async_client()
            link = self._links[loop] = _Link(client, loop.create_task(_keep(client)))
        future: asyncio.Future[Any] = loop.create_future()
        link.queued.append(_Call(script, command, args, future))
        if link.sender is None:
            # Sent from a task of its own, on the next turn of the loop: every call queued
            # until then goes in the same round trip.
            link.sender = loop.create_task(self._send_queued(link))
        return await future

    async def _send_queued(self, link: _Link) -> None:
        try:
            while link.queued:
                batch, link.queued = link.queued[:MAX_BATCH], link.queued[MAX_BATCH:]
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


def _settle(call: _Call, result: Any, error: BaseException | None) -> None:
    if call.future.done():  # its request was cancelled (the client went away)
        return
    if error is not None:
        call.future.set_exception(error)
    else:
        call.future.set_result(result)


async def _keep(client: redis.asyncio.Redis) -> None:
    try:
        await asyncio.Event().wait()
    finally:
        await client.aclose()


_BATCHERS: weakref.WeakKeyDictionary[RedisConnection, Batcher] = weakref.WeakKeyDictionary()
_BATCHERS_LOCK = threading.Lock()


def batcher_for(connection: RedisConnection) -> Batcher:
    """The connection's one batcher (every world on one connection shares it)."""
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
