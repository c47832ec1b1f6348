"""The ASGI middleware through which every request to the mock passes first.

For the control plane's own paths it only decides who may call them. For every mocked API it
records the request in the journal and applies the fault rules and `Prefer` before (or
instead of) the API answering. Only the sandbox router and the CORS layer (`events_mock.cors`)
may wrap it, which pick the world, answer preflights and add headers without changing an
answer: a dropped connection needs the server's own `send` (`drop_connection` unwraps the CORS
one), and the journal must see the final answer, errors included.

With the `events_mock.requests` logger at DEBUG (`--log-level debug`), every 4xx answer of a
mocked API is logged in one line with its reason, the message of the answer's body, secrets
redacted as in the journal; at INFO nothing is logged here and nothing is done for it.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any

from connexion.lifecycle import ConnexionResponse
from starlette.responses import Response

from events_mock.control import access
from events_mock.control.dashboard import DASHBOARD_PATH
from events_mock.control.faults import FaultRule
from events_mock.control.journal import Exchange, Headers, JournalEntry, redact_path
from events_mock.control.plane import CONTROL_PREFIX, ControlPlane
from events_mock.control.prefer import (
    PreferenceRefused,
    documented_responses,
    parse_prefer,
)
from events_mock.coverage.recorder import API, FAULT, PREFER
from events_mock.framework.connection import drop_connection
from events_mock.seam import getter, route_path
from events_mock.stores.redis_client import StoreUnavailable

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

FAULT_HEADER = "X-Events-Mock-Fault"

requests_logger = logging.getLogger("events_mock.requests")
store_logger = logging.getLogger("events_mock.store")


def is_dashboard_file(method: str, path: str) -> bool:
    """A GET (or HEAD) of one of the dashboard's static files (`control.dashboard`)."""
    return method in ("GET", "HEAD") and (
        path == DASHBOARD_PATH.rstrip("/") or path.startswith(DASHBOARD_PATH)
    )


