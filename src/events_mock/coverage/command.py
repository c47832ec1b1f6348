"""`events-mock coverage FILE... [--html REPORT]`: both sides of the spec, compared.

Takes coverage documents of either side, in any order and number (each side's are added up):
what client tests drove (`GET /__mock/coverage`, the pytest plugin's `--events-mock-coverage`)
and what `verify --coverage` proved. Prints the comparison and, with `--html`, writes it as
one static page. Exit status 0, or 2 for a file that is not a coverage document.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from events_mock.coverage.document import CoverageError, load_document
from events_mock.coverage.report import compare, render_html, split_sides, text_summary

__all__ = ["add_coverage_parser", "coverage_command"]

HELP = "compare what client tests drove on the mock with what verify proved on a target"
DESCRIPTION = """\
Read coverage documents (JSON: GET /__mock/coverage, pytest --events-mock-coverage FILE,
events-mock verify --coverage FILE) and show, for every documented response, whether client
tests drove it, whether it was verified on the target, or neither."""


def add_coverage_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser("coverage", help=HELP, description=DESCRIPTION)
    parser.add_argument("documents", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--html", type=Path, metavar="REPORT", help="write the page here")
    return parser


def coverage_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        client, proven = split_sides([load_document(path) for path in args.documents])
    except CoverageError as error:
        out.write(f"events-mock coverage: {error}\n")
        return 2
    rows = compare(client, proven)
    for line in text_summary(rows):
        out.write(line + "\n")
    if args.html is not None:
        args.html.write_text(render_html(rows))
        out.write(f"HTML report: {args.html}\n")
    return 0
