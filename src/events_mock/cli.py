"""The `events-mock` command line: `serve` runs the mock, `verify` tests a deployment."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

# Connexion imports Starlette's test client, which warns on every start; nothing to act on.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from events_mock.app import DEMO_USERS, EventsMock, MockConfig  # noqa: E402
from events_mock.auth import parse_credentials  # noqa: E402
from events_mock.barchart.jobs import JobSettings  # noqa: E402


def credentials(value: str) -> tuple[str, str]:
    try:
        return parse_credentials(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="events-mock", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the mock server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    serve.add_argument(
        "--user",
        dest="users",
        action="append",
        type=credentials,
        metavar="NAME:PASSWORD",
        help="a Basic-auth user of the Barchart API (repeatable; default demo:demo)",
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
        "--validate-responses",
        action="store_true",
        help="check every response against the spec (a 500 names any mismatch)",
    )
    serve.add_argument("--log-level", default="info", help="uvicorn log level (default info)")

    from events_mock.contract.command import add_verify_parser

    add_verify_parser(commands)
    return parser


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    users = dict(args.users) if args.users else dict(DEMO_USERS)
    config = MockConfig(
        users=users,
        jobs=JobSettings(
            base_seconds=args.job_seconds,
            seconds_per_1000_events=args.job_seconds_per_1000_events,
            timeout_events=args.timeout_events,
        ),
        validate_responses=args.validate_responses,
    )
    mock = EventsMock(config)
    print(f"events-mock serving on http://{args.host}:{args.port}", flush=True)
    print(f"  Swagger UI: http://{args.host}:{args.port}/ui/", flush=True)
    print(f"  users: {', '.join(sorted(users))}", flush=True)
    uvicorn.run(mock.app, host=args.host, port=args.port, log_level=args.log_level)


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        serve(args)
    elif args.command == "verify":
        from events_mock.contract.command import verify_command

        raise SystemExit(verify_command(args).exit_code)


if __name__ == "__main__":
    sys.exit(main())
