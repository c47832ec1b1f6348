"""Picks the world of each request: the outermost middleware of the server.

A request names its sandbox by the `X-Mock-Sandbox` header or the path prefix
`/sandboxes/<id>/`; neither is the default world, exactly as a server without sandboxes
behaves. The prefix becomes the request's ASGI `root_path` (the path keeps it, as the ASGI
spec wants), so every route matches the sandbox-relative path while download links and
`Location` headers built from the request carry the prefix. An unknown or expired id is 404
in the error shape of the API the path belongs to: never a silent fall-back to the default.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

from starlette.responses import Response

from events_mock.control.middleware import ASGIApp, Receive, Send, to_asgi
from events_mock.sandboxes.registry import SANDBOX_HEADER, Sandboxes, is_sandbox_id
from events_mock.seam import MockApi, api_for_path
from events_mock.world import CURRENT

__all__ = ["PATH_PREFIX", "SandboxRouter", "sandbox_relative"]

PATH_PREFIX = "/sandboxes/"
_HEADER = SANDBOX_HEADER.lower().encode("latin-1")


class SandboxRouter:
    def __init__(self, app: ASGIApp, sandboxes: Sandboxes, apis: Sequence[MockApi]) -> None:
        self.app = app
        self.sandboxes = sandboxes
        self.apis = apis

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        header = next((v for k, v in scope["headers"] if k.lower() == _HEADER), None)
        if header is None and not path.startswith(PATH_PREFIX):
            await self.app(scope, receive, send)  # the default world: no lookup, no copy
            return
        named, prefix = _named(path, header)
        relative = path[len(prefix) :] or "/" if prefix else path
        if not named:
            await self._refuse(404, "No such sandbox.", relative, scope, receive, send)
            return
        if prefix and header is not None and header.decode("latin-1").strip() != named:
            message = f"The {SANDBOX_HEADER} header and the path name two different sandboxes."
            await self._refuse(400, message, relative, scope, receive, send)
            return
        sandbox = await self.sandboxes.use_async(named) if is_sandbox_id(named) else None
        if sandbox is None:
            message = f"No sandbox has the id {named[:64]!r} (or it expired)."
            await self._refuse(404, message, relative, scope, receive, send)
            return
        if prefix:
            scope = {**scope, "root_path": scope.get("root_path", "") + prefix}
            if path == prefix:
                scope["path"] = prefix + "/"  # `/sandboxes/<id>` alone: its home page
        token = CURRENT.set((self.sandboxes, sandbox.world))
        try:
            await self.app(scope, receive, send)
        finally:
            CURRENT.reset(token)

    async def _refuse(
        self,
        status: int,
        message: str,
        path: str,
        scope: MutableMapping[str, Any],
        receive: Receive,
        send: Send,
    ) -> None:
        response: Response = to_asgi(api_for_path(self.apis, path).render_error(status, message))
        await response(scope, receive, send)


def sandbox_relative(path: str) -> str:
    """The path below `/sandboxes/<id>` (the path itself when it names no sandbox)."""
    if not path.startswith(PATH_PREFIX):
        return path
    _, prefix = _named(path, None)
    return path[len(prefix) :] or "/"


def _named(path: str, header: bytes | None) -> tuple[str, str]:
    """(the sandbox id named, the path prefix naming it: '' when the header does)."""
    if path.startswith(PATH_PREFIX):
        named = path[len(PATH_PREFIX) :].partition("/")[0]
        return named, PATH_PREFIX + named
    return (header or b"").decode("latin-1").strip(), ""
