"""The `events-mock` command line: `serve` runs the mock, `verify` tests a deployment,
`coverage` compares what client tests drove with what `verify` proved."""

from __future__ import annotations

import argparse
import gc
import logging
import math
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from uvicorn.config import LOG_LEVELS
from uvicorn.logging import DefaultFormatter
from uvicorn.server import STARTUP_FAILURE

import events_mock.cli_warnings  # noqa: F401 - its filter, before the mock's imports
from events_mock.app import (
    DEMO_BILLING_TOKENS,
    DEMO_TENANTS,
    DEMO_USERS,
    EventsMock,
    MockConfig,
)
from events_mock.barchart.jobs import JobSettings
from events_mock.billing.dataset import (
    MAX_GENERATED_EVENTS,
    BillingDataset,
    DatasetError,
    load_json,
)
from events_mock.control import ControlSettings
from events_mock.control.access import is_local
from events_mock.control.journal import redact_path
from events_mock.cors import CorsSettings
from events_mock.credentials import credentials
from events_mock.framework.protocol import ConnectionLimits, bounded_protocol
from events_mock.framework.workers import WorkerConfig, run_workers
from events_mock.persistence import (
    FSYNC_POLICIES,
    DurableState,
    LoadFailed,
    StateFileInUse,
    Unwritable,
)
from events_mock.sandboxes import SandboxSettings
from events_mock.server_limits import RequestLimits
from events_mock.serving import (
    STORE_ENV,
    STORE_PREFIX_ENV,
    check_redis,
    describe_store,
    store_location,
)
from events_mock.stores import StoreLocation
from events_mock.stores.location import DEFAULT_PREFIX
from events_mock.version import package_version

