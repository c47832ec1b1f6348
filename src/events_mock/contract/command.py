"""`events-mock verify`'s arguments, kept apart so `events-mock serve` never imports the suite."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from events_mock.contract.options import ContractOptions, add_options, options_from
from events_mock.contract.targets import CONTRACT_APIS

if TYPE_CHECKING:
    from events_mock.contract.runner import Verdict

HELP = "run the contract suite against a deployment (default: the embedded mock)"
DESCRIPTION = """\
Verify that a deployment conforms to the API's spec: every operation with generated input
(Schemathesis: examples, coverage, fuzzing, stateful), the rules no schema can express, and
credentials. Exit status 0: conforms; 1: does not conform; 2: could not be verified."""


def add_verify_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser("verify", help=HELP, description=DESCRIPTION)
    add_options(parser.add_argument, list(CONTRACT_APIS))
    parser.add_argument("--junit-xml", metavar="PATH", help="write a JUnit XML report for CI")
    return parser


def options_from_args(args: argparse.Namespace) -> ContractOptions:
    return options_from(lambda name: getattr(args, name, None))


def verify_command(args: argparse.Namespace, out: TextIO | None = None) -> Verdict:
    """What `events-mock verify` does, minus the exit: tests call this with the CLI's args."""
    from events_mock.contract.runner import verify

    return verify(options_from_args(args), junit_xml=args.junit_xml, out=out or sys.stdout)
