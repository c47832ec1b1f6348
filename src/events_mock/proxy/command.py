"""`events-mock proxy`: its options, and running it under uvicorn until stopped."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

__all__ = ["PROXIED_APIS", "add_proxy_parser", "proxy_command"]

PROXIED_APIS = ["barchart", "event-collector", "billing-care"]
"""The contract suite's APIs (`contract.targets`, not imported: it loads Schemathesis)."""

DESCRIPTION = (
    "Forward one API's requests unchanged to a real deployment (--upstream) and check every "
    "exchange against the spec and the contract suite's rules; each violation is logged, kept "
    "in the proxy's journal (GET /__mock/journal) and summarised on exit."
)


def add_proxy_parser(commands: Any) -> argparse.ArgumentParser:
    proxy = commands.add_parser("proxy", help="validate live traffic", description=DESCRIPTION)
    proxy.add_argument("--upstream", required=True, metavar="URL", help="the service to forward to")
    proxy.add_argument(
        "--api",
        default="barchart",
        choices=PROXIED_APIS,
        help="which API's spec the traffic is held to (default barchart)",
    )
    proxy.add_argument("--host", default="127.0.0.1", help="address to listen on")
    proxy.add_argument("--port", type=int, default=8081, help="port to listen on (default 8081)")
    proxy.add_argument(
        "--strict",
        action="store_true",
        help="refuse a request that breaks the spec with the API's own 400, before the upstream",
    )
    proxy.add_argument(
        "--record",
        metavar="FILE",
        help="write what passed through as a state document (events-mock serve --state-file)",
    )
    proxy.add_argument("--junit-xml", metavar="FILE", help="one test case per exchange, for CI")
    proxy.add_argument(
        "--fail-on-violation",
        action="store_true",
        help="exit with status 1 when stopped if any violation was seen",
    )
    return proxy


def proxy_command(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    import uvicorn

    from events_mock.proxy.app import ProxyApp, ProxyConfig

    app = ProxyApp(
        ProxyConfig(upstream=args.upstream, api=args.api, strict=args.strict, record=args.record)
    )
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    # httpx logs every request's URL at INFO: a report link's token is a secret.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    print(f"events-mock proxy on http://{args.host}:{args.port} -> {args.upstream}", file=out)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", proxy_headers=False)
    return finish(app, args, out)


def finish(app: Any, args: argparse.Namespace, out: TextIO) -> int:
    """The summary, the JUnit file, and the exit status once the proxy stopped."""
    print(app.summary(), file=out, flush=True)
    if args.junit_xml:
        Path(args.junit_xml).write_text(app.junit_xml(), encoding="utf-8")
    return 1 if args.fail_on_violation and app.tally.violations else 0