SERVE_DESCRIPTION = """\
Serve the mock of every API (Barchart events, Event Collector, Billing Care search) and its
control plane (/__mock/) on one port, with a Swagger UI at /ui/ and a home page at /. The
state lives in memory unless --state-file names a file to keep it in, or --store a Redis that
every worker (--workers N) and every replica on it shares."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="events-mock", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the mock server", description=SERVE_DESCRIPTION)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port",
        type=port_number,
        default=8080,
        help="port to bind, 1 to 65535, or 0 for any free one (the banner names it; default 8080)",
    )
    serve.add_argument(
        "--user",
        dest="users",
        action="append",
        type=credentials,
        metavar="NAME:PASSWORD",
        help="a Basic-auth user of the Barchart API (repeatable; default demo:demo)",
    )
    serve.add_argument(
        "--tenant",
        dest="tenants",
        action="append",
        type=credentials,
        metavar="NAME:TOKEN",
        help="an Event Collector tenant and its bearer token (repeatable; default demo:demo-token)",
    )
    serve.add_argument(
        "--billing-token",
        dest="billing_tokens",
        action="append",
        type=credentials,
        metavar="NAME:TOKEN",
        help="a Billing Care client and its bearer token "
        "(repeatable; default demo:demo-billing-token)",
    )
    serve.add_argument(
        "--billing-seed",
        type=int,
        default=MockConfig.billing_seed,
        help=f"seed of the generated Billing Care events (default {MockConfig.billing_seed})",
    )
    serve.add_argument(
        "--billing-events",
        type=billing_event_count,
        default=MockConfig.billing_events,
        help=f"how many Billing Care events to generate, 0 to {MAX_GENERATED_EVENTS} "
        f"(default {MockConfig.billing_events})",
    )
    serve.add_argument(
        "--billing-data",
        type=billing_data,
        metavar="FILE",
        help="serve these Billing Care records (a JSON array of the spec's Event) instead of "
        "generated ones",
    )
    defaults = JobSettings()
    serve.add_argument(
        "--job-seconds",
        type=float,
        default=defaults.base_seconds,
        help=f"how long every report job runs at least (default {defaults.base_seconds})",
    )
    serve.add_argument(
        "--job-seconds-per-1000-events",
        type=float,
        default=defaults.seconds_per_1000_events,
        help="how much longer a job runs per 1000 matching events "
        f"(default {defaults.seconds_per_1000_events})",
    )
    serve.add_argument(
        "--timeout-events",
        type=int,
        default=defaults.timeout_events,
        help=f"jobs matching more events than this end TIMEOUT (default {defaults.timeout_events})",
    )
    serve.add_argument(
        "--job-ttl",
        type=finite_positive_float,
        default=defaults.ttl_seconds,
        metavar="SECONDS",
        help="a finished report job is forgotten this long after it ended, in mock time "
        f"(default {defaults.ttl_seconds:g}: 24 hours)",
    )
    serve.add_argument(
        "--max-jobs",
        type=positive_int,
        default=defaults.max_jobs,
        help="starting a report job past this many live ones is refused with 507 "
        f"(default {defaults.max_jobs})",
    )
    serve.add_argument(
        "--max-links",
        type=positive_int,
        default=defaults.max_links,
        help="live download links over all jobs; issuing one more retires the oldest "
        f"(default {defaults.max_links})",
    )
    serve.add_argument(
        "--max-body-bytes",
        type=int,
        default=MockConfig.max_body_bytes,
        help="larger request bodies are refused with 413 before they are read "
        f"(default {MockConfig.max_body_bytes})",
    )
    serve.add_argument(
        "--max-events-per-request",
        type=int,
        default=MockConfig.max_events_per_request,
        help="a POST /events with more events is refused with 413 "
        f"(default {MockConfig.max_events_per_request})",
    )
    serve.add_argument(
        "--max-stored-events",
        type=int,
        default=MockConfig.max_stored_events,
        help="writes past this many stored events are refused whole with 507 "
        f"(default {MockConfig.max_stored_events})",
    )
    serve.add_argument(
        "--max-sandboxes",
        type=int,
        default=SandboxSettings.max_sandboxes,
        help="most live sandboxes (POST /__mock/sandboxes past it: 507; "
        f"default {SandboxSettings.max_sandboxes})",
    )
    serve.add_argument(
        "--sandbox-ttl",
        type=float,
        default=SandboxSettings.ttl_seconds,
        help="a sandbox expires after this many seconds of real time without a request "
        f"(default {SandboxSettings.ttl_seconds:g})",
    )
    serve.add_argument(
        "--max-sandbox-events",
        type=int,
        default=SandboxSettings.max_total_events,
        help="events all sandboxes may hold together; each also holds at most "
        f"--max-stored-events (default {SandboxSettings.max_total_events})",
    )
    serve.add_argument(
        "--max-stored-bytes",
        type=positive_int,
        default=MockConfig.max_stored_bytes,
        metavar="BYTES",
        help="writes that would make a store hold more than this are refused whole with 507: "
        "Barchart counts context values and versions (plus 100 bytes an event), the Event "
        f"Collector each event's JSON size (default {MockConfig.max_stored_bytes}, per store)",
    )
    add_server_limit_options(serve)
    serve.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every response against the spec (a 500 names any mismatch)",
    )
    serve.add_argument(
        "--log-level",
        type=str.lower,
        choices=list(LOG_LEVELS),
        default="info",
        help=f"uvicorn's log level: {', '.join(LOG_LEVELS)} (default info)",
    )
    serve.add_argument(
        "--state-file",
        metavar="PATH",
        help="keep the mock's state in PATH: loaded at start (if it exists), every "
        "acknowledged write appended to PATH.log.N before it is answered, compacted into "
        "PATH off the event loop and on shutdown (a symlink stays one; one server per file)",
    )
    serve.add_argument(
        "--save-interval",
        type=positive_float,
        default=30.0,
        metavar="SECONDS",
        help="how often the write log is compacted into --state-file when something was "
        "written (default 30; sooner once the log outgrows 64 MiB and the file)",
    )
    serve.add_argument(
        "--fsync",
        choices=FSYNC_POLICIES,
        default="everysec",
        help="when the write log is flushed to disk, like Redis' appendfsync: always (before "
        "each answer), everysec (default: at most about 1 s of writes lost on power loss), "
        "no (when the OS likes); a killed process loses nothing under any",
    )
    serve.add_argument(
        "--store",
        metavar="memory|redis://HOST:PORT/DB",
        help="where the state lives: 'memory' (this process) or a Redis every worker and "
        f"replica on it shares; also rediss://... and unix:///path (default ${STORE_ENV}, "
        "else memory)",
    )
    serve.add_argument(
        "--store-prefix",
        metavar="PREFIX",
        help="every Redis key starts with PREFIX:, so one Redis can hold several mocks "
        f"(1 to 64 of letters, digits, _ . -; default ${STORE_PREFIX_ENV}, else "
        f"{DEFAULT_PREFIX})",
    )
    serve.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        metavar="N",
        help="serve with N worker processes on one port; more than 1 needs --store redis://... "
        "(default 1)",
    )
    serve.add_argument(
        "--control-token",
        default=os.environ.get("EVENTS_MOCK_CONTROL_TOKEN"),
        metavar="TOKEN",
        help="require 'Authorization: Bearer TOKEN' on /__mock/ and accept it from any address "
        "(default: $EVENTS_MOCK_CONTROL_TOKEN; without a token only loopback callers may)",
    )
    serve.add_argument(
        "--allowed-host",
        dest="allowed_hosts",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name besides localhost/127.0.0.1/[::1] under which loopback callers may "
        "use /__mock/ without a token (protects against DNS rebinding); repeatable",
    )
    serve.add_argument(
        "--cors-origin",
        dest="cors_origins",
        type=cors_origin,
        action="append",
        default=[],
        metavar="ORIGIN",
        help="an origin whose pages may call the mocked APIs (CORS), e.g. https://app.example, "
        "or * for any; repeatable (default: http(s)://localhost, 127.0.0.1 or [::1], any port)",
    )
    serve.add_argument(
        "--cors-control",
        action="store_true",
        help="let those origins' pages use /__mock/ too (by default no other origin may)",
    )
    serve.add_argument(
        "--journal-size",
        type=int,
        default=ControlSettings.journal_size,
        metavar="ENTRIES",
        help="how many recent requests the journal keeps, oldest dropped first "
        f"(default {ControlSettings.journal_size})",
    )
    serve.add_argument(
        "--journal-bytes",
        type=non_negative_int,
        default=ControlSettings.journal_bytes,
        metavar="BYTES",
        help="the most bytes the journal's entries hold in all, oldest dropped first; "
        "each entry keeps 64 KiB of each body, 8 KiB of each header value, 64 KiB of headers "
        f"(default {ControlSettings.journal_bytes}, 64 MiB)",
    )
    serve.add_argument(
        "--max-fault-rules",
        type=positive_int,
        default=ControlSettings.max_fault_rules,
        metavar="RULES",
        help="adding a fault rule past this many is refused with 507 "
        f"(default {ControlSettings.max_fault_rules})",
    )

    from events_mock.contract.command import add_verify_parser

    add_verify_parser(commands)
    from events_mock.proxy.command import add_proxy_parser

    add_proxy_parser(commands)
    from events_mock.coverage.command import add_coverage_parser

    add_coverage_parser(commands)
    return parser


DEFAULT_SHUTDOWN_TIMEOUT = 10


def add_server_limit_options(serve: argparse.ArgumentParser) -> None:
    """What one client may cost: head size, query parameters, connections, time."""
    requests, connections = RequestLimits(), ConnectionLimits()
    serve.add_argument(
        "--max-header-bytes",
        type=positive_int,
        default=requests.max_header_bytes,
        metavar="BYTES",
        help="a request line plus headers larger than this is refused with 431 "
        f"(default {requests.max_header_bytes})",
    )
    serve.add_argument(
        "--max-query-params",
        type=positive_int,
        default=requests.max_query_params,
        metavar="COUNT",
        help="a query string with more parameters is refused with 400 before it is parsed "
        f"(default {requests.max_query_params})",
    )
    serve.add_argument(
        "--max-connections",
        type=positive_int,
        default=connections.max_connections,
        metavar="COUNT",
        help="past this many open connections a new one closes the longest-idle one, or is "
        "answered 503 if every one is busy; keep it under the file descriptor limit "
        f"(ulimit -n; default {connections.max_connections})",
    )
    serve.add_argument(
        "--idle-timeout",
        type=positive_float,
        default=connections.idle_timeout,
        metavar="SECONDS",
        help="a connection silent this long, fresh or between requests, is closed "
        f"(default {connections.idle_timeout:g})",
    )
    serve.add_argument(
        "--request-timeout",
        type=positive_float,
        default=requests.request_timeout,
        metavar="SECONDS",
        help="a request head not finished this long after its first byte, or a body not "
        "finished this long after its head, is answered 408 "
        f"(default {requests.request_timeout:g})",
    )
    serve.add_argument(
        "--shutdown-timeout",
        type=positive_int,
        default=DEFAULT_SHUTDOWN_TIMEOUT,
        metavar="SECONDS",
        help="on SIGTERM or Ctrl-C, requests still running this long are cancelled; then the "
        f"state is saved and the server exits (default {DEFAULT_SHUTDOWN_TIMEOUT})",
    )


def port_number(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value}") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"must be 1 to 65535 (or 0 for any free port): {value}")
    return number


def cors_origin(value: str) -> str:
    """An origin as browsers send it (`scheme://host[:port]`, nothing after), or `*`: one with
    a path or a trailing slash would never match, and silently allow nothing."""
    parts = urlsplit(value)
    if value == "*" or (
        parts.scheme in ("http", "https")
        and parts.netloc
        and value == f"{parts.scheme}://{parts.netloc}"
    ):
        return value
    raise argparse.ArgumentTypeError(
        f"not an origin (scheme://host[:port], no path, e.g. https://app.example): {value}"
    )


def billing_event_count(value: str) -> int:
    count = int(value)
    if not 0 <= count <= MAX_GENERATED_EVENTS:
        raise argparse.ArgumentTypeError(f"must be 0 to {MAX_GENERATED_EVENTS}: {value}")
    return count


def billing_data(path: str) -> BillingDataset:
    try:
        return load_json(Path(path).read_bytes())
    except (OSError, DatasetError) as error:
        raise argparse.ArgumentTypeError(f"{path}: {error}") from None


def non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {value}")
    return number


def finite_positive_float(value: str) -> float:
    number = positive_float(value)
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"must be finite: {value}")
    return number


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number: {value}")
    return number


def positive_float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value}")
    return number


def serve(args: argparse.Namespace) -> None:
    location = store_location(args)
    if not location.is_memory:
        check_redis(location)
    if args.workers > 1:
        config = WorkerConfig(
            worker_config,
            args.argv,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
        )
        if not run_workers(config, lambda port: print_banner(args, port, location)):
            sys.exit(STARTUP_FAILURE)
        return
    server = AnnouncingServer(
        server_config(args, location), lambda port: print_banner(args, port, location)
    )
    server.run()
    if not server.started:  # as `uvicorn.run` does
        sys.exit(STARTUP_FAILURE)


def worker_config(argv: list[str]) -> uvicorn.Config:
    """Run in each `--workers` process (`framework/workers.py`): the same command line, so the
    same config as the parent checked, built here. A failure is uvicorn's start-up failure, which
    stops the parent instead of having it restart the worker for ever."""
    try:
        args = build_parser().parse_args(argv)
        args.argv = argv
        return server_config(args, store_location(args))
    except SystemExit:
        raise SystemExit(STARTUP_FAILURE) from None
    except Exception:
        logging.getLogger("uvicorn.error").exception("a worker could not build the mock")
        raise SystemExit(STARTUP_FAILURE) from None


def mock_config(args: argparse.Namespace, location: StoreLocation) -> MockConfig:
    return MockConfig(
        users=dict(args.users) if args.users else dict(DEMO_USERS),
        tenants=dict(args.tenants) if args.tenants else dict(DEMO_TENANTS),
        billing_tokens=(
            dict(args.billing_tokens) if args.billing_tokens else dict(DEMO_BILLING_TOKENS)
        ),
        billing_seed=args.billing_seed,
        billing_events=args.billing_events,
        billing_data=args.billing_data,
        jobs=JobSettings(
            base_seconds=args.job_seconds,
            seconds_per_1000_events=args.job_seconds_per_1000_events,
            timeout_events=args.timeout_events,
            ttl_seconds=args.job_ttl,
            max_jobs=args.max_jobs,
            max_links=args.max_links,
        ),
        validate_responses=args.validate_responses,
        max_body_bytes=args.max_body_bytes,
        max_events_per_request=args.max_events_per_request,
        max_stored_events=args.max_stored_events,
        sandboxes=SandboxSettings(
            max_sandboxes=args.max_sandboxes,
            ttl_seconds=args.sandbox_ttl,
            max_total_events=args.max_sandbox_events,
        ),
        max_stored_bytes=args.max_stored_bytes,
        control=ControlSettings(
            token=args.control_token or None,
            allowed_hosts=tuple(args.allowed_hosts),
            journal_size=args.journal_size,
            journal_bytes=args.journal_bytes,
            max_fault_rules=args.max_fault_rules,
        ),
        request_limits=RequestLimits(
            max_header_bytes=args.max_header_bytes,
            max_query_params=args.max_query_params,
            request_timeout=args.request_timeout,
        ),
        cors=CorsSettings(origins=tuple(args.cors_origins), control=args.cors_control),
        store=location,
    )


def server_config(args: argparse.Namespace, location: StoreLocation) -> uvicorn.Config:
    """One process's server: the mock built, its state file opened, the bounded protocol."""
    mock = EventsMock(mock_config(args, location))
    app = mock.app
    if args.state_file:
        app = open_state_file(mock, args).lifespan(app)
    logging.getLogger("uvicorn.access").addFilter(RedactSecrets())
    configure_request_log(args.log_level)
    # Everything built so far (specs, catalog, data sets) lives as long as the process: moved
    # out of the garbage collector's sight, full collections stop pausing requests (p99).
    gc.collect()
    gc.freeze()
    connection_limits = ConnectionLimits(
        max_head_bytes=args.max_header_bytes,
        max_connections=args.max_connections,
        idle_timeout=args.idle_timeout,
        request_timeout=args.request_timeout,
    )
    return uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        # No proxy-header rewriting: the control plane's loopback check must see the socket's
        # peer, not what an `X-Forwarded-For` claims (even with FORWARDED_ALLOW_IPS set).
        proxy_headers=False,
        http=bounded_protocol(connection_limits),
        # A deadline, then the lifespan shutdown still runs, and with it the final save.
        timeout_graceful_shutdown=args.shutdown_timeout,
    )


