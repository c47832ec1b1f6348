"""How `serve` runs: which store, one process or `--workers N`, and what it refuses first.

The in-memory store lives in one process, so `--workers 2` on it would be two mocks behind
one port (a job started on one worker is 404 on the other): refused before anything starts.
On Redis every worker, and every replica on another host, builds its own app over the same
keys, so they answer as one mock. Whatever is wrong with the store (a bad URL, a Redis that
does not answer, an option that cannot go with it) is said in one line and the command exits
2, as argparse does for a bad argument: nothing is served, and no traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

import redis

from events_mock.stores import RedisConnection, StoreLocation, StoreUnavailable, parse_store
from events_mock.stores.location import DEFAULT_PREFIX

__all__ = [
    "STORE_ENV",
    "STORE_PREFIX_ENV",
    "USAGE_ERROR",
    "check_redis",
    "describe_store",
    "refuse",
    "store_location",
]

STORE_ENV = "EVENTS_MOCK_STORE"
STORE_PREFIX_ENV = "EVENTS_MOCK_STORE_PREFIX"
USAGE_ERROR = 2
"""argparse's exit code for a bad argument; a store that cannot be used is one too."""


def refuse(message: str) -> NoReturn:
    print(f"events-mock serve: error: {message}", file=sys.stderr, flush=True)
    sys.exit(USAGE_ERROR)


def store_location(args: argparse.Namespace) -> StoreLocation:
    """`--store`/`--store-prefix`, else `$EVENTS_MOCK_STORE`/`$EVENTS_MOCK_STORE_PREFIX`,
    else memory; checked against the other options. Exits 2 with the reason otherwise."""
    text, source = args.store, "--store"
    if text is None:
        text, source = os.environ.get(STORE_ENV), f"${STORE_ENV}"
    prefix, prefix_source = args.store_prefix, "--store-prefix"
    if prefix is None:
        prefix = os.environ.get(STORE_PREFIX_ENV) or DEFAULT_PREFIX
        prefix_source = f"${STORE_PREFIX_ENV}"
    try:
        parse_store(None, prefix)
    except ValueError as error:
        refuse(f"{prefix_source}: {error}")
    try:
        location = parse_store(text, prefix)
    except ValueError as error:
        refuse(f"{source}: {error}")
    if location.is_memory and args.workers > 1:
        refuse(
            f"--workers {args.workers} needs a shared store: --store redis://HOST:PORT/DB "
            "(with the in-memory store each worker would hold its own events, jobs and clock, "
            "and a job started on one would be 404 on another)"
        )
    if not location.is_memory and args.state_file:
        refuse(
            "--state-file keeps the in-memory store on disk; the Redis store is kept by Redis "
            "(its RDB snapshots or AOF): use --state-file or --store redis://..., not both"
        )
    return location


def check_redis(location: StoreLocation, timeout: float = 2.0) -> None:
    """Exit 2 with the reason unless the Redis at `location` answers a PING within `timeout`:
    a mock that started but answers every request 503 would be a worse way to find out."""
    connection = RedisConnection(location, timeout=timeout)
    try:
        connection.run(lambda client: client.ping())
    except (StoreUnavailable, redis.RedisError) as error:
        refuse(f"the Redis store at {location.describe()} does not answer: {error}")
    finally:
        connection.close()


def describe_store(location: StoreLocation, workers: int) -> str:
    """The banner's `store:` line."""
    if location.is_memory:
        return "memory (this process; --store redis://... to share it)"
    shown = f"{location.describe()}, shared by every worker and replica on it"
    return shown + (f"; {workers} workers" if workers > 1 else "")