def is_control_path(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


class ControlMiddleware:
    def __init__(self, app: ASGIApp, control: ControlPlane | Callable[[], ControlPlane]) -> None:
        """`control`: the plane, or how to find the current world's (`events_mock.world`)."""
        self.app = app
        self._control_of = getter(control)

    @property
    def control(self) -> ControlPlane:
        return self._control_of()

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        control = self._control_of()
        path = route_path(scope)
        if is_control_path(path):
            refusal = self._refusal(control, scope, path)
            if refusal is None:
                await self.app(scope, receive, send)
            else:
                await to_asgi(refusal)(scope, receive, send)
        else:
            await _Exchange(self.app, control, scope, receive, send, path).run()

    def _refusal(
        self, control: ControlPlane, scope: MutableMapping[str, Any], path: str
    ) -> ConnexionResponse | None:
        control_api = control.api_for(CONTROL_PREFIX)
        token = control.settings.token
        token_given = False
        if token and is_dashboard_file(str(scope.get("method", "")), path):
            # A browser cannot send the token when it opens the page: the page asks for it and
            # sends it on every control call. Its files hold no data (they are the package's),
            # so with a token set they are served as to a caller with the token; the origin
            # rules below still apply.
            token_given = True
        elif token:
            given = _bearer_token(scope)
            token_given = given is not None and hmac.compare_digest(given.encode(), token.encode())
            if not token_given:
                refusal = control_api.render_error(
                    401, "The control plane needs 'Authorization: Bearer <control token>'."
                )
                refusal.headers["WWW-Authenticate"] = 'Bearer realm="events-mock control"'
                return refusal
        settings = control.settings
        refused = access.refusal(
            scope, token_given, settings.allowed_hosts, trusted_origin=settings.trusted_origin
        )
        return (
            None if refused is None else control_api.render_error(refused.status, refused.message)
        )


def _bearer_token(scope: MutableMapping[str, Any]) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
    return None


class _Exchange:
    """One request to a mocked API: faults, `Prefer`, and its journal entry."""

    def __init__(
        self,
        app: ASGIApp,
        control: ControlPlane,
        scope: MutableMapping[str, Any],
        receive: Receive,
        send: Send,
        path: str,
    ) -> None:
        self.app = app
        self.control = control
        self.scope = scope
        self.path = path
        """Below the sandbox prefix, if any: what faults, `Prefer` and the journal match."""
        self._receive = receive
        self._send = send
        self.api = control.api_for(path)
        self.arrived_ms = 0
        """When the request arrived, in mock time (read first thing in `run`)."""
        self.started = time.perf_counter()
        self.body = bytearray()
        self.body_truncated = False
        self.status: int | None = None
        self.response_headers: Headers = ()
        self.response_body: list[bytes] = []
        self.response_bytes = 0
        self.response_body_truncated = False
        self.fault: FaultRule | None = None
        self.preferred = False
        """The answer is a documented example `Prefer` asked for (or its refusal)."""
        self.recorded = False

    async def run(self) -> None:
        self.arrived_ms = await self.control.clock.now_ms_async()
        fault = self.fault = await self.control.faults.decide_async(self.scope["method"], self.path)
        try:
            if fault is None:
                await self._answer(self.send)
                return
            if fault.latency_ms:
                await self.control.sleep(fault.latency_ms / 1000)
            if fault.drop:
                await self._drain()
                await self.record()
                await drop_connection(self._send)
                return
            send = _with_headers(self.send, _fault_headers(fault))
            if fault.malformed:
                await self.app(self.scope, self.receive, Truncating(send, fault.status))
            elif fault.status is not None:
                await self._drain()
                message = fault.message or _phrase(fault.status)
                await to_asgi(self.api.render_error(fault.status, message))(
                    self.scope, self._receive, send
                )
            else:
                await self._answer(send)
        finally:
            await self.record()

    async def _answer(self, send: Send) -> None:
        """The API's own answer, or the documented one a `Prefer` header asks for."""
        try:
            preference = parse_prefer(self._header("prefer"))
            operation = (
                documented_responses(self.api.spec).find(self.scope["method"], self.path)
                if preference is not None
                else None
            )
            answer = operation.answer(preference) if operation and preference else None
        except PreferenceRefused as refused:
            self.preferred = True
            await self._drain()
            await to_asgi(self.api.render_error(400, str(refused)))(self.scope, self._receive, send)
            return
        if answer is None:
            await self.app(self.scope, self.receive, send)
            return
        self.preferred = True
        await self._drain()
        headers = dict(answer.headers)
        if answer.content_type:
            headers["Content-Type"] = answer.content_type
        response = Response(answer.body, status_code=answer.status, headers=headers)
        await response(self.scope, self._receive, send)

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            room = self.control.journal.body_limit - len(self.body)
            if len(chunk) > room:
                self.body_truncated = True
            self.body += chunk[: max(room, 0)]
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.response_headers = tuple(message.get("headers", ()))
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            if chunk:
                self._keep_response(chunk)
            if not message.get("more_body", False):
                # Recorded before the client can see the end of the answer, so a test that asks
                # the journal right after a response always finds it there.
                await self.record()
        await self._send(message)

    def _keep_response(self, chunk: bytes) -> None:
        """Keep the answer's body up to the journal's limit, without copying what fits."""
        room = self.control.journal.body_limit - self.response_bytes
        if len(chunk) > room:
            self.response_body_truncated = True
            chunk = chunk[: max(room, 0)]
            if not chunk:
                return
        self.response_body.append(bytes(chunk))  # bytes as ASGI sends: not copied
        self.response_bytes += len(chunk)

    async def _drain(self) -> None:
        """Read the request body the app will not read, so the journal still shows it."""
        while True:
            message = await self.receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                return

    def _header(self, name: str) -> str | None:
        wanted = name.encode("latin-1")
        value = next((v for k, v in self.scope["headers"] if k.lower() == wanted), None)
        return value.decode("latin-1") if value is not None else None

    async def record(self) -> None:
        if self.recorded:
            return
        self.recorded = True
        tenant_of = self.api.tenant_of
        tenant = tenant_of(_text_headers(self.scope["headers"])) if tenant_of else None
        # Before the journal entry: on Redis the count rides on the entry's script
        # (stores/redis_coverage.py), so it is counted when the entry is, in its round trip.
        self.control.coverage.record_exchange(
            self.api,
            self.scope["method"],
            self.path,
            self.status,
            self.response_body,
            FAULT if _shaped(self.fault) else PREFER if self.preferred else API,
            self.fault,
        )
        try:
            entry = await self._journaled(tenant)
        except StoreUnavailable as error:
            # The answer is on its way (or is the 503 itself): a journal on a Redis that went
            # away misses this one entry rather than breaking the answer. Debug only: the
            # outage itself is logged once by `events_mock.store_failures`.
            store_logger.debug("request not journaled: %s", error)
            return
        refused = self.status is not None and 400 <= self.status < 500
        if refused and requests_logger.isEnabledFor(logging.DEBUG):
            log_refusal(entry, self.scope.get("query_string", b""))

    async def _journaled(self, tenant: str | None) -> JournalEntry:
        return await self.control.journal.record_async(
            time=self.arrived_ms,
            api=self.api.name,
            tenant=tenant,
            method=self.scope["method"],
            path=self.path,
            body_truncated=self.body_truncated,
            status=self.status,
            duration_ms=round((time.perf_counter() - self.started) * 1000, 3),
            fault=self.fault.id if self.fault is not None else None,
            _exchange=Exchange(
                query_string=self.scope.get("query_string", b""),
                headers=tuple(self.scope["headers"]),
                body=bytes(self.body),
                response_headers=self.response_headers,
                response_body=b"".join(self.response_body),  # one chunk: that very object
            ),
            response_body_truncated=self.response_body_truncated,
        )


def _shaped(fault: FaultRule | None) -> bool:
    """The rule changed the answer (not only delayed it)."""
    return fault is not None and (fault.drop or fault.malformed or fault.status is not None)


def log_refusal(entry: JournalEntry, query_string: bytes) -> None:
    """One line: method, path (secret query parameters redacted), status, and the reason."""
    target = entry.path + ("?" + query_string.decode("latin-1") if query_string else "")
    requests_logger.debug(
        "%s %s answered %s: %s",
        entry.method,
        redact_path(target),
        entry.status,
        refusal_reason(entry.response_body),
    )


def refusal_reason(body: Any) -> str:
    """The message of an error body in any mocked API's shape (`message`, `detail`, the
    Barchart error array's `value.message`, an XML `<Message>`), else the body as text."""
    found = _message_in(body)
    if found is None and isinstance(body, str):
        xml = _XML_MESSAGE.search(body)  # the download's storage-style XML error
        found = xml[1] if xml else body
    if found is None:
        found = "" if body is None else str(body)
    return " ".join(found.split())[:500] or "(no body)"


_XML_MESSAGE = re.compile(r"<Message>([^<]*)</Message>")


def _message_in(body: Any) -> str | None:
    queue = deque([body])
    while queue:  # breadth first: the outermost message; iterative, so any depth
        value = queue.popleft()
        if isinstance(value, dict):
            for key in ("message", "detail"):
                if isinstance(value.get(key), str):
                    return str(value[key])
            queue.extend(value.values())
        elif isinstance(value, list):
            queue.extend(value)
    return None


def _text_headers(headers: Headers) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers}