def open_state_file(mock: EventsMock, args: argparse.Namespace) -> DurableState:
    """The state at --state-file, loaded and locked, or the process exits with the reason
    before it serves anything (a file it cannot load is never overwritten: it may hold
    someone's only copy)."""
    durable = DurableState(mock, args.state_file, args.fsync, args.save_interval)
    try:
        durable.open()
    except LoadFailed as error:
        sys.exit(f"events-mock: cannot load --state-file {args.state_file}: {error}")
    except (Unwritable, StateFileInUse) as error:
        sys.exit(f"events-mock: cannot use --state-file {args.state_file}: {error}")
    return durable


class AnnouncingServer(uvicorn.Server):
    """uvicorn's server, calling `announce(port)` once it listens: only then is the banner
    true (a port in use fails after the app was built), and only then is the port known
    (`--port 0`). Uses `Server.startup` and `Server.servers`: public names, no private ones;
    `tests/test_cli.py` runs the command to check the banner's order and port."""

    def __init__(self, config: uvicorn.Config, announce: Callable[[int], None]) -> None:
        super().__init__(config)
        self.announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            (listener, *_) = self.servers[0].sockets
            self.announce(listener.getsockname()[1])


def print_banner(args: argparse.Namespace, port: int, location: StoreLocation) -> None:
    users = dict(args.users) if args.users else DEMO_USERS
    tenants = dict(args.tenants) if args.tenants else DEMO_TENANTS
    billing_tokens = dict(args.billing_tokens) if args.billing_tokens else DEMO_BILLING_TOKENS
    host = f"[{args.host}]" if ":" in args.host else args.host
    base = f"http://{host}:{port}"
    print(f"events-mock serving on {base}", flush=True)
    print(f"  Swagger UI: {base}/ui/", flush=True)
    print(f"  Barchart users: {', '.join(sorted(users))}", flush=True)
    print(f"  Event Collector tenants: {', '.join(sorted(tenants))}", flush=True)
    print(f"  Billing Care clients: {', '.join(sorted(billing_tokens))}", flush=True)
    print(f"  control plane: {base}/__mock/ ({_access(args)})", flush=True)
    print(f"  store: {describe_store(location, args.workers)}", flush=True)
    if args.state_file:
        print(
            f"  state file: {args.state_file} (log fsync {args.fsync}, "
            f"compacted every {args.save_interval:g}s)",
            flush=True,
        )


def configure_request_log(level: str) -> logging.Logger:
    """`events_mock.requests` (each 4xx's reason, at debug) at uvicorn's level and format."""
    logger = logging.getLogger("events_mock.requests")
    logger.setLevel(LOG_LEVELS[level])
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(DefaultFormatter("%(levelprefix)s %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    return logger


class RedactSecrets(logging.Filter):
    """Keep secrets out of uvicorn's access log: download links carry their token in the query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_path(arg) if isinstance(arg, str) and "?" in arg else arg
                for arg in record.args
            )
        return True


def _access(args: argparse.Namespace) -> str:
    if args.control_token:
        return "bearer token required"
    if is_local((args.host, 0)):
        return "loopback only"
    return "loopback callers only; set --control-token to allow others"


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        args.argv = argv  # what each `--workers` process parses again
        serve(args)
    elif args.command == "verify":
        from events_mock.contract.command import verify_command

        raise SystemExit(verify_command(args).exit_code)
    elif args.command == "proxy":
        from events_mock.proxy.command import proxy_command

        raise SystemExit(proxy_command(args))
    elif args.command == "coverage":
        from events_mock.coverage.command import coverage_command

        raise SystemExit(coverage_command(args))


if __name__ == "__main__":
    main()
