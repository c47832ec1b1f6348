"""The proxy itself: an ASGI app forwarding every request unchanged to the upstream.

The request's body is read whole (it is checked, and with `strict` refused, before anything
reaches the upstream); the answer streams back to the client chunk by chunk as it arrives and
is checked once complete. Hop-by-hop headers are not forwarded either way (RFC 9110 7.6.1).
Credentials pass through untouched; the journal only ever shows them redacted (the control
plane's `Journal`). The proxy answers two paths itself: `/__mock/journal` (each entry with its
`violations`) and `/__mock/faults` (the control plane's `FaultRules`, applied before forwarding).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from events_mock.control import access
from events_mock.control.faults import FaultRules, TooManyFaultRules
from events_mock.control.journal import Exchange, Journal, JournalEntry, redact_path
from events_mock.control.middleware import Truncating
from events_mock.framework.connection import drop_connection
from events_mock.proxy.checker import ExchangeChecker, ProxyViolation, SeenRequest
from events_mock.proxy.exports import ExportLinks, events_of_rows
from events_mock.proxy.record import Recorder

__all__ = ["ProxyApp", "ProxyConfig"]

logger = logging.getLogger("events_mock.proxy")

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
"""Not forwarded (RFC 9110 7.6.1; framing and `Host` are the proxy's own per connection)."""
KEPT_BODY = 1024 * 1024
"""An answer is checked (and recorded) when its body is at most this long: the proxy keeps a
copy of what it streams to judge it, and a larger export is not kept whole."""


def _render_error(api: str) -> Callable[[int, str], Any]:
    if api == "barchart":
        from events_mock.barchart.errors import render_error
    elif api == "event-collector":
        from events_mock.collector.errors import render_error
    elif api == "billing-care":
        from events_mock.billing.errors import render_error
    else:
        from events_mock.barchart.errors import render_error
    return render_error


@dataclass
class ProxyConfig:
    upstream: str
    api: str = "barchart"
    strict: bool = False
    record: str | None = None
    timeout: float = 30.0


@dataclass
class Tally:
    """Violations seen so far, by rule: the summary on exit and the exit status."""

    exchanges: int = 0
    rules: Counter[str] = field(default_factory=Counter)

    @property
    def violations(self) -> int:
        return sum(self.rules.values())


class ProxyApp:
    def __init__(self, config: ProxyConfig) -> None:
        self.config = config
        self.upstream = config.upstream.rstrip("/")
        self.checker = ExchangeChecker(config.api)
        self.render_error = _render_error(config.api)
        self.journal = Journal()
        self.violations: dict[int, list[ProxyViolation]] = {}
        self.tally = Tally()
        self.faults = FaultRules()
        self.recorder = Recorder(config.record, config.api) if config.record else None
        self.exports = ExportLinks()
        """Report links handed out, so their downloads are known as such."""
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        # Made on first use, inside the server's event loop.
        if self._client is None:
            limits = httpx.Limits(max_keepalive_connections=64)
            self._client = httpx.AsyncClient(timeout=self.config.timeout, limits=limits)
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path.startswith("/__mock/"):
            # The proxy's own control paths answer as the mock's do: loopback peers addressed
            # by a loopback name, same origin, and a header or JSON body on changes.
            refused = access.refusal(scope, token_given=False)
            if refused is not None:
                answer = JSONResponse(
                    {"status": refused.status, "detail": refused.message},
                    status_code=refused.status,
                    media_type="application/problem+json",
                )
                await answer(scope, receive, send)
                return
        if path == "/__mock/journal":
            await self._journal(Request(scope, receive))(scope, receive, send)
        elif path.startswith("/__mock/faults"):
            response = await self._faults(Request(scope, receive))
            await response(scope, receive, send)
        else:
            await self._forward(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self.recorder is not None:
            self.recorder.save()

    # -- the proxy's own endpoints -----------------------------------------------------------

    def journal_json(self) -> dict[str, Any]:
        document = self.journal.to_json()
        for entry in document["entries"]:
            entry["violations"] = [v.to_json() for v in self.violations.get(entry["id"], [])]
        return document

    def _journal(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.journal.clear()
            self.violations.clear()
            return Response(status_code=204)
        return JSONResponse(self.journal_json())

    async def _faults(self, request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(self.faults.to_json())
        if request.method == "DELETE":
            self.faults.clear()
            return Response(status_code=204)
        if request.method != "POST":
            return JSONResponse({"message": "method not allowed"}, status_code=405)
        try:
            rule = await request.json()
            added = self.faults.add(**rule)
        except (ValueError, TypeError, TooManyFaultRules) as error:
            return JSONResponse({"message": str(error)}, status_code=400)
        return JSONResponse(added.to_json(), status_code=201)

    # -- forwarding --------------------------------------------------------------------------

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        body = await _read_body(receive)
        raw_headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in raw_headers}
        method, path = scope["method"], scope["path"]
        query_string = scope.get("query_string", b"").decode("latin-1")
        seen = SeenRequest(method, path, query_string, headers, body)
        case, violations = self.checker.check_request(seen)
        fault = self.faults.decide(method, path)
        status, answer = 0, b""
        answer_headers: list[tuple[str, str]] = []
        if fault is not None and fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if self.config.strict and violations:
            status, answer_headers, answer = await self._refuse(send, violations)
        elif fault is not None and fault.drop:
            # As on the mock: the connection closes with no answer, the upstream never asked.
            self._journalled(seen, 0, [], b"", violations, started, fault)
            await drop_connection(send)
            return
        elif fault is not None and fault.malformed:
            # The upstream's real answer, its body cut in half on the way back (as the mock's).
            send = Truncating(send, fault.status)
        elif fault is not None and fault.status is not None:
            extra = {"X-Mock-Fault": fault.id}
            if fault.retry_after is not None:
                extra["Retry-After"] = str(fault.retry_after)
            rendered = self.render_error(fault.status, fault.message or "injected fault")
            status, answer_headers, answer = await _send_connexion(send, rendered, extra)
        if status == 0:
            url = self.upstream + path + (f"?{query_string}" if query_string else "")
            status, answer_headers, answer = await self._relay(
                scope, send, method, url, raw_headers, body, case
            )
            if status and len(answer) > KEPT_BODY:
                logger.info("%s %s: answer over %d bytes, not checked", method, path, KEPT_BODY)
            elif status:
                elapsed = time.perf_counter() - started
                violations += self._judge(case, seen, url, status, answer_headers, answer, elapsed)
        self._journalled(seen, status, answer_headers, answer, violations, started, fault)

    def _judge(
        self,
        case: Any,
        seen: SeenRequest,
        url: str,
        status: int,
        answer_headers: list[tuple[str, str]],
        answer: bytes,
        elapsed: float,
    ) -> list[ProxyViolation]:
        """The answer's violations; what it says is remembered (jobs, links) and recorded."""
        if case is None:
            link = self.exports.download(seen.path) if seen.method == "GET" else None
            if link is None or status == 403:
                # 403 is the file store's answer to a link expired, retired or altered, as it
                # must be: the proxy knows neither the target's clock nor the link's token.
                return []
            rows, violations = self.checker.check_download(
                link.columns(), link.delimiter, seen, url, status, answer_headers, answer
            )
            if self.recorder is not None and status == 200 and not violations:
                self.recorder.saw_export(events_of_rows(link, rows))
            return violations
        violations = self.checker.check_response(
            case, seen, url, status, answer_headers, answer, elapsed
        )
        operation_id = case.operation.definition.raw.get("operationId")
        body = _json(answer) if status == 200 or self.recorder is not None else None
        if operation_id in ("startReport", "getReportAvailability") and status == 200:
            self.exports.saw_job(body)
        if operation_id == "getReportLink" and status == 200 and isinstance(body, dict):
            source = case.path_parameters.get("source")
            if isinstance(source, str) and isinstance(body.get("link"), str):
                self.exports.saw_link(source, body["link"])
        if self.recorder is not None:
            self.recorder.saw(operation_id, status, body, seen.headers)
        return violations

    async def _relay(
        self,
        scope: Scope,
        send: Send,
        method: str,
        url: str,
        raw_headers: list[tuple[bytes, bytes]],
        body: bytes,
        case: Any,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        forwarded = [
            (name, value) for name, value in raw_headers if name.decode("latin-1") not in HOP_BY_HOP
        ]
        request = self.client.build_request(method, url, headers=forwarded, content=body)
        try:
            upstream = await self.client.send(request, stream=True)
        except httpx.HTTPError as error:
            logger.warning("upstream %s unreachable: %s", self.upstream, error)
            rendered = self.render_error(502, "the upstream did not answer")
            await _send_connexion(send, rendered, {})
            return 0, [], b""
        answer_headers = [(k.lower(), v) for k, v in upstream.headers.multi_items()]
        rewrite = self._link_rewriter(scope, case)
        kept = bytearray()
        try:
            if rewrite is not None:
                content = await upstream.aread()
                kept += content
                content = rewrite(content)
                headers = _out_headers(answer_headers, len(content))
                await send(
                    {
                        "type": "http.response.start",
                        "status": upstream.status_code,
                        "headers": headers,
                    }
                )
                await send({"type": "http.response.body", "body": content})
            else:
                headers = _out_headers(answer_headers, None)
                await send(
                    {
                        "type": "http.response.start",
                        "status": upstream.status_code,
                        "headers": headers,
                    }
                )
                async for chunk in upstream.aiter_raw():
                    if len(kept) <= KEPT_BODY:
                        kept += chunk  # past it: the copy is cut, the client still gets all
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
        finally:
            await upstream.aclose()
        return upstream.status_code, answer_headers, bytes(kept)

    def _link_rewriter(self, scope: Scope, case: Any) -> Callable[[bytes], bytes] | None:
        """A report link points at the upstream's host: made to go through the proxy, so the
        download is seen (and recorded) too."""
        if case is None or case.operation.definition.raw.get("operationId") != "getReportLink":
            return None
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        if not host:
            return None
        own = f"{scope.get('scheme', 'http')}://{host}"

        def rewrite(content: bytes) -> bytes:
            try:
                body = json.loads(content)
            except ValueError:
                return content
            link = body.get("link") if isinstance(body, dict) else None
            if isinstance(link, str) and link.startswith(self.upstream):
                body["link"] = own + link[len(self.upstream) :]
                return json.dumps(body).encode()
            return content

        return rewrite

    async def _refuse(
        self, send: Send, violations: list[ProxyViolation]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        message = "; ".join(f"[{v.rule}] {v.message}" for v in violations)
        return await _send_connexion(send, self.render_error(400, message), {})

    def _journalled(
        self,
        seen: SeenRequest,
        status: int,
        answer_headers: list[tuple[str, str]],
        answer: bytes,
        violations: list[ProxyViolation],
        started: float,
        fault: Any,
    ) -> None:
        exchange = Exchange(
            query_string=seen.query_string.encode("latin-1"),
            headers=tuple(
                (k.encode("latin-1"), v.encode("latin-1")) for k, v in seen.headers.items()
            ),
            body=seen.body,
            response_headers=tuple(
                (k.encode("latin-1"), v.encode("latin-1")) for k, v in answer_headers
            ),
            response_body=answer,
        )
        entry: JournalEntry = self.journal.record(
            time=int(time.time() * 1000),
            api=self.config.api,
            method=seen.method,
            path=seen.path,
            status=status or None,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            fault=fault.id if fault is not None else None,
            _exchange=exchange,
        )
        self.tally.exchanges += 1
        if violations:
            self.violations[entry.id] = violations
            shown = redact_path(seen.path + (f"?{seen.query_string}" if seen.query_string else ""))
            for violation in violations:
                self.tally.rules[violation.rule] += 1
                logger.warning(
                    "%s %s [%s] %s", seen.method, shown, violation.rule, violation.message
                )

    def summary(self) -> str:
        tally = self.tally
        if not tally.violations:
            return f"proxy: {tally.exchanges} exchanges, no violation"
        rules = ", ".join(f"{rule} x{count}" for rule, count in sorted(tally.rules.items()))
        return f"proxy: {tally.exchanges} exchanges, {tally.violations} violations ({rules})"

    def junit_xml(self) -> str:
        from xml.sax.saxutils import quoteattr

        cases = []
        for entry in self.journal.entries():
            found = self.violations.get(entry.id, [])
            name = quoteattr(f"{entry.method} {entry.path} #{entry.id}")
            failures = "".join(
                f"<failure type={quoteattr(v.rule)} message={quoteattr(v.message)}/>" for v in found
            )
            cases.append(f'<testcase classname="proxy" name={name}>{failures}</testcase>')
        failed = sum(1 for entry in self.journal.entries() if self.violations.get(entry.id))
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<testsuite name="events-mock proxy" tests="{len(cases)}" failures="{failed}">'
            + "".join(cases)
            + "</testsuite>\n"
        )


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _out_headers(headers: list[tuple[str, str]], length: int | None) -> list[tuple[bytes, bytes]]:
    out = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in headers
        if k not in HOP_BY_HOP or (k == "content-length" and length is None)
    ]
    if length is not None:
        out.append((b"content-length", str(length).encode()))
    return out


async def _send_connexion(
    send: Send, rendered: Any, extra: dict[str, str]
) -> tuple[int, list[tuple[str, str]], bytes]:
    body = rendered.body if isinstance(rendered.body, bytes) else str(rendered.body or "").encode()
    headers = {**dict(rendered.headers or {}), **extra}
    if rendered.content_type:
        headers.setdefault("content-type", rendered.content_type)
    pairs = [(k.lower(), str(v)) for k, v in headers.items()]
    pairs.append(("content-length", str(len(body))))
    await send(
        {
            "type": "http.response.start",
            "status": rendered.status_code,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs],
        }
    )
    await send({"type": "http.response.body", "body": body})
    return rendered.status_code, pairs, body