class Truncating:
    """Passes the app's answer on with its body cut in half: JSON that no longer parses."""

    def __init__(self, send: Send, status: int | None) -> None:
        self._send = send
        self._status = status
        self._start: Message | None = None
        self._body = bytearray()

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._start = message
            return
        if message["type"] != "http.response.body" or self._start is None:
            await self._send(message)
            return
        self._body += message.get("body", b"")
        if message.get("more_body", False):
            return
        body = bytes(self._body)
        cut = body[: len(body) // 2] if len(body) > 1 else b'{"'
        status = self._status or self._start["status"]
        if status < 200 or status in (204, 304):
            status = 200  # statuses that cannot carry a body
        headers = [
            (k, v) for k, v in self._start.get("headers", ()) if k.lower() != b"content-length"
        ]
        headers.append((b"content-length", str(len(cut)).encode()))
        await self._send({**self._start, "status": status, "headers": headers})
        await self._send({"type": "http.response.body", "body": cut, "more_body": False})


def _fault_headers(fault: FaultRule) -> list[tuple[bytes, bytes]]:
    headers = [(FAULT_HEADER.lower().encode(), fault.id.encode())]
    if fault.retry_after is not None:
        headers.append((b"retry-after", str(fault.retry_after).encode()))
    return headers


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    replaced = {name for name, _ in extra}

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in replaced]
            message = {**message, "headers": [*kept, *extra]}
        await send(message)

    return sending


def to_asgi(response: ConnexionResponse) -> Response:
    """A Connexion answer (an API's `render_error`) as an ASGI app, outside Connexion."""
    body = response.body if isinstance(response.body, bytes) else str(response.body or "").encode()
    return Response(body, status_code=response.status_code, headers=dict(response.headers))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"
