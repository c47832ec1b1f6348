"""`serve --workers N`: N uvicorn worker processes on one listening socket.

uvicorn's own supervisor (`uvicorn.supervisors.Multiprocess`) binds the socket in the parent,
spawns the workers (the `spawn` start method: nothing of the parent's heap is inherited),
watches them and restarts one that dies. Each worker needs the app, and the app is not
picklable (Connexion's app, the server's state, the protocol class made per limits), nor should
it be: every worker builds its own from the same description. `WorkerConfig` is the parent's
`uvicorn.Config` and pickles as `build(description)`, so unpickling it in a worker runs the
build there and hands uvicorn's worker the config (the app object, the bounded protocol class,
the shutdown deadline) it would have had in one process.

uvicorn members used: `uvicorn.supervisors.Multiprocess` (subclassed: `init_processes`,
`run`, the `processes` and `should_exit` attributes), its `Process.wait_until_ready` and
`Process.exitcode`, and the fact that it pickles the `Config` into each spawned worker (with
`Config.bind_socket` in the parent). Guard: `tests/stores/test_workers.py` and the
`--workers` tests of `tests/test_cli.py` (a real `serve --workers 2`).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

__all__ = ["STARTUP_FAILURE", "WorkerConfig", "Workers", "run_workers"]

logger = logging.getLogger("uvicorn.error")


class WorkerConfig(uvicorn.Config):
    """The parent's config (address, worker count, logging); in a worker, `build(description)`.

    `description` must pickle (plain data: the command line's arguments), `build` must be a
    module-level function; it runs in each worker and returns that worker's `uvicorn.Config`.
    """

    def __init__(
        self, build: Callable[[Any], uvicorn.Config], description: Any, **options: Any
    ) -> None:
        # The parent never loads an app: the string only satisfies uvicorn's signature.
        super().__init__("events_mock:built-in-each-worker", **options)
        self.build = build
        self.description = description

    def __reduce__(self) -> tuple[Callable[[Any], uvicorn.Config], tuple[Any]]:
        return (self.build, (self.description,))


class Workers(Multiprocess):
    """uvicorn's supervisor, calling `announce(port)` once every worker serves, and
    remembering whether one failed at start-up (so the command exits with uvicorn's code)."""

    def __init__(
        self,
        config: WorkerConfig,
        listener: socket.socket,
        announce: Callable[[int], None],
        ready_timeout: float = 60.0,
    ) -> None:
        super().__init__(config, sockets=[listener])
        self.listener = listener
        self.announce = announce
        self.ready_timeout = ready_timeout
        self.failed_to_start = False

    def init_processes(self) -> None:
        super().init_processes()
        ready = all(
            process.wait_until_ready(self.ready_timeout, self.should_exit)
            for process in self.processes
        )
        if ready:
            self.announce(self.listener.getsockname()[1])
        elif not self.should_exit.is_set():
            self.failed_to_start = True
            self.should_exit.set()

    def run(self) -> None:
        super().run()
        if any(process.exitcode == STARTUP_FAILURE for process in self.processes):
            self.failed_to_start = True


def run_workers(config: WorkerConfig, announce: Callable[[int], None]) -> bool:
    """Serve until SIGINT/SIGTERM; False if the workers could not start."""
    try:
        listener = config.bind_socket()
    except SystemExit:  # uvicorn logged why (e.g. the address is in use)
        return False
    try:
        workers = Workers(config, listener, announce)
        workers.run()
    finally:
        listener.close()
    if workers.failed_to_start:
        logger.error("the workers could not start; see their messages above")
    return not workers.failed_to_start
