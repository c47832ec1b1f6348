"""What a broken server is made of: the real mock, with one exchange seen and changed.

A tiny ASGI toolkit (`Rewrite` runs the app and lets a function change one kind of answer, or
the request before the app sees it), and `BrokenServer`, one server breaking one rule, with
the `evidence` the verify report must contain for the break to count as caught.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from events_mock.app import EventsMock
from events_mock.barchart.jobs import JobSettings
from events_mock.clock import MockClock

ASGIApp = Callable[
    [dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]
]
Query = dict[str, list[str]]

VERIFY_TENANTS = {"demo": "demo-token", "other": "other-token"}
"""The collector tenants of the broken servers (`VERIFY_CREDENTIALS` names them)."""
BILLING_TOKENS = {"demo": "demo-billing-token"}
BILLING_EVENTS = 400
OTHER_USER = ("other", "other-password")
"""The second Barchart user of the broken servers, for the identity checks."""
VERIFY_CREDENTIALS = {
    "barchart": ("--other-user", ":".join(OTHER_USER)),
    "event-collector": (
        "--token", "demo-token", "--tenant", "demo", "--other-tenant", "other:other-token",
    ),
    "billing-care": ("--token", "demo-billing-token"),
    "control": (),
}  # fmt: skip
"""What `verify --api NAME` is given against these servers: the configured credentials."""


# ---------------------------------------------------------------------------------------------
# A tiny ASGI toolkit: see and change one exchange


@dataclass
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    request_body: bytes
    query: str = ""
    """The raw query string; `before` may change it, and the app then sees the new one."""
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)

    def set_json(self, value: Any) -> None:
        self.body = json.dumps(value).encode()


class Rewrite:
    """Run the app, then let `rewrite` change the answer of the exchanges `when` picks.

    `before` may answer instead of the app (return True after filling status and body) or
    change the request path, headers, query string and body the app sees.
    """

    def __init__(
        self,
        app: ASGIApp,
        when: Callable[[Exchange], bool],
        rewrite: Callable[[Exchange], None] | None = None,
        before: Callable[[Exchange], bool] | None = None,
    ) -> None:
        self.app, self.when, self.rewrite, self.before = app, when, rewrite, before

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_body = await _read_body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode("latin-1")
        exchange = Exchange(scope["method"], scope["path"], headers, request_body, query)
        if not self.when(exchange):
            await self.app(scope, _replay(request_body), send)
            return
        if self.before is not None and self.before(exchange):
            await _answer(send, exchange)
            return
        if exchange.request_body != request_body:
            exchange.headers["content-length"] = str(len(exchange.request_body))
        if exchange.path != scope["path"]:
            scope = {**scope, "path": exchange.path, "raw_path": exchange.path.encode()}
        scope = {
            **scope,
            "query_string": exchange.query.encode("latin-1"),
            "headers": [
                (k.encode("latin-1"), v.encode("latin-1")) for k, v in exchange.headers.items()
            ],
        }
        chunks: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
                exchange.response_headers = {
                    k.decode("latin-1").lower(): v.decode("latin-1")
                    for k, v in message.get("headers", [])
                }
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, _replay(exchange.request_body), capture)
        exchange.body = b"".join(chunks)
        if self.rewrite is not None:
            self.rewrite(exchange)
        await _answer(send, exchange)


async def _read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


def _replay(body: bytes) -> Any:
    """The request body again; then, like a client that stays connected, nothing more."""
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # cancelled by the app once it has answered
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _answer(send: Any, exchange: Exchange) -> None:
    headers = {**exchange.response_headers, "content-length": str(len(exchange.body))}
    headers.setdefault("content-type", "application/json")
    await send(
        {
            "type": "http.response.start",
            "status": exchange.status,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": exchange.body})


def with_clock_control(app: ASGIApp, clock: MockClock) -> ASGIApp:
    """`POST /__mock/clock/advance {"seconds": N}`, as the control plane offers it."""

    async def control(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/__mock/clock/advance":
            seconds = json.loads(await _read_body(receive) or b"{}").get("seconds", 0)
            exchange = Exchange("POST", scope["path"], {}, b"", status=200)
            exchange.set_json({"now": clock.advance(float(seconds))})
            await _answer(send, exchange)
            return
        await app(scope, receive, send)

    return control


def on(method: str, path_prefix: str, path_suffix: str = "") -> Callable[[Exchange], bool]:
    return lambda e: (
        e.method == method and e.path.startswith(path_prefix) and e.path.endswith(path_suffix)
    )


def edit_json(edit: Callable[[Any], Any]) -> Callable[[Exchange], None]:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 200:
            exchange.set_json(edit(exchange.json()))

    return rewrite


def edit_query(edit: Callable[[Query], Query]) -> Callable[[Exchange], bool]:
    """A `before` that changes the query parameters the app sees (then lets it answer)."""

    def before(exchange: Exchange) -> bool:
        exchange.query = urlencode(edit(parse_qs(exchange.query, keep_blank_values=True)), True)
        return False

    return before


def query_of(exchange: Exchange) -> Query:
    return parse_qs(exchange.query, keep_blank_values=True)


# ---------------------------------------------------------------------------------------------
# The servers


@dataclass(frozen=True)
class BrokenServer:
    name: str
    operation: str
    rule: str
    """The one rule it breaks."""
    evidence: str
    """Text the verify report must contain for the break to count as caught."""
    breaks: Callable[[EventsMock, ASGIApp], ASGIApp]
    jobs: JobSettings = field(default_factory=JobSettings)
    api: str = "barchart"
    """Which API's contract it breaks: what `verify --api` is run with."""
    select: str = field(kw_only=True)
    """`verify -k` expression of the suite's tests that catch it: only those run against it
    (the whole suite per server took minutes), and they must still report `evidence`."""
    rule_id: str = field(default="", kw_only=True)
    """The inventory rule it breaks (`events_mock.contract.rules`): its check must catch it."""
    control_token: str | None = field(default=None, kw_only=True, repr=False)
    """The mock's `--control-token`, if it is started with one; `verify` is given it as
    `--token` (`verify_args`)."""
