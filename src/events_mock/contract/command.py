"""`events-mock verify`'s arguments, kept apart so `events-mock serve` never imports the suite."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from events_mock.auth import parse_credentials
from events_mock.contract.apis import CONTRACT_APIS
from events_mock.contract.options import (
    DEFAULT_API,
    DEFAULT_JOB_TIMEOUT,
    DEFAULT_MAX_EXAMPLES,
    ContractOptions,
)

if TYPE_CHECKING:
    from events_mock.contract.runner import Verdict

HELP = "run the contract suite against a deployment (default: the embedded mock)"
DESCRIPTION = """\
Verify that a deployment conforms to the API's spec: every operation with generated input
(Schemathesis: examples, coverage, fuzzing, stateful), the rules no schema can express, and
credentials. Exit status 0: conforms; 1: does not conform; 2: could not be verified."""


def add_verify_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser("verify", help=HELP, description=DESCRIPTION)
    parser.add_argument(
        "--base-url", metavar="URL", help="deployment to verify (default: start the embedded mock)"
    )
    parser.add_argument(
        "--auth",
        type=_credentials,
        metavar="NAME:PASSWORD",
        help="Basic credentials for secured operations (default: demo:demo)",
    )
    parser.add_argument(
        "--api",
        default=DEFAULT_API,
        choices=sorted(CONTRACT_APIS),
        help=f"which API's spec to verify against (default: {DEFAULT_API})",
    )
    parser.add_argument(
        "--job-timeout",
        type=float,
        default=DEFAULT_JOB_TIMEOUT,
        metavar="SECONDS",
        help="longest wait for one report job (default: 900, the documented "
        "15 minutes); the mock's clock is advanced instead when possible",
    )
    parser.add_argument(
        "--max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
        help="cases per operation when fuzzing, and stateful scenarios "
        f"(default: {DEFAULT_MAX_EXAMPLES})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="seed for generated cases, to reproduce a run (default: random)",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="only operations that store nothing, for shared environments",
    )
    parser.add_argument("--junit-xml", metavar="PATH", help="write a JUnit XML report for CI")
    return parser


def _credentials(value: str) -> tuple[str, str]:
    try:
        return parse_credentials(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def options_from_args(args: argparse.Namespace) -> ContractOptions:
    return ContractOptions(
        base_url=args.base_url,
        auth=args.auth,
        api=args.api,
        job_timeout=args.job_timeout,
        max_examples=args.max_examples,
        seed=args.seed,
        read_only=args.read_only,
    )


def verify_command(args: argparse.Namespace, out: TextIO | None = None) -> Verdict:
    """What `events-mock verify` does, minus the exit: tests call this with the CLI's args."""
    from events_mock.contract.runner import verify

    return verify(options_from_args(args), junit_xml=args.junit_xml, out=out or sys.stdout)
